/**
 * Test helpers every handler's tests share: environment variables set and restored, log lines
 * captured, and the error a call throws or a promise rejects with. Tests only; never bundled.
 */
import { vi, type MockInstance } from "vitest";

/**
 * Sets exactly the given variables among `names` (the others are removed) and returns the
 * function that restores them all.
 */
export function setEnvironment<Name extends string>(
  names: readonly Name[],
  values: Partial<Record<Name, string>>,
): () => void {
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  const apply = (name: string, value: string | undefined): void => {
    if (value === undefined) {
      Reflect.deleteProperty(process.env, name);
    } else {
      process.env[name] = value;
    }
  };
  for (const name of names) apply(name, values[name]);
  return () => {
    for (const [name, value] of saved) apply(name, value);
  };
}

/** Captures log lines (and keeps them off the test output). */
export function captureLogs(): {
  readonly spy: MockInstance<typeof console.log>;
  lines(): Record<string, unknown>[];
  events(): unknown[];
  text(): string;
} {
  const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
  const raw = (): string[] => spy.mock.calls.map((args) => String(args[0]));
  const lines = (): Record<string, unknown>[] =>
    raw().map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    spy,
    lines,
    events: () => lines().map((line) => line.event),
    text: () => raw().join("\n"),
  };
}

/** The error a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** The error `fn` throws. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/**
 * A handler module loaded afresh for a test, as a Lambda cold start loads it: `load(env)` sets
 * exactly `env` (through the folder's `setHandlerEnvironment`), drops the module cache and imports
 * the module again; `restore()`, in `afterEach`, puts the environment back.
 */
export function coldStart<Env, Module>(
  setHandlerEnvironment: (env: Env) => () => void,
  importModule: () => Promise<Module>,
): { load(env: Env): Promise<Module>; restore(): void } {
  let restoreEnvironment: () => void = () => undefined;
  return {
    async load(env) {
      restoreEnvironment = setHandlerEnvironment(env);
      vi.resetModules();
      return importModule();
    },
    restore: () => {
      restoreEnvironment();
      restoreEnvironment = () => undefined;
    },
  };
}
