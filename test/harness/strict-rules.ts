/**
 * What the real `pulumi preview` (or AWS, on the first `up`) would refuse, checked by the offline
 * engine on every run. Each violation is one line naming the resource (its URN) or the invoke.
 *
 * - default providers: with `pulumi:disable-default-providers` set, a custom resource, a remote
 *   component or an invoke without an explicit provider is refused, as the engine's resource
 *   monitor does (pulumi/pulumi `pkg/resource/deploy/source_eval.go`, diagnostic 2016
 *   "Default provider for '%v' disabled. '%v' must use an explicit provider.");
 * - invokes whose answer changes on every run (`UNSTABLE_INVOKES`);
 * - KMS ordering and unknown principals: see `./kms-rules`.
 */
import type { RecordedResource } from "./engine";

/** The rules the offline engine enforces besides running the program. */
export type EngineRule =
  "default-provider" | "unstable-invoke" | "kms-key-policy-order" | "unknown-principal";

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
