/**
 * The mock engine: runs the real program in-process under `pulumi.runtime.setMocks`, with no
 * Pulumi CLI, provider plugin or cloud account, and records every resource it registers. Tests
 * and the offline plan both run programs through `runInMockEngine`. It refuses what the real
 * engine or AWS would refuse (`./strict-rules`, `./kms-rules`), and answers with ids and ARNs in
 * each service's format (`./aws-data`).
 */
import * as pulumi from "@pulumi/pulumi";
import { withLocalStorage } from "@pulumi/pulumi/runtime/state";
import type { PlannedResource } from "../../../policy/rules/types";
import { computedState, mockId } from "./aws-data";
import { answerInvoke } from "./invokes";
import { checkKeyOrdering, checkPrincipals } from "./kms-rules";
import {
  checkInvoke,
  checkGlobalClusters,
  checkLambdaEdge,
  checkRegistration,
  DependencyGraph,
  disabledDefaults,
  EngineRuleError,
  stringsWithin,
  type DisabledDefaults,
  type EngineViolation,
} from "./strict-rules";

/**
 * One registered resource, as the engine saw it: what the plan and the policy rules read, plus
 * the engine's own bookkeeping.
 */
export interface RecordedResource extends PlannedResource {
  /** The id the mock engine gave a custom resource (what other resources' inputs refer to). */
  readonly id?: string;
  /** Whether it is a custom (cloud) resource rather than a component or the stack. */
  readonly custom: boolean;
  /** Whether the resource is registered with `protect: true`. */
  readonly protect: boolean;
  /** Whether it is a remote (multi-language) component, such as `eks:index:Cluster`. */
  readonly remote: boolean;
  /** Its outputs as the mock engine returned them (inputs included, secrets masked). */
  readonly state: Readonly<Record<string, unknown>>;
  /** The outputs AWS computes (its id, ARN, generated names): what it did not get as input. */
  readonly computed: Readonly<Record<string, unknown>>;
}

/** The outcome of running a program under the mock engine. */
export interface EngineRun {
  readonly project: string;
  readonly stack: string;
  /** The config the program ran with, as the CLI would pass it. */
  readonly config: Readonly<Record<string, string>>;
  readonly resources: readonly RecordedResource[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface EngineRunOptions {
  readonly project: string;
  readonly stack: string;
  /** Config as the CLI would hand it to the program: full keys to string (JSON for structures). */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys?: readonly string[];
  /**
   * Principals (role ARNs) to treat as existing in the account although the program neither
   * creates nor looks them up, for component tests that pass stand-ins for what a stack gets
   * from config.
   */
  readonly knownPrincipals?: readonly string[];
  /**
   * The program: called inside the root stack resource; an object it returns (or resolves to)
   * becomes the stack outputs.
   */
  readonly program: () => unknown;
}

/** What the SDK passes to the monitor's `registerResource`, as far as the engine reads it. */
interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
}

interface RegisterResourceResponse {
  getUrn(): string;
  getId(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
}

type Callback = (error: unknown, response: RegisterResourceResponse | undefined) => void;

/** What the SDK passes to `readResource` (a `Resource.get`), as far as the engine reads it. */
interface ReadResourceRequest {
  getType(): string;
  getProvider(): string;
}

interface MonitorWithRegister {
  registerResource(request: RegisterResourceRequest, callback: Callback): Promise<void>;
  readResource(
    request: ReadResourceRequest,
    callback: (error: unknown, response: { getUrn(): string } | undefined) => void,
  ): Promise<void>;
  registerResourceOutputs(request: unknown, callback: (error: unknown) => void): void;
}

const PROVIDER_PREFIX = "pulumi:providers:";

/**
 * The mocks: answers invokes with realistic data of the resource's region and returns each new
 * resource's inputs plus the computed attributes AWS would add.
 */
class RecordingMocks implements pulumi.runtime.Mocks {
  readonly records = new Map<string, RecordedResource>();
  /** What the real engine would refuse at registration or invoke time, in order. */
  readonly violations: EngineViolation[] = [];
  /** Every string an invoke answered. */
  readonly invokeAnswers = new Set<string>();
  /** Calls into the engine so far: how a failed run's leftovers are seen to make progress. */
  activity = 0;
  private readonly providerRegions = new Map<string, string>();

  constructor(
    private readonly stackRegion: string,
    readonly disabled: DisabledDefaults,
  ) {}

  /** Region of a resource registered with this provider reference and inputs. */
  regionOf(providerRef: string | undefined, inputs: Readonly<Record<string, unknown>>): string {
    if (typeof inputs.region === "string" && inputs.region !== "") {
      return inputs.region;
    }
    // A provider reference is "<urn>::<id>"; an empty one means the default provider.
    const providerUrn = providerRef ? providerRef.split("::").slice(0, -1).join("::") : undefined;
    return (
      (providerUrn === undefined ? undefined : this.providerRegions.get(providerUrn)) ??
      this.stackRegion
    );
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.activity += 1;
    this.violations.push(...checkInvoke(args.token, args.provider, this.disabled));
    try {
      const answer = answerInvoke(
        args.token,
        args.inputs as Record<string, unknown>,
        this.regionOf(args.provider, {}),
      );
      stringsWithin(answer, this.invokeAnswers);
      return answer;
    } catch (error) {
      throw asRpcError(error);
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: Record<string, unknown>;
  } {
    this.activity += 1;
    const inputs = args.inputs as Record<string, unknown>;
    if (args.custom === false) {
      // Components registered by a provider (remote components such as eks:index:Cluster) have
      // outputs of their own; the program's components have none.
      const region = this.regionOf(args.provider, inputs);
      return {
        id: undefined,
        state: { ...inputs, ...computedState(args.type, args.name, "", inputs, region) },
      };
    }
    const region = this.regionOf(args.provider, inputs);
    const id = args.id || mockId(args.type, args.name, inputs, region);
    if (args.type.startsWith(PROVIDER_PREFIX)) {
      return { id, state: inputs };
    }
    return { id, state: { ...inputs, ...computedState(args.type, args.name, id, inputs, region) } };
  }

  record(request: RegisterResourceRequest, response: RegisterResourceResponse): void {
    this.activity += 1;
    const urn = response.getUrn();
    const id = response.getId();
    if (this.records.has(urn)) {
      throw new Error(`duplicate resource URN ${urn}: two resources share a type and a name`);
    }
    const inputs = maskSecrets(pulumi.runtime.deserializeProperties(request.getObject())) as Record<
      string,
      unknown
    >;
    const type = request.getType();
    const providerRef = request.getProvider();
    const region = type.startsWith(PROVIDER_PREFIX)
      ? typeof inputs.region === "string"
        ? inputs.region
        : this.stackRegion
      : request.getCustom()
        ? this.regionOf(providerRef, inputs)
        : this.stackRegion;
    if (type.startsWith(PROVIDER_PREFIX)) {
      this.providerRegions.set(urn, region);
    }
    const parent = request.getParent();
    const provider =
      providerRef === "" ? undefined : providerRef.split("::").slice(0, -1).join("::");
    const remote = request.getRemote();
    const violation = checkRegistration(
      { urn, type, custom: request.getCustom(), remote, providerRef },
      this.disabled,
    );
    if (violation !== undefined) {
      this.violations.push(violation);
    }
    const state = maskSecrets(pulumi.runtime.deserializeProperties(response.getObject())) as Record<
      string,
      unknown
    >;
    const computed = Object.fromEntries([
      ...(id === "" ? [] : [["id", id] as const]),
      ...Object.entries(state).filter(([key]) => !(key in inputs)),
    ]);
    this.records.set(urn, {
      urn,
      type,
      name: request.getName(),
      ...(id === "" ? {} : { id }),
      custom: request.getCustom(),
      ...(parent === "" ? {} : { parent }),
      ...(provider === undefined ? {} : { provider }),
      region,
      inputs,
      dependsOn: [...new Set(request.getDependenciesList())].sort(),
      protect: request.getProtect() === true,
      remote,
      state,
      computed,
    });
  }
}

/**
 * Runs `program` under fresh mocks and returns every resource it registered, in registration
 * order. Fails if the program throws, logs an error, leaves a rejected promise behind, or does
 * what the real engine or AWS would refuse (`EngineRuleError`, one line per violation).
 *
 * Each run has its own Pulumi runtime state (the SDK's per-run async store, as its automation
 * server gives each inline program), so what a failed program leaves running (registrations
 * waiting on outputs, components registering outputs late) still talks to that run's monitor
 * and never reaches the next run's. Runs are sequential all the same: listeners are process-wide.
 */
export function runInMockEngine(options: EngineRunOptions): Promise<EngineRun> {
  return withLocalStorage(() => runIsolated(options));
}

async function runIsolated(options: EngineRunOptions): Promise<EngineRun> {
  const stackRegion = options.config["aws:region"] ?? "us-east-1";
  const mocks = new RecordingMocks(stackRegion, disabledDefaults(options.config));
  await pulumi.runtime.setMocks(mocks, options.project, options.stack, false);
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  interceptRegistrations(mocks);

  const stray: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    stray.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  let outputs: Record<string, unknown> | undefined;
  let failure: Error | undefined;
  try {
    let returned: unknown;
    const resolved = await pulumi.runtime.runInPulumiStack(async () => {
      const result: unknown = await options.program();
      returned = result;
      return result !== null && typeof result === "object" ? result : {};
    });
    // The SDK hands back the outputs resolved, secrets in clear text: mask what was secret.
    outputs = (await maskSecretOutputs(returned, resolved)) as Record<string, unknown> | undefined;
  } catch (error) {
    failure = asError(error);
  } finally {
    await settle(mocks, failure !== undefined);
    // Let rejections that were scheduled during the run surface before the listener goes.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
  }
  if (failure !== undefined) {
    throw failure;
  }
  if (stray.length > 0) {
    throw new AggregateError(
      stray.map(asError),
      `${options.stack}: ${stray.map((e) => asError(e).message).join("; ")}`,
    );
  }
  if (pulumi.log.hasErrors()) {
    throw new Error(`${options.stack}: the program logged errors; see the output above`);
  }
  const resources = [...mocks.records.values()];
  const graph = new DependencyGraph(resources);
  const violations = [
    ...mocks.violations,
    ...checkKeyOrdering(graph),
    ...checkLambdaEdge(graph),
    ...checkGlobalClusters(graph),
    ...checkPrincipals(graph, {
      invokeAnswers: mocks.invokeAnswers,
      configValues: stringsWithin(Object.values(options.config)),
      declared: new Set(options.knownPrincipals ?? []),
    }),
  ];
  if (violations.length > 0) {
    throw new EngineRuleError(options.stack, dedupe(violations));
  }
  return {
    project: options.project,
    stack: options.stack,
    config: options.config,
    resources,
    outputs: outputs ?? {},
  };
}

/** The same refusal once (an invoke called in a loop is one fault). */
function dedupe(violations: readonly EngineViolation[]): EngineViolation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.subject}\u0000${violation.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** How long a failed run's leftovers may stay silent before the engine stops waiting for them. */
const QUIET_MS = 2000;
/** How long a failed run's leftovers are waited for at most, however busy. */
const MAX_SETTLE_MS = 60_000;

/**
 * Waits for the run's outstanding RPCs. After a failure some never finish (they wait on outputs
 * of what failed), so wait while they still make progress and stop once they have been quiet for
 * `QUIET_MS`; what is left can only ever reach this run's own monitor.
 */
async function settle(mocks: RecordingMocks, failed: boolean): Promise<void> {
  const drained = pulumi.runtime.disconnect().then(() => true);
  if (!failed) {
    await drained;
    return;
  }
  let seen = mocks.activity;
  let quietSince = Date.now();
  const giveUpAt = quietSince + MAX_SETTLE_MS;
  for (;;) {
    const done = await Promise.race([drained, sleep(100).then(() => false)]);
    if (done || Date.now() >= giveUpAt) {
      return;
    }
    if (mocks.activity !== seen) {
      seen = mocks.activity;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= QUIET_MS) {
      return;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Wraps the mock monitor so every registration is recorded with its parent, provider and dependencies. */
function interceptRegistrations(mocks: RecordingMocks): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister | undefined;
  if (monitor === undefined) {
    throw new Error("the mock monitor is not installed");
  }
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (error === null || error === undefined) {
        if (response !== undefined) {
          try {
            mocks.record(request, response);
          } catch (recordError) {
            callback(asRpcError(recordError), undefined);
            return;
          }
        }
      }
      callback(error, response);
    });
  // Reading an existing resource (`Resource.get`) goes through a provider too.
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (request, callback) =>
    read(request, (error, response) => {
      const violation =
        response === undefined
          ? undefined
          : checkRegistration(
              {
                urn: response.getUrn(),
                type: request.getType(),
                custom: true,
                remote: false,
                providerRef: request.getProvider(),
              },
              mocks.disabled,
            );
      if (violation !== undefined) {
        mocks.violations.push(violation);
      }
      callback(error, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    mocks.activity += 1;
    registerOutputs(request, callback);
  };
}

/** What the plan shows instead of a secret value. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Replaces every secret value (the SDK's signed envelope) with a placeholder, so no plan prints one. */
function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(maskSecrets);
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  const object = value as Record<string, unknown>;
  if (object[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
    return SECRET_PLACEHOLDER;
  }
  return Object.fromEntries(
    Object.entries(object).map(([key, inner]) => [key, maskSecrets(inner)]),
  );
}

/**
 * The resolved stack outputs with every value that was a secret Output in what the program
 * returned (at any depth) replaced by the placeholder, as the engine would show it.
 */
async function maskSecretOutputs(returned: unknown, resolved: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(returned)) {
    return (await pulumi.isSecret(returned)) ? SECRET_PLACEHOLDER : resolved;
  }
  if (Array.isArray(returned) && Array.isArray(resolved)) {
    return Promise.all(resolved.map((item, index) => maskSecretOutputs(returned[index], item)));
  }
  if (
    returned !== null &&
    typeof returned === "object" &&
    resolved !== null &&
    typeof resolved === "object" &&
    !Array.isArray(resolved)
  ) {
    const inner = returned as Record<string, unknown>;
    return Object.fromEntries(
      await Promise.all(
        Object.entries(resolved).map(
          async ([key, value]) => [key, await maskSecretOutputs(inner[key], value)] as const,
        ),
      ),
    );
  }
  return resolved;
}

/** The SDK reads a failed call's message from `details`, as gRPC errors carry it. */
function asRpcError(value: unknown): Error & { details: string } {
  const error = asError(value);
  return Object.assign(error, { details: error.message });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
