/**
 * The mock engine: runs the real program in-process under `pulumi.runtime.setMocks`, with no
 * Pulumi CLI, provider plugin or cloud account, and records every resource it registers. Tests
 * and the offline plan both run programs through `runInMockEngine`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlannedResource } from "../../policy/rules/types";
import { computedState, mockId } from "./aws-data";
import { answerInvoke } from "./invokes";

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
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
}

interface RegisterResourceResponse {
  getUrn(): string;
  getId(): string;
}

type Callback = (error: unknown, response: RegisterResourceResponse | undefined) => void;

interface MonitorWithRegister {
  registerResource(request: RegisterResourceRequest, callback: Callback): Promise<void>;
}

const PROVIDER_PREFIX = "pulumi:providers:";

/**
 * The mocks: answers invokes with realistic data of the resource's region and returns each new
 * resource's inputs plus the computed attributes AWS would add.
 */
class RecordingMocks implements pulumi.runtime.Mocks {
  readonly records = new Map<string, RecordedResource>();
  private readonly providerRegions = new Map<string, string>();

  constructor(private readonly stackRegion: string) {}

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
    try {
      return answerInvoke(
        args.token,
        args.inputs as Record<string, unknown>,
        this.regionOf(args.provider, {}),
      );
    } catch (error) {
      throw asRpcError(error);
    }
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: Record<string, unknown>;
  } {
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
    const id = args.id || mockId(args.type, args.name, inputs);
    if (args.type.startsWith(PROVIDER_PREFIX)) {
      return { id, state: inputs };
    }
    const region = this.regionOf(args.provider, inputs);
    return { id, state: { ...inputs, ...computedState(args.type, args.name, id, inputs, region) } };
  }

  record(request: RegisterResourceRequest, urn: string, id: string): void {
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
    });
  }
}

/**
 * Runs `program` under fresh mocks and returns every resource it registered, in registration
 * order. Fails if the program throws, logs an error, or leaves a rejected promise behind.
 * Runs are sequential: the Pulumi runtime is process-wide state.
 */
export async function runInMockEngine(options: EngineRunOptions): Promise<EngineRun> {
  const stackRegion = options.config["aws:region"] ?? "us-east-1";
  const mocks = new RecordingMocks(stackRegion);
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
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      const result: unknown = await options.program();
      return result !== null && typeof result === "object" ? result : {};
    });
  } catch (error) {
    failure = asError(error);
  } finally {
    // A program that threw can leave registrations waiting for outputs it never resolved; wait
    // for them only briefly then, so the failure is reported instead of hanging.
    await (failure === undefined
      ? pulumi.runtime.disconnect()
      : Promise.race([
          pulumi.runtime.disconnect(),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]));
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
  return {
    project: options.project,
    stack: options.stack,
    config: options.config,
    resources: [...mocks.records.values()],
    outputs: outputs ?? {},
  };
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
            mocks.record(request, response.getUrn(), response.getId());
          } catch (recordError) {
            callback(asRpcError(recordError), undefined);
            return;
          }
        }
      }
      callback(error, response);
    });
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

/** The SDK reads a failed call's message from `details`, as gRPC errors carry it. */
function asRpcError(value: unknown): Error & { details: string } {
  const error = asError(value);
  return Object.assign(error, { details: error.message });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
