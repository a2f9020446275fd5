/**
 * What the real `pulumi preview` (or AWS, on the first `up`) would refuse, checked by the offline
 * engine on every run. Each violation is one line naming the resource (its URN) or the invoke.
 *
 * - default providers: with `pulumi:disable-default-providers` set, a custom resource, a remote
 *   component or an invoke without an explicit provider is refused, as the engine's resource
 *   monitor does (pulumi/pulumi `pkg/resource/deploy/source_eval.go`, diagnostic 2016
 *   "Default provider for '%v' disabled. '%v' must use an explicit provider.");
 * - invokes whose answer changes on every run (`UNSTABLE_INVOKES`);
 * - KMS ordering and unknown principals: see `./kms-rules`;
 * - Lambda@Edge: a function a distribution associates must meet CloudFront's restrictions
 *   (`checkLambdaEdge`);
 * - Aurora global databases: a member cluster must match its global cluster's engine and version
 *   and cannot have an RDS-managed master password (`checkGlobalClusters`).
 */
import type { RecordedResource } from "./engine";

/** The rules the offline engine enforces besides running the program. */
export type EngineRule =
  | "default-provider"
  | "unstable-invoke"
  | "kms-key-policy-order"
  | "unknown-principal"
  | "lambda-edge"
  | "rds-global-cluster";

/** One refusal: what the real engine or AWS would stop at, and on which resource or invoke. */
export interface EngineViolation {
  readonly rule: EngineRule;
  /** The resource's URN, or `Invoke <token>` for a data source. */
  readonly subject: string;
  readonly message: string;
}

/** The one line a violation is reported as. */
export function formatViolation(violation: EngineViolation): string {
  return `${violation.subject}: ${violation.message}`;
}

/** A run the real engine (or AWS) would refuse; the message has one line per violation. */
export class EngineRuleError extends Error {
  constructor(
    readonly stackName: string,
    readonly violations: readonly EngineViolation[],
  ) {
    super(violations.map(formatViolation).join("\n"));
    this.name = "EngineRuleError";
  }
}

/** Which packages' default providers the stack disabled (`pulumi:disable-default-providers`). */
export interface DisabledDefaults {
  readonly all: boolean;
  readonly packages: ReadonlySet<string>;
}

const DISABLE_KEY = "pulumi:disable-default-providers";

/**
 * Reads `pulumi:disable-default-providers` as the engine does: a JSON list of package names, `"*"`
 * for every package. Throws on any other shape, as the engine refuses it too.
 */
export function disabledDefaults(config: Readonly<Record<string, string>>): DisabledDefaults {
  const raw = config[DISABLE_KEY];
  if (raw === undefined) {
    return { all: false, packages: new Set() };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
    throw new Error(
      `${DISABLE_KEY} = ${raw}: expected a JSON list of package names, or ["*"] for every package`,
    );
  }
  return { all: parsed.includes("*"), packages: new Set(parsed) };
}

/** The package of a type or invoke token (`random:index/randomPassword:RandomPassword` -> random). */
export function packageOf(token: string): string {
  return token.split(":")[0] ?? "";
}

function isDisabled(disabled: DisabledDefaults, pkg: string): boolean {
  // The engine always lets its own package (`pulumi:pulumi:StackReference`, providers) through.
  return pkg !== "pulumi" && (disabled.all || disabled.packages.has(pkg));
}

/** What the resource monitor sees of one registration. */
export interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly custom: boolean;
  readonly remote: boolean;
  /** The provider reference sent with the request; empty for the default provider. */
  readonly providerRef: string;
}

/**
 * A custom resource or a remote (multi-language) component registered without a provider
 * reference while its package's default provider is disabled. The SDK sends a remote
 * component's provider only when the provider's package is the component's own
 * (`prepareResource` in @pulumi/pulumi `runtime/resource.js`), so a component given only other
 * packages' providers is refused too.
 */
export function checkRegistration(
  registration: Registration,
  disabled: DisabledDefaults,
): EngineViolation | undefined {
  const { type } = registration;
  const needsProvider =
    (registration.custom && !type.startsWith("pulumi:providers:")) || registration.remote;
  const pkg = packageOf(type);
  if (!needsProvider || registration.providerRef !== "" || !isDisabled(disabled, pkg)) {
    return undefined;
  }
  return {
    rule: "default-provider",
    subject: registration.urn,
    message: `Default provider for '${pkg}' disabled. '${type}' must use an explicit provider.`,
  };
}

/**
 * Data sources whose answer differs on every call, with why and what to use instead. Their
 * value in a program shows as a change on every preview and is replaced on every `up`.
 */
export const UNSTABLE_INVOKES: Readonly<
  Record<string, { readonly why: string; readonly instead: string }>
> = {
  "aws:secretsmanager/getRandomPassword:getRandomPassword": {
    why: "GetRandomPassword makes a new password per call: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html",
    instead: "a random.RandomPassword resource (its result stays in the stack's state)",
  },
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
    why: "a new 12-hour token per call: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html",
    instead:
      "a provider or tool that fetches the token when it pushes, outside the resource inputs",
  },
  "aws:eks/getClusterAuth:getClusterAuth": {
    why: "a new 15-minute token per call: https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html",
    instead: "a kubeconfig that runs `aws eks get-token` when the provider connects",
  },
  "aws:kms/getCipherText:getCipherText": {
    why: "KMS Encrypt returns a new ciphertext per call: https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html",
    instead: "a resource that keeps the ciphertext in state (aws.kms.Ciphertext)",
  },
};

/** Checks one invoke: its provider (when defaults are disabled) and whether its answer is stable. */
export function checkInvoke(
  token: string,
  providerRef: string | undefined,
  disabled: DisabledDefaults,
): EngineViolation[] {
  const subject = `Invoke ${token}`;
  const violations: EngineViolation[] = [];
  const pkg = packageOf(token);
  if ((providerRef ?? "") === "" && isDisabled(disabled, pkg)) {
    violations.push({
      rule: "default-provider",
      subject,
      message: `Invoke: Default provider for '${pkg}' disabled. '${token}' must use an explicit provider.`,
    });
  }
  const unstable = UNSTABLE_INVOKES[token];
  if (unstable !== undefined) {
    violations.push({
      rule: "unstable-invoke",
      subject,
      message: `its answer changes on every run, so every preview shows a diff and every up rotates the value; use ${unstable.instead} (${unstable.why})`,
    });
  }
  return violations;
}

/** Every string in a value, however deeply nested (JSON text is parsed too). */
export function stringsWithin(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    into.add(value);
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        stringsWithin(JSON.parse(trimmed), into);
      } catch {
        // Not JSON: the string itself is enough.
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      stringsWithin(item, into);
    }
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) {
      stringsWithin(item, into);
    }
  }
  return into;
}

/** Resources by URN, and the URNs each one transitively depends on. */
export class DependencyGraph {
  readonly byUrn: ReadonlyMap<string, RecordedResource>;
  private readonly closures = new Map<string, ReadonlySet<string>>();

  constructor(readonly resources: readonly RecordedResource[]) {
    this.byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  }

  /** Every URN `urn` waits for, directly or through others (not itself). */
  dependenciesOf(urn: string): ReadonlySet<string> {
    const cached = this.closures.get(urn);
    if (cached !== undefined) {
      return cached;
    }
    const seen = new Set<string>();
    const pending = [...(this.byUrn.get(urn)?.dependsOn ?? [])];
    while (pending.length > 0) {
      const next = pending.pop();
      if (next === undefined || seen.has(next)) {
        continue;
      }
      seen.add(next);
      pending.push(...(this.byUrn.get(next)?.dependsOn ?? []));
    }
    this.closures.set(urn, seen);
    return seen;
  }
}

const LAMBDA_EDGE_RESTRICTIONS =
  "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html";
const LAMBDA_EDGE_QUOTAS =
  "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-lambda-at-edge";

/** The principals a Lambda@Edge execution role must trust. */
const EDGE_ROLE_SERVICES = ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] as const;

/** Timeout (seconds) and memory (MB) limits of a Lambda@Edge function, by event (quotas). */
const EDGE_EVENT_LIMITS: Readonly<
  Record<string, { readonly timeoutSeconds: number; readonly memoryMb: number }>
> = {
  "viewer-request": { timeoutSeconds: 5, memoryMb: 128 },
  "viewer-response": { timeoutSeconds: 5, memoryMb: 128 },
  "origin-request": { timeoutSeconds: 30, memoryMb: 10_240 },
  "origin-response": { timeoutSeconds: 30, memoryMb: 10_240 },
};

const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:(?<region>[a-z0-9-]+):\d{12}:function:(?<name>[^:]+)(?::(?<qualifier>[^:]+))?$/;

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

/** The services an IAM role's trust policy lets assume it (`sts:AssumeRole`, Allow). */
export function trustedServices(assumeRolePolicy: unknown): Set<string> {
  let document: unknown = assumeRolePolicy;
  if (typeof assumeRolePolicy === "string") {
    try {
      document = JSON.parse(assumeRolePolicy);
    } catch {
      return new Set();
    }
  }
  const services = new Set<string>();
  for (const statement of listOf(objectOf(document).Statement).map(objectOf)) {
    const actions = listOf(statement.Action);
    if (
      statement.Effect === "Allow" &&
      actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*")
    ) {
      for (const service of listOf(objectOf(statement.Principal).Service)) {
        if (typeof service === "string") {
          services.add(service);
        }
      }
    }
  }
  return services;
}

/** What Lambda@Edge refuses in one function's configuration, for an association on `event`. */
function edgeFunctionProblems(
  fn: RecordedResource,
  event: string,
  graph: DependencyGraph,
): string[] {
  const inputs = fn.inputs;
  const problems: string[] = [];
  const restriction = (what: string) => `${what} (${LAMBDA_EDGE_RESTRICTIONS})`;
  const variables = objectOf(objectOf(inputs.environment).variables);
  if (Object.keys(variables).length > 0) {
    problems.push(
      restriction(
        `it sets environment variables (${Object.keys(variables).join(", ")}); Lambda@Edge supports none: bake values into the package`,
      ),
    );
  }
  if (listOf(objectOf(inputs.vpcConfig).subnetIds).length > 0) {
    problems.push(restriction("it runs in a VPC; Lambda@Edge functions cannot"));
  }
  if (objectOf(inputs.deadLetterConfig).targetArn !== undefined) {
    problems.push(restriction("it has a dead-letter queue; Lambda@Edge supports none"));
  }
  if (objectOf(inputs.tracingConfig).mode === "Active") {
    problems.push(restriction("it has active X-Ray tracing; Lambda@Edge does not support X-Ray"));
  }
  if (listOf(inputs.layers).length > 0) {
    problems.push(restriction("it uses layers; Lambda@Edge does not support them"));
  }
  if (listOf(inputs.architectures).includes("arm64")) {
    problems.push(restriction("its architecture is arm64; Lambda@Edge runs x86_64 only"));
  }
  if (inputs.packageType === "Image" || inputs.imageUri !== undefined) {
    problems.push(restriction("it is a container image; Lambda@Edge takes .zip packages only"));
  }
  const storage = objectOf(inputs.ephemeralStorage).size;
  if (typeof storage === "number" && storage > 512) {
    problems.push(restriction(`its ephemeral storage is ${storage} MB; at most 512 MB`));
  }
  if (inputs.sourceKmsKeyArn !== undefined) {
    problems.push(
      restriction("its package is encrypted with a customer managed key; Lambda@Edge refuses it"),
    );
  }
  const runtime = inputs.runtime;
  if (typeof runtime !== "string" || !/^(nodejs\d+\.x|python3\.\d+)$/.test(runtime)) {
    problems.push(
      restriction(
        `its runtime is ${JSON.stringify(runtime)}; Lambda@Edge supports Node.js and Python runtimes only`,
      ),
    );
  }
  const limits = EDGE_EVENT_LIMITS[event];
  if (limits !== undefined) {
    // Lambda's defaults: 3 seconds, 128 MB.
    const timeout = typeof inputs.timeout === "number" ? inputs.timeout : 3;
    const memory = typeof inputs.memorySize === "number" ? inputs.memorySize : 128;
    if (timeout > limits.timeoutSeconds) {
      problems.push(
        `its timeout is ${timeout} s; a function on ${event} may run ${limits.timeoutSeconds} s at most (${LAMBDA_EDGE_QUOTAS})`,
      );
    }
    if (memory > limits.memoryMb) {
      problems.push(
        `its memory is ${memory} MB; a function on ${event} may have ${limits.memoryMb} MB at most (${LAMBDA_EDGE_QUOTAS})`,
      );
    }
  }
  const role = graph.resources.find(
    (r) => r.type === "aws:iam/role:Role" && r.state.arn === inputs.role,
  );
  if (role !== undefined) {
    const trusted = trustedServices(role.inputs.assumeRolePolicy);
    const missing = EDGE_ROLE_SERVICES.filter((service) => !trusted.has(service));
    if (missing.length > 0) {
      problems.push(
        restriction(
          `its role ${role.urn} does not let ${missing.join(" and ")} assume it; both ${EDGE_ROLE_SERVICES.join(" and ")} must`,
        ),
      );
    }
  }
  const names = new Set<unknown>([fn.state.name, fn.state.arn]);
  for (const other of graph.resources) {
    if (
      other.type === "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig" &&
      names.has(other.inputs.functionName)
    ) {
      problems.push(
        restriction(`${other.urn} gives it provisioned concurrency; Lambda@Edge supports none`),
      );
    }
  }
  return problems;
}

/**
 * Every Lambda@Edge association of every distribution: the ARN must name a numbered version of a
 * function in us-east-1 (not `$LATEST`, an alias or the bare function), and a function the run
 * creates must meet Lambda@Edge's restrictions and the quotas of its event. CloudFront refuses
 * the distribution otherwise (InvalidLambdaFunctionAssociation).
 */
export function checkLambdaEdge(graph: DependencyGraph): EngineViolation[] {
  const violations: EngineViolation[] = [];
  const functions = graph.resources.filter((r) => r.type === "aws:lambda/function:Function");
  for (const distribution of graph.resources) {
    if (distribution.type !== "aws:cloudfront/distribution:Distribution") {
      continue;
    }
    const behaviours = [
      ["default", objectOf(distribution.inputs.defaultCacheBehavior)] as const,
      ...listOf(distribution.inputs.orderedCacheBehaviors)
        .map(objectOf)
        .map((b) => [String(b.pathPattern), b] as const),
    ];
    for (const [path, behaviour] of behaviours) {
      for (const association of listOf(behaviour.lambdaFunctionAssociations).map(objectOf)) {
        const event = String(association.eventType);
        const arn = typeof association.lambdaArn === "string" ? association.lambdaArn : "";
        const where = `behaviour ${path}, ${event}`;
        const match = LAMBDA_ARN.exec(arn);
        if (match?.groups === undefined) {
          violations.push({
            rule: "lambda-edge",
            subject: distribution.urn,
            message: `${where}: ${JSON.stringify(association.lambdaArn)} is not a Lambda function ARN`,
          });
          continue;
        }
        const { region, qualifier } = match.groups;
        if (qualifier === undefined || !/^\d+$/.test(qualifier)) {
          violations.push({
            rule: "lambda-edge",
            subject: distribution.urn,
            message: `${where}: ${arn} must name a numbered version of the function, not ${qualifier ?? "the function itself"} (publish it and use its qualified ARN; ${LAMBDA_EDGE_RESTRICTIONS})`,
          });
        }
        if (region !== "us-east-1") {
          violations.push({
            rule: "lambda-edge",
            subject: distribution.urn,
            message: `${where}: ${arn} is in ${region ?? "no region"}; Lambda@Edge functions must be in us-east-1 (${LAMBDA_EDGE_RESTRICTIONS})`,
          });
        }
        const unqualified = arn.replace(/:[^:]+$/, "");
        const fn = functions.find(
          (candidate) => candidate.state.arn === (qualifier === undefined ? arn : unqualified),
        );
        for (const problem of fn === undefined ? [] : edgeFunctionProblems(fn, event, graph)) {
          violations.push({
            rule: "lambda-edge",
            subject: fn?.urn ?? distribution.urn,
            message: `associated with ${distribution.urn} (${where}): ${problem}`,
          });
        }
      }
    }
  }
  return violations;
}

/**
 * Every cluster that joins a global cluster of the run: AWS refuses a member whose engine or
 * engine version differs from the global cluster's (InvalidParameterCombination), and a member
 * whose master password RDS would manage in Secrets Manager (not supported for global databases).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations
 */
export function checkGlobalClusters(graph: DependencyGraph): EngineViolation[] {
  const violations: EngineViolation[] = [];
  const globals = graph.resources.filter((r) => r.type === "aws:rds/globalCluster:GlobalCluster");
  for (const member of graph.resources) {
    if (member.type !== "aws:rds/cluster:Cluster") {
      continue;
    }
    const global = globals.find((g) => g.id === member.inputs.globalClusterIdentifier);
    if (global === undefined) {
      continue;
    }
    const refuse = (message: string): void => {
      violations.push({ rule: "rds-global-cluster", subject: member.urn, message });
    };
    for (const key of ["engine", "engineVersion"] as const) {
      const wanted = global.inputs[key];
      if (wanted !== undefined && member.inputs[key] !== wanted) {
        refuse(
          `${key} ${JSON.stringify(member.inputs[key])} differs from global cluster ${global.name}'s ${JSON.stringify(wanted)}; a member must match it`,
        );
      }
    }
    if (member.inputs.manageMasterUserPassword === true) {
      refuse(
        `manageMasterUserPassword is not supported for a member of global cluster ${global.name}; keep the master password in a secret of the program's own`,
      );
    }
  }
  return violations;
}
