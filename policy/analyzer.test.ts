/**
 * Drives the pack the way the Pulumi CLI does. The CLI's Node.js language host runs
 * `@pulumi/pulumi/cmd/run-policy-pack <engine-address> .` (resolved from the pack's directory, in
 * that directory), which compiles policy/index.ts with ts-node; `@pulumi/policy` then serves the
 * Analyzer gRPC service on a loopback port it prints. The engine calls GetAnalyzerInfo, Configure
 * (the `--policy-pack-config` file), ConfigureStack, then Analyze once per resource with its
 * inputs and AnalyzeStack once with every resource's outputs (pulumi/pulumi
 * `pkg/resource/deploy/step_generator.go`). The requests here are built with the protocol's own
 * stubs (`@pulumi/pulumi/proto/analyzer_pb`) from the real Saudi stack.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import type * as Grpc from "@grpc/grpc-js";
import type * as Pulumi from "@pulumi/pulumi";
import type * as AnalyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as AnalyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type * as EmptyPb from "google-protobuf/google/protobuf/empty_pb";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegionalPlatform } from "../components/regional-platform";
import { planStack, type StackPlan } from "../tools/plan/document";
import { PACK_NAME, RESIDENCY_CONFIG_SCHEMA } from "./crossguard";
import { policyConfigText } from "./policy-config";
import { RULES } from "./rules";
import { PLATFORM_TYPE } from "./rules/vocabulary";

const POLICY_DIR = __dirname;
// The SDK the program runs on (the project's), which may be another copy than the pack's.
const pulumi = createRequire(path.join(POLICY_DIR, "..", "package.json"))(
  "@pulumi/pulumi",
) as typeof Pulumi;
// Resolved from the pack's directory, as the language host resolves run-policy-pack.
const packRequire = createRequire(path.join(POLICY_DIR, "package.json"));
const runPolicyPack = packRequire.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const stubsRequire = createRequire(packRequire.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
const analyzerPb = packRequire("@pulumi/pulumi/proto/analyzer_pb") as typeof AnalyzerPb;
const analyzerGrpc = packRequire("@pulumi/pulumi/proto/analyzer_grpc_pb") as typeof AnalyzerGrpc;
// The stubs' own copies: gRPC checks credentials and messages by class.
const grpc = stubsRequire("@grpc/grpc-js") as typeof Grpc;
const emptyPb = stubsRequire("google-protobuf/google/protobuf/empty_pb") as typeof EmptyPb;
const structPb = stubsRequire("google-protobuf/google/protobuf/struct_pb") as typeof StructPb;

/** A resource as the engine knows it after registration. */
interface EngineResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly dependsOn: readonly string[];
}

/** A diagnostic as the engine receives it. */
interface Diagnostic {
  readonly policy: string;
  readonly pack: string;
  readonly message: string;
  readonly enforcement: AnalyzerPb.EnforcementLevel;
  readonly urn: string;
}

function struct(value: Readonly<Record<string, unknown>>): StructPb.Struct {
  // Through JSON: what the engine marshals is JSON-shaped (no undefined, no class instances).
  return structPb.Struct.fromJavaScript(
    JSON.parse(JSON.stringify(value)) as Record<string, StructPb.JavaScriptValue>,
  );
}

function optionsOf(resource: EngineResource): AnalyzerPb.AnalyzerResourceOptions {
  const options = new analyzerPb.AnalyzerResourceOptions();
  options.setProtect(false);
  options.setIgnorechangesList([]);
  options.setDeletebeforereplacedefined(false);
  options.setAdditionalsecretoutputsList([]);
  options.setAliasesList([]);
  options.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
  options.setParent(resource.parent ?? "");
  return options;
}

/** The provider part of a request: the provider resource with its inputs, as the engine sends it. */
function providerOf(
  resource: EngineResource,
  byUrn: ReadonlyMap<string, EngineResource>,
): AnalyzerPb.AnalyzerProviderResource | undefined {
  const provider = resource.provider === undefined ? undefined : byUrn.get(resource.provider);
  if (provider === undefined) {
    return undefined;
  }
  const message = new analyzerPb.AnalyzerProviderResource();
  message.setUrn(provider.urn);
  message.setType(provider.type);
  message.setName(provider.name);
  message.setProperties(struct(provider.inputs));
  return message;
}

function analyzeRequest(
  resource: EngineResource,
  byUrn: ReadonlyMap<string, EngineResource>,
): AnalyzerPb.AnalyzeRequest {
  const request = new analyzerPb.AnalyzeRequest();
  request.setUrn(resource.urn);
  request.setType(resource.type);
  request.setName(resource.name);
  request.setProperties(struct(resource.inputs));
  request.setOptions(optionsOf(resource));
  const provider = providerOf(resource, byUrn);
  if (provider !== undefined) {
    request.setProvider(provider);
  }
  return request;
}

function analyzeStackRequest(resources: readonly EngineResource[]): AnalyzerPb.AnalyzeStackRequest {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const request = new analyzerPb.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((resource) => {
      const message = new analyzerPb.AnalyzerResource();
      message.setUrn(resource.urn);
      message.setType(resource.type);
      message.setName(resource.name);
      message.setProperties(struct(resource.outputs));
      message.setOptions(optionsOf(resource));
      const provider = providerOf(resource, byUrn);
      if (provider !== undefined) {
        message.setProvider(provider);
      }
      message.setParent(resource.parent ?? "");
      message.setDependenciesList([...resource.dependsOn]);
      return message;
    }),
  );
  return request;
}

function unary<Request, Response>(
  call: (
    request: Request,
    callback: (error: Grpc.ServiceError | null, response: Response) => void,
  ) => unknown,
  request: Request,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    call(request, (error, response) => {
      if (error === null) {
        resolve(response);
      } else {
        reject(error);
      }
    });
  });
}

/** A running pack and a client of it. */
class Pack {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerGrpc.AnalyzerClient,
  ) {}

  /** Starts the pack as the CLI does and connects to the port it prints. */
  static async start(): Promise<Pack> {
    // The engine's address is the first argument; @pulumi/policy does not call back into it.
    const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], {
      cwd: POLICY_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The server runs until stopped: never leave it behind this process.
    process.once("exit", () => child.kill());
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const port = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout ?? process.stdin });
      lines.once("line", (line) => {
        resolve(line.trim());
      });
      child.once("exit", (code) => {
        reject(new Error(`the pack exited with ${String(code)} before serving: ${stderr}`));
      });
    });
    expect(port, stderr).toMatch(/^\d+$/);
    const client = new analyzerGrpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new Pack(child, client);
  }

  info(): Promise<AnalyzerPb.AnalyzerInfo> {
    return unary<EmptyPb.Empty, AnalyzerPb.AnalyzerInfo>(
      this.client.getAnalyzerInfo.bind(this.client),
      new emptyPb.Empty(),
    );
  }

  /** Sends the policy config as the CLI does for `--policy-pack-config` (every policy listed). */
  async configure(
    config: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  ): Promise<void> {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    for (const rule of RULES) {
      const policyConfig = new analyzerPb.PolicyConfig();
      policyConfig.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
      policyConfig.setProperties(struct(config[rule.name] ?? {}));
      request.getPolicyconfigMap().set(rule.name, policyConfig);
    }
    await unary(this.client.configure.bind(this.client), request);
  }

  async configureStack(stack: string): Promise<void> {
    const request = new analyzerPb.AnalyzerStackConfigureRequest();
    request.setStack(stack);
    request.setProject("knowledgecity");
    request.setOrganization("organization");
    request.setDryRun(true);
    await unary(this.client.configureStack.bind(this.client), request);
  }

  async analyze(
    resource: EngineResource,
    byUrn: ReadonlyMap<string, EngineResource>,
  ): Promise<Diagnostic[]> {
    const response = await unary<AnalyzerPb.AnalyzeRequest, AnalyzerPb.AnalyzeResponse>(
      this.client.analyze.bind(this.client),
      analyzeRequest(resource, byUrn),
    );
    return diagnosticsOf(response);
  }

  async analyzeStack(resources: readonly EngineResource[]): Promise<Diagnostic[]> {
    const response = await unary<AnalyzerPb.AnalyzeStackRequest, AnalyzerPb.AnalyzeResponse>(
      this.client.analyzeStack.bind(this.client),
      analyzeStackRequest(resources),
    );
    return diagnosticsOf(response);
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}

function diagnosticsOf(response: AnalyzerPb.AnalyzeResponse): Diagnostic[] {
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    pack: d.getPolicypackname(),
    message: d.getMessage(),
    enforcement: d.getEnforcementlevel(),
    urn: d.getUrn(),
  }));
}

/** What each component passed to `registerOutputs`, by URN: its outputs in the engine's state. */
function recordRegisteredOutputs(): {
  outputs: Map<string, Record<string, unknown>>;
  platforms: number;
  settled: () => Promise<void>;
  restore: () => void;
} {
  const proto = pulumi.ComponentResource.prototype as unknown as {
    registerOutputs: (this: Pulumi.ComponentResource, outputs?: unknown) => void;
  };
  const original = proto.registerOutputs;
  const outputs = new Map<string, Record<string, unknown>>();
  const pending: Promise<void>[] = [];
  const record = { outputs, platforms: 0, settled, restore };
  // The SDK registers a component's outputs once: the first call wins (the constructor's own
  // call, else the empty one the SDK makes after it).
  const seen = new WeakSet<Pulumi.ComponentResource>();
  proto.registerOutputs = function (this: Pulumi.ComponentResource, registered?: unknown): void {
    if (!seen.has(this)) {
      seen.add(this);
      if (this instanceof RegionalPlatform) {
        record.platforms += 1;
      }
      // Marshalled by the SDK's own serializer, as it sends them to the engine.
      const serialized = pulumi.runtime.serializeProperties("registered outputs", registered ?? {});
      const urn = new Promise<string>((resolve) => this.urn.apply(resolve));
      pending.push(
        Promise.all([urn, serialized]).then(([key, values]) => {
          outputs.set(key, withoutResourceReferences(values) as Record<string, unknown>);
        }),
      );
    }
    original.call(this, registered);
  };
  async function settled(): Promise<void> {
    await Promise.all(pending);
  }
  function restore(): void {
    proto.registerOutputs = original;
  }
  return record;
}

/**
 * A value as the engine marshals it for an analyzer: without resource references (its
 * `MarshalOptions` keep unknowns and secrets only), so a reference becomes the resource's id, or
 * its URN when it has none.
 */
function withoutResourceReferences(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutResourceReferences);
  }
  if (value === null || typeof value !== "object") {
    return value;
  }
  const object = value as Record<string, unknown>;
  if (object[pulumi.runtime.specialSigKey] === pulumi.runtime.specialResourceSig) {
    return typeof object.id === "string" && object.id !== "" ? object.id : object.urn;
  }
  return Object.fromEntries(
    Object.entries(object).map(([key, field]) => [key, withoutResourceReferences(field)]),
  );
}

/** The stack as the engine holds it: inputs as registered, outputs as returned or registered. */
function engineResources(
  plan: StackPlan,
  registered: ReadonlyMap<string, Record<string, unknown>>,
): EngineResource[] {
  return plan.recorded.map((resource) => ({
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    ...(resource.parent === undefined ? {} : { parent: resource.parent }),
    ...(resource.provider === undefined ? {} : { provider: resource.provider }),
    inputs: resource.inputs,
    // A program's component has no outputs but what it registers; a cloud resource's are the
    // provider's answer; a remote component's are its provider's too.
    outputs:
      resource.custom || resource.remote ? resource.state : (registered.get(resource.urn) ?? {}),
    dependsOn: resource.dependsOn,
  }));
}

const SAUDI_CONFIG = JSON.parse(
  policyConfigText(path.join(POLICY_DIR, ".."), "me-south-1"),
) as Record<string, Record<string, unknown>>;

const USER_DATA_KEY_ARN =
  "arn:aws:kms:me-south-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

const RESIDENCY_MESSAGE_START = RULES[0]?.description ?? "";

describe("the pack under the analyzer protocol", () => {
  let pack: Pack | undefined;
  let saudi: StackPlan;
  let resources: EngineResource[];
  let byUrn: Map<string, EngineResource>;
  let platformsRegistered = 0;

  beforeAll(async () => {
    pack = await Pack.start();
    const recorder = recordRegisteredOutputs();
    try {
      saudi = await planStack("me-south-1");
      await recorder.settled();
    } finally {
      recorder.restore();
    }
    platformsRegistered = recorder.platforms;
    resources = engineResources(saudi, recorder.outputs);
    byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  }, 120_000);

  afterAll(() => {
    pack?.stop();
  });

  function running(): Pack {
    if (pack === undefined) {
      throw new Error("the pack did not start");
    }
    return pack;
  }

  function find(
    type: string,
    predicate: (r: EngineResource) => boolean = () => true,
  ): EngineResource {
    const found = resources.find((r) => r.type === type && predicate(r));
    if (found === undefined) {
      throw new Error(`the Saudi stack has no ${type}`);
    }
    return found;
  }

  /** A user-data table of the Saudi stack, on the stack's provider, with `overrides` applied. */
  function userTable(name: string, overrides: Readonly<Record<string, unknown>>): EngineResource {
    const provider = find("pulumi:providers:aws", (r) => r.name === "aws-me-south-1");
    const inputs = {
      name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [{ name: "pk", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: USER_DATA_KEY_ARN },
      tags: { DataClass: "user-data" },
      ...overrides,
    };
    return {
      urn: `urn:pulumi:me-south-1::knowledgecity::aws:dynamodb/table:Table::${name}`,
      type: "aws:dynamodb/table:Table",
      name,
      provider: provider.urn,
      inputs,
      outputs: inputs,
      dependsOn: [],
    };
  }

  it("describes every rule as a mandatory policy of the pack, the residency one with its config schema", async () => {
    const info = await running().info();
    expect(info.getName()).toBe(PACK_NAME);
    expect(info.getVersion()).toBe("0.2.0");
    const policies = info.getPoliciesList();
    expect(policies.map((p) => p.getName())).toEqual(RULES.map((rule) => rule.name));
    expect(
      policies.every((p) => p.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY),
    ).toBe(true);
    const residency = policies.find((p) => p.getName() === "user-data-residency");
    expect(residency?.getConfigschema()?.getRequiredList()).toEqual(
      RESIDENCY_CONFIG_SCHEMA.required,
    );
    expect(residency?.getPolicyType()).toBe(analyzerPb.PolicyType.POLICY_TYPE_RESOURCE);
  });

  it("passes every resource of the real Saudi stack, one by one and as a stack", async () => {
    await running().configure(SAUDI_CONFIG);
    await running().configureStack("me-south-1");
    expect(saudi.document.violations).toEqual([]);
    const perResource = await Promise.all(
      resources.map((resource) => running().analyze(resource, byUrn)),
    );
    expect(perResource.flat()).toEqual([]);
    expect(await running().analyzeStack(resources)).toEqual([]);
  });

  it("reads the allowed regions the RegionalPlatform registers as outputs", async () => {
    expect(platformsRegistered).toBe(1);
    const platform = find(PLATFORM_TYPE);
    expect(platform.outputs).toMatchObject({ stack: "me-south-1", allowedRegions: ["me-south-1"] });
    // Config that disagrees with the stack is caught at the stack check.
    await running().configure({
      "user-data-residency": { stack: "me-south-1", allowedRegions: ["me-south-1", "eu-west-1"] },
    });
    const found = await running().analyzeStack(resources);
    await running().configure(SAUDI_CONFIG);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      policy: "user-data-residency",
      pack: PACK_NAME,
      enforcement: analyzerPb.EnforcementLevel.MANDATORY,
    });
    expect(found[0]?.message).toContain(
      "the policy config is for stack me-south-1 allowing me-south-1, eu-west-1, but stack me-south-1 allows me-south-1",
    );
  });

  it("passes a user-data table in the allowed region and stops one replicated to eu-west-1", async () => {
    await running().configure(SAUDI_CONFIG);
    const home = userTable("users", { replicas: [] });
    expect(await running().analyze(home, byUrn)).toEqual([]);
    const abroad = userTable("users-abroad", {
      replicas: [
        { regionName: "eu-west-1", kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/x" },
      ],
    });
    expect(await running().analyze(abroad, byUrn)).toEqual([
      {
        policy: "user-data-residency",
        pack: PACK_NAME,
        enforcement: analyzerPb.EnforcementLevel.MANDATORY,
        urn: "",
        message: `${RESIDENCY_MESSAGE_START}\naws:dynamodb/table:Table users-abroad sends a global-table replica to eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)`,
      },
    ]);
  });

  it("stops user data whose own region is outside the allowed regions", async () => {
    await running().configure(SAUDI_CONFIG);
    const cluster = find("aws:rds/cluster:Cluster");
    const moved = { ...cluster, inputs: { ...cluster.inputs, region: "eu-west-1" } };
    const found = await running().analyze(moved, byUrn);
    expect(found.map((d) => [d.policy, d.enforcement])).toEqual([
      ["user-data-residency", analyzerPb.EnforcementLevel.MANDATORY],
    ]);
    expect(found[0]?.message).toContain(
      `aws:rds/cluster:Cluster ${cluster.name} holds user data in eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)`,
    );
  });

  it("stops an unencrypted table before it is created", async () => {
    await running().configure(SAUDI_CONFIG);
    const plain = userTable("users-plain", { serverSideEncryption: { enabled: false } });
    const found = await running().analyze(plain, byUrn);
    expect(found.map((d) => [d.policy, d.enforcement])).toEqual([
      ["encryption-at-rest", analyzerPb.EnforcementLevel.MANDATORY],
    ]);
    expect(found[0]?.message).toContain(
      "aws:dynamodb/table:Table users-plain is not encrypted at rest with a customer-managed KMS key",
    );
  });

  it("reports a bucket whose public access block is turned off, at the stack check, with its URN", async () => {
    await running().configure(SAUDI_CONFIG);
    const block = find("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    const bucketUrn = block.dependsOn.find(
      (urn) => byUrn.get(urn)?.type === "aws:s3/bucket:Bucket",
    );
    const opened = resources.map((resource) =>
      resource.urn === block.urn
        ? { ...resource, outputs: { ...resource.outputs, restrictPublicBuckets: false } }
        : resource,
    );
    const found = await running().analyzeStack(opened);
    expect(found.map((d) => [d.policy, d.urn, d.enforcement])).toEqual([
      ["no-public-buckets", bucketUrn, analyzerPb.EnforcementLevel.MANDATORY],
    ]);
    expect(found[0]?.message).toContain("does not block all public access");
  });

  it("reads values unknown during preview as unknown, without skipping or failing the checks", async () => {
    await running().configure(SAUDI_CONFIG);
    const unknown = pulumi.runtime.unknownValue;
    // A key that will exist after apply, and an own region the provider decides.
    const pending = userTable("users-pending", {
      serverSideEncryption: { enabled: true, kmsKeyArn: unknown },
    });
    expect(await running().analyze(pending, byUrn)).toEqual([]);
    const previewed = resources.map((resource) =>
      resource.type.startsWith("aws:")
        ? { ...resource, outputs: { ...resource.outputs, region: unknown, arn: unknown } }
        : resource,
    );
    expect(await running().analyzeStack(previewed)).toEqual([]);
    // A replica whose region is not known cannot be proven to stay home.
    const unproven = userTable("users-unproven", { replicas: [{ regionName: unknown }] });
    const found = await running().analyze(unproven, byUrn);
    expect(found.map((d) => d.policy)).toEqual(["user-data-residency"]);
    expect(found[0]?.message).toContain(
      "aws:dynamodb/table:Table users-unproven sends a global-table replica to a region that cannot be proven to be in the allowed regions of stack me-south-1 (me-south-1)",
    );
  });

  it("fails closed without the policy config, saying how to give it", async () => {
    await running().configure({});
    const found = await running().analyze(userTable("users", { replicas: [] }), byUrn);
    await running().configure(SAUDI_CONFIG);
    expect(found.map((d) => [d.policy, d.enforcement])).toEqual([
      ["user-data-residency", analyzerPb.EnforcementLevel.MANDATORY],
    ]);
    expect(found[0]?.message).toContain("needs the stack's allowed regions as policy config");
    expect(found[0]?.message).toContain("npm run policy-config -- --stack <stack>");
  });
});
