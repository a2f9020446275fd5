/**
 * What the plan diff must never print. Three kinds of value are secret:
 *
 * 1. What the program marked secret (`pulumi.secret`, a secret config key, an output a provider
 *    declares secret): the mock engine records it as `[secret]` already, so it never reaches a
 *    plan document (`../engine/engine.ts`).
 * 2. What sits under a key that names a secret (`masterPassword`, `clientSecret`, `authToken`,
 *    `privateKeyPem`, `DB_PASSWORD`) or in an input that is secret by its resource type (a
 *    Kubernetes Secret's `data`, a SecureString parameter's `value`), even if the program forgot
 *    to mark it. A key that only refers to a secret (`secretArn`, `passwordSecretName`,
 *    `tokenLength`) is not one.
 * 3. A value found as (2) anywhere else: in another input, a policy message, a label. Values
 *    shorter than `MIN_KNOWN_LENGTH` are masked where they stand but not searched for elsewhere,
 *    where they would hide unrelated words.
 *
 * The diff builds its model through a `SecretMask`, so renderers only ever see masked values.
 */
import { SECRET_PLACEHOLDER } from "../engine/engine";

/** What a secret value prints as: the engine's own placeholder. */
export const MASK = SECRET_PLACEHOLDER;

/** The shortest value searched for outside the place it was found secret. */
export const MIN_KNOWN_LENGTH = 8;

/** Words that make a key hold a secret. */
const SECRET_WORDS = new Set([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "credentials",
  "apikey",
]);

/** Consecutive words that make a key hold a secret (`privateKey`, `api_key`). */
const SECRET_PAIRS: readonly (readonly [string, string])[] = [
  ["private", "key"],
  ["api", "key"],
  ["access", "key"],
];

/** Last words of keys that name, size or configure a secret rather than hold it. */
const REFERENCE_WORDS = new Set([
  "arn",
  "arns",
  "id",
  "ids",
  "name",
  "names",
  "version",
  "versions",
  "ref",
  "path",
  "length",
  "enabled",
  "policy",
  "rotation",
  "type",
  "ttl",
  "count",
  "url",
  "uri",
  "endpoint",
  "kms",
  "selector",
  "validation",
]);

/** First words of keys that switch or ask for a secret (`skipCredentialsValidation`, `requireToken`). */
const FLAG_WORDS = new Set(["skip", "enable", "disable", "allow", "require", "use", "is", "has"]);

/** Inputs that are secret by the resource's type, whatever their keys say. */
const SECRET_INPUTS_BY_TYPE: Readonly<
  Record<
    string,
    {
      readonly keys: readonly string[];
      readonly when?: (inputs: Readonly<Record<string, unknown>>) => boolean;
    }
  >
> = {
  "kubernetes:core/v1:Secret": { keys: ["data", "stringData"] },
  "aws:secretsmanager/secretVersion:SecretVersion": { keys: ["secretString", "secretBinary"] },
  "aws:ssm/parameter:Parameter": {
    keys: ["value", "insecureValue"],
    when: (inputs) => inputs.type === "SecureString",
  },
};

/** The words of a key: `masterUserPassword` -> master, user, password; `DB_API_KEY` -> db, api, key. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** Whether a key's value is a secret (see the module comment). */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  const [first] = words;
  const last = words[words.length - 1];
  if (
    first === undefined ||
    last === undefined ||
    REFERENCE_WORDS.has(last) ||
    FLAG_WORDS.has(first)
  ) {
    return false;
  }
  return (
    words.some((word) => SECRET_WORDS.has(word)) ||
    words.some((word, i) => SECRET_PAIRS.some(([a, b]) => word === a && words[i + 1] === b))
  );
}

/** Whether a top-level input of a resource of this type is secret by the type. */
export function isSecretInput(
  type: string,
  key: string,
  inputs: Readonly<Record<string, unknown>>,
): boolean {
  const rule = SECRET_INPUTS_BY_TYPE[type];
  return rule !== undefined && rule.keys.includes(key) && (rule.when?.(inputs) ?? true);
}

/** A string holding a JSON object or array, parsed; otherwise undefined. */
export function parseJsonText(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) {
    return undefined;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A resource as far as the mask reads it: a plan document's resource. */
interface MaskedResource {
  readonly type: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Masks secret values; see the module comment for what counts as one. */
export class SecretMask {
  private readonly known: readonly string[];

  /** @param known values secret wherever they appear (longest first when searched for) */
  constructor(known: Iterable<string>) {
    this.known = [...new Set(known)]
      .filter((value) => value !== MASK && value.length >= MIN_KNOWN_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  /** The mask for a set of resources: every value they hold under a secret key or input. */
  static of(resources: Iterable<MaskedResource>): SecretMask {
    const known = new Set<string>();
    for (const resource of resources) {
      for (const [key, value] of Object.entries(resource.inputs)) {
        if (isSecretInput(resource.type, key, resource.inputs)) {
          collectSecret(value, true, known);
        } else if (isSecretKey(key)) {
          collectSecret(value, false, known);
        } else {
          collectUnderSecretKeys(value, known);
        }
      }
    }
    return new SecretMask(known);
  }

  /** Whether a value is secret where it stands: at this input path of this resource. */
  isSecretPath(resource: MaskedResource, path: readonly (string | number)[]): boolean {
    const [first] = path;
    if (typeof first === "string" && isSecretInput(resource.type, first, resource.inputs)) {
      return true;
    }
    return path.some((segment) => typeof segment === "string" && isSecretKey(segment));
  }

  /** A value fit to print: secret keys within it masked, known secrets replaced. */
  value(value: unknown): unknown {
    if (typeof value === "string") {
      return this.string(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.value(item));
    }
    if (isRecord(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          isSecretKey(key) ? MASK : this.value(inner),
        ]),
      );
    }
    return value;
  }

  /** Free text (a policy message, a label) with every known secret replaced. */
  text(text: string): string {
    let masked = text;
    for (const secret of this.known) {
      masked = masked.split(secret).join(MASK);
    }
    return masked;
  }

  private string(value: string): string {
    const parsed = parseJsonText(value);
    if (parsed !== undefined) {
      const masked = this.value(parsed);
      if (JSON.stringify(masked) !== JSON.stringify(parsed)) {
        return JSON.stringify(masked);
      }
    }
    return this.text(value);
  }
}

/**
 * The strings of a secret value. `whole`: every string in it is secret (an input secret by its
 * type); otherwise a structure under a secret key (a reference such as `{ name, key }`) gives only
 * what its own secret keys hold.
 */
function collectSecret(value: unknown, whole: boolean, into: Set<string>): void {
  if (typeof value === "string") {
    into.add(value);
    const parsed = parseJsonText(value);
    if (parsed !== undefined) {
      collectSecret(parsed, whole, into);
    }
  } else if (typeof value === "number" || typeof value === "bigint") {
    into.add(String(value));
  } else if (Array.isArray(value)) {
    value.forEach((item) => {
      collectSecret(item, whole, into);
    });
  } else if (isRecord(value)) {
    if (whole) {
      Object.values(value).forEach((inner) => {
        collectSecret(inner, true, into);
      });
    } else {
      collectUnderSecretKeys(value, into);
    }
  }
}

/** The secrets under secret keys anywhere inside a value that is not secret as a whole. */
function collectUnderSecretKeys(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    const parsed = parseJsonText(value);
    if (parsed !== undefined) {
      collectUnderSecretKeys(parsed, into);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item) => {
      collectUnderSecretKeys(item, into);
    });
  } else if (isRecord(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (isSecretKey(key)) {
        collectSecret(inner, false, into);
      } else {
        collectUnderSecretKeys(inner, into);
      }
    }
  }
}
