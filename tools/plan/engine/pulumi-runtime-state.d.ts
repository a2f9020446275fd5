/**
 * The part of the Pulumi SDK's internal runtime state module that the engine uses: running a
 * program in its own async store, as the SDK's automation server does for each inline program
 * (`@pulumi/pulumi/automation/server.js`). The SDK ships this module without type declarations.
 */
declare module "@pulumi/pulumi/runtime/state" {
  /** Runs `callback` with a fresh runtime store (settings, monitor, config, stack resource). */
  export function withLocalStorage<T>(callback: () => T): T;
}
