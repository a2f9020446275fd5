/**
 * The runtime contracts, proven on the real program: for every function each stack deploys, the
 * environment its component sets is run through the handler's own configuration loader, with an
 * environment object that records what the loader reads.
 */
import { loadAuditConfiguration } from "../functions/security/residency-audit/configuration";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  environmentProblems,
  FUNCTION_CONTRACTS,
  FUNCTION_NAMES,
  functionContract,
  type FunctionName,
} from "../contracts/functions";
import { loadConfiguration as loadEncodeStatus } from "../functions/video/encode-status/config";
import { loadConfiguration as loadEncodeSubmit } from "../functions/video/encode-submit/config";
import { loadConfiguration as loadHomeRegion } from "../functions/data/home-region/config";
import {
  loadDetokenizeConfiguration,
  loadTokenizeConfiguration,
} from "../functions/security/pii-tokenize/config";
import { loadConfiguration as loadPlaybackAuth } from "../functions/video/playback-auth/config";
import { loadConfiguration as loadRtlogIngest } from "../functions/analytics/rtlog-ingest/config";
import { loadConfiguration as loadUploadUrl } from "../functions/video/upload-url/config";
import { loadConfiguration as loadVaultMigrate } from "../functions/security/vault-migrate/config";
import {
  listStacks,
  PROJECT_ROOT,
  readStackFile,
  runStack,
  type EngineRun,
  type RecordedResource,
} from "../tools/plan/engine";

/** Each `NodeFunction` the program constructs: its resource name and its contract. */
const constructed = vi.hoisted(() => [] as { name: string; contract: string }[]);

// Observes the real class (nothing is replaced): which contract each deployed function carries.
vi.mock("../components/shared/node-function", async (importOriginal) => {
  const original = await importOriginal<typeof import("../components/shared/node-function")>();
  class ObservedNodeFunction<F extends FunctionName> extends original.NodeFunction<F> {
    constructor(
      name: string,
      args: import("../components/shared/node-function").NodeFunctionArgs<F>,
      opts?: import("@pulumi/pulumi").ComponentResourceOptions,
    ) {
      super(name, args, opts);
      constructed.push({ name, contract: args.contract });
    }
  }
  return { ...original, NodeFunction: ObservedNodeFunction };
});

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Each function's configuration loader, as its handler module calls it when it loads
 * (`residency-audit` reads only its aggregator's name: its other settings are the Config rule's
 * parameters).
 */
const LOADERS: Readonly<Record<FunctionName, ((env: Environment) => unknown) | undefined>> = {
  "residency-audit": loadAuditConfiguration,
  // Lambda@Edge: no environment at all (its settings are a file of the package).
  "edge-cache-control": undefined,
  "home-region": loadHomeRegion,
  "rtlog-ingest": loadRtlogIngest,
  tokenize: loadTokenizeConfiguration,
  detokenize: loadDetokenizeConfiguration,
  "vault-migrate": loadVaultMigrate,
  "encode-submit": loadEncodeSubmit,
  "encode-status": loadEncodeStatus,
  "upload-url": loadUploadUrl,
  "playback-auth": loadPlaybackAuth,
};

/** One deployed function: the Lambda resource, its contract and the environment it is given. */
interface Deployed {
  readonly stack: string;
  readonly name: string;
  readonly contract: FunctionName;
  readonly environment: Readonly<Record<string, string>>;
}

/** Components that deploy a Lambda function of their own rather than through `NodeFunction`. */
const OTHER_DEPLOYERS: Readonly<Record<string, FunctionName>> = {
  "knowledgecity:edge:EdgeCacheControl": "edge-cache-control",
};

const stacks = listStacks();
const deployedByStack = new Map<string, Deployed[]>();
const lambdasWithoutContract: string[] = [];
const runFailures: string[] = [];

function isFunctionName(value: string): value is FunctionName {
  return Object.hasOwn(FUNCTION_CONTRACTS, value);
}

function environmentOf(resource: RecordedResource): Record<string, string> {
  const environment = resource.inputs.environment as { variables?: unknown } | undefined;
  const variables = environment?.variables ?? {};
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables as Record<string, unknown>)) {
    if (typeof value !== "string") {
      throw new Error(`${resource.urn}: ${key} is not a resolved string: ${JSON.stringify(value)}`);
    }
    result[key] = value;
  }
  return result;
}

beforeAll(async () => {
  for (const stack of stacks) {
    constructed.length = 0;
    let run: EngineRun;
    try {
      run = await runStack(stack);
    } catch (error) {
      // Only the message: a ResourceError carries its resource, far too large to report.
      runFailures.push(`${stack}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const contracts = new Map(constructed.map((entry) => [entry.name, entry.contract]));
    const deployed: Deployed[] = [];
    for (const resource of run.resources.filter((r) => r.type === "aws:lambda/function:Function")) {
      const parent = run.resources.find((r) => r.urn === resource.parent);
      const contract =
        parent?.type === "knowledgecity:compute:NodeFunction"
          ? contracts.get(parent.name)
          : OTHER_DEPLOYERS[parent?.type ?? ""];
      if (contract === undefined || !isFunctionName(contract)) {
        lambdasWithoutContract.push(`${stack}: ${resource.urn}`);
        continue;
      }
      deployed.push({ stack, name: resource.name, contract, environment: environmentOf(resource) });
    }
    deployedByStack.set(stack, deployed);
  }
}, 240_000);

const deployedIn = (stack: string): Deployed[] => deployedByStack.get(stack) ?? [];

/** Runs `load` on `values` through a proxy; returns the names read and the error, if any. */
function loadRecording(
  load: (env: Environment) => unknown,
  values: Readonly<Record<string, string>>,
): { reads: Set<string>; error: Error | undefined } {
  const reads = new Set<string>();
  const env = new Proxy<Record<string, string>>(
    { ...values },
    {
      get(target, property, receiver) {
        if (typeof property === "string") reads.add(property);
        return Reflect.get(target, property, receiver) as unknown;
      },
      has(target, property) {
        if (typeof property === "string") reads.add(property);
        return Reflect.has(target, property);
      },
      getOwnPropertyDescriptor(target, property) {
        if (typeof property === "string") reads.add(property);
        return Reflect.getOwnPropertyDescriptor(target, property);
      },
    },
  );
  try {
    load(env);
    return { reads, error: undefined };
  } catch (error) {
    return { reads, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** The variables `fn`'s contract requires with the environment it is given (variants included). */
function requiredWith(fn: Deployed): string[] {
  const contract = functionContract(fn.contract);
  const required = Object.keys(contract.required);
  const variants = contract.variants;
  if (variants === undefined) return required;
  const selected = fn.environment[variants.selector];
  return [...required, ...(selected === undefined ? [] : (variants.required[selected] ?? []))];
}

/** The variables `fn`'s loader must read with the environment it is given. */
function readWith(fn: Deployed): string[] {
  const contract = functionContract(fn.contract);
  const variants = contract.variants;
  const unselected = new Set(
    variants === undefined
      ? []
      : Object.entries(variants.required)
          .filter(([kind]) => kind !== fn.environment[variants.selector])
          .flatMap(([, names]) => names),
  );
  return [
    ...requiredWith(fn),
    ...Object.keys(contract.optional).filter((name) => !unselected.has(name)),
  ];
}

describe("every deployed function has a contract and every contract a deployed function", () => {
  it("runs the program of every stack", () => {
    expect(runFailures).toEqual([]);
  });

  it("runs every Lambda function through NodeFunction with a contract", () => {
    expect(lambdasWithoutContract).toEqual([]);
  });

  it("deploys each contract's function in each stack (the vault migration with an Aurora store only)", () => {
    for (const stack of stacks) {
      const names = new Set(deployedIn(stack).map((fn) => fn.contract));
      const store = JSON.parse(readStackFile(stack).config["knowledgecity:userStore"] ?? "{}") as {
        kind?: string;
      };
      const expected = FUNCTION_NAMES.filter(
        (name) => name !== "vault-migrate" || store.kind === "aurora",
      );
      expect([...names].sort(), stack).toEqual(expected.sort());
    }
  });

  it("names a handler module that exists for each contract", () => {
    for (const name of FUNCTION_NAMES) {
      const path = join(PROJECT_ROOT, "functions", `${FUNCTION_CONTRACTS[name].entry}.ts`);
      expect(() => readFileSync(path), name).not.toThrow();
    }
  });
});

describe.each(stacks)("%s: each function's environment against its handler's loader", (stack) => {
  it("sets only variables the loader reads, and the loader accepts them", () => {
    const problems: string[] = [];
    for (const fn of deployedIn(stack)) {
      const load = LOADERS[fn.contract];
      if (load === undefined) {
        const set = Object.keys(fn.environment);
        if (set.length > 0) {
          problems.push(`${fn.name} (${fn.contract}) sets ${set.join(", ")}, and reads nothing`);
        }
        continue;
      }
      const { reads, error } = loadRecording(load, fn.environment);
      if (error !== undefined) {
        problems.push(`${fn.name} (${fn.contract}): the loader refuses: ${error.message}`);
      }
      for (const variable of Object.keys(fn.environment).filter((name) => !reads.has(name))) {
        problems.push(`${fn.name} (${fn.contract}) sets ${variable}, which its loader never reads`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("fails the loader, naming the variable, without any one required variable", () => {
    const problems: string[] = [];
    for (const fn of deployedIn(stack)) {
      const load = LOADERS[fn.contract];
      if (load === undefined) continue;
      for (const variable of requiredWith(fn)) {
        const without = Object.fromEntries(
          Object.entries(fn.environment).filter(([name]) => name !== variable),
        );
        const { error } = loadRecording(load, without);
        if (error === undefined) {
          problems.push(`${fn.name} (${fn.contract}) starts without required ${variable}`);
        } else if (!error.message.includes(variable)) {
          problems.push(
            `${fn.name} (${fn.contract}) without ${variable} fails without naming it: ${error.message}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("starts without any one optional variable it is given", () => {
    const problems: string[] = [];
    for (const fn of deployedIn(stack)) {
      const load = LOADERS[fn.contract];
      if (load === undefined) continue;
      const required = new Set(requiredWith(fn));
      for (const variable of Object.keys(fn.environment).filter((name) => !required.has(name))) {
        const without = Object.fromEntries(
          Object.entries(fn.environment).filter(([name]) => name !== variable),
        );
        const { error } = loadRecording(load, without);
        if (error !== undefined) {
          problems.push(
            `${fn.name} (${fn.contract}) needs ${variable}, which its contract calls optional: ${error.message}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("reads every variable its contract lists", () => {
    const problems: string[] = [];
    for (const fn of deployedIn(stack)) {
      const load = LOADERS[fn.contract];
      if (load === undefined) {
        const contract = functionContract(fn.contract);
        const listed = [...Object.keys(contract.required), ...Object.keys(contract.optional)];
        if (listed.length > 0) {
          problems.push(`${fn.contract} lists ${listed.join(", ")} but has no loader`);
        }
        continue;
      }
      const { reads } = loadRecording(load, fn.environment);
      for (const variable of readWith(fn).filter((name) => !reads.has(name))) {
        problems.push(`${fn.contract} lists ${variable}, which its loader never reads`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("environmentProblems (what NodeFunction refuses at construction)", () => {
  const uploadUrl = {
    RAW_BUCKET: "kc-video-raw",
    KMS_KEY_ARN: "arn:aws:kms:me-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    MAX_UPLOAD_BYTES: "1024",
    ALLOWED_CONTENT_TYPES: "video/mp4",
  };

  it("accepts the contract's variables", () => {
    expect(environmentProblems("upload-url", uploadUrl)).toEqual([]);
    expect(environmentProblems("upload-url", { ...uploadUrl, URL_TTL_SECONDS: "60" })).toEqual([]);
  });

  it("refuses a variable outside the contract, naming what may be set", () => {
    expect(environmentProblems("upload-url", { ...uploadUrl, BUCKET: "x" })).toEqual([
      "BUCKET is not in the contract of upload-url; it may set RAW_BUCKET, KMS_KEY_ARN, " +
        "MAX_UPLOAD_BYTES, ALLOWED_CONTENT_TYPES, URL_TTL_SECONDS",
    ]);
    expect(environmentProblems("residency-audit", { REGION: "x" })).toEqual([
      "REGION is not in the contract of residency-audit; it may set AGGREGATOR_NAME",
    ]);
  });

  it("refuses a variable the Lambda runtime sets", () => {
    const rtlog = Object.fromEntries(
      Object.keys(FUNCTION_CONTRACTS["rtlog-ingest"].required).map((name) => [name, "x"]),
    );
    expect(
      environmentProblems("rtlog-ingest", { ...rtlog, AWS_LAMBDA_FUNCTION_NAME: "f" }),
    ).toEqual(["AWS_LAMBDA_FUNCTION_NAME is set by the Lambda runtime and may not be set"]);
  });

  it("refuses a missing required variable", () => {
    const rest = Object.fromEntries(
      Object.entries(uploadUrl).filter(([name]) => name !== "KMS_KEY_ARN"),
    );
    expect(environmentProblems("upload-url", rest)).toEqual(["upload-url requires KMS_KEY_ARN"]);
    expect(environmentProblems("upload-url", { ...uploadUrl, RAW_BUCKET: undefined })).toEqual([
      "upload-url requires RAW_BUCKET",
    ]);
  });

  it("requires the variables of the vault kind selected, and a known kind", () => {
    const base = { DATA_KEY_ID: "k" };
    expect(environmentProblems("detokenize", { ...base, VAULT_KIND: "aurora" })).toEqual([
      "VAULT_KIND=aurora requires VAULT_CLUSTER_ARN, VAULT_SECRET_ARN, VAULT_DATABASE",
    ]);
    expect(
      environmentProblems("detokenize", { ...base, VAULT_KIND: "dynamodb", VAULT_TABLE: "t" }),
    ).toEqual([]);
    expect(environmentProblems("detokenize", { ...base, VAULT_KIND: "redis" })).toEqual([
      'VAULT_KIND is "redis"; detokenize accepts dynamodb, aurora',
    ]);
  });
});

describe("contracts/", () => {
  it("imports nothing outside itself", () => {
    const folder = join(PROJECT_ROOT, "contracts");
    const outside: string[] = [];
    for (const file of readdirSync(folder).filter(
      (name) => name.endsWith(".ts") && !name.endsWith(".test.ts"),
    )) {
      const text = readFileSync(join(folder, file), "utf8");
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const specifier = match[1] ?? "";
        if (!specifier.startsWith("./")) outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
