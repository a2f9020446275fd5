/**
 * One stack's resources in two plans, compared resource by resource, keyed by type and name
 * rather than URN: a component that changes its type or parent changes the URNs of everything
 * below it (which `aliases` carry over in state), while what AWS receives is the same. Parents,
 * providers and dependencies are compared by the type and name they point at.
 *
 * Every value in the result has gone through the `SecretMask`.
 */
import { isDeepStrictEqual } from "node:util";
import { MASK, parseJsonText, type SecretMask } from "./secrets";

/** A resource as far as the comparison reads it (a `PlanResource` of the JSON contract). */
export interface ComparedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly provider: string | null;
  readonly region: string | null;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly dependsOn: readonly string[];
}

/**
 * A step of a property path: an object key, an array index, or `PARSED`, where a string holding
 * JSON (an IAM policy, an event pattern) was parsed to compare what is inside it.
 */
export type PathSegment = string | number | typeof PARSED;

/** The path step into a string's parsed JSON. */
export const PARSED: unique symbol = Symbol("parsed JSON text");

/** One changed property: `undefined` on a side is "absent there". */
export interface PropertyChange {
  /** The path, for example `inputs.policy(json).Statement[0].Action`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** A resource in both plans whose properties differ. */
export interface ChangedResource {
  readonly key: string;
  readonly changes: readonly PropertyChange[];
}

/** A resource whose parent changed: its URN changes, so the component needs `aliases`. */
export interface Reparented {
  readonly key: string;
  readonly from: string;
  readonly to: string;
}

/** How one stack's resources differ. */
export interface ResourceDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ChangedResource[];
  readonly reparented: readonly Reparented[];
}

/** Whether a resource difference is empty. */
export function noResourceChanges(diff: ResourceDiff): boolean {
  return (
    diff.added.length === 0 &&
    diff.removed.length === 0 &&
    diff.changed.length === 0 &&
    diff.reparented.length === 0
  );
}

/** A URN's type (the last of its type chain) and name, as `type::name`. */
export function keyOfUrn(urn: string): string {
  const parts = urn.split("::");
  const typeChain = parts[2];
  if (parts.length < 4 || typeChain === undefined) {
    return urn;
  }
  const type = typeChain.split("$").pop() ?? typeChain;
  return `${type}::${parts.slice(3).join("::")}`;
}

/** The resources of one plan by key, and the keys of their URNs. */
class Index {
  readonly byKey = new Map<string, ComparedResource>();
  private readonly keyByUrn = new Map<string, string>();

  constructor(resources: readonly ComparedResource[]) {
    const counts = new Map<string, number>();
    for (const r of resources) {
      const key = `${r.type}::${r.name}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const r of resources) {
      const plain = `${r.type}::${r.name}`;
      // Two resources may share a type and a name under parents of other types; their URNs'
      // type chains tell them apart.
      const key = (counts.get(plain) ?? 0) > 1 ? r.urn.split("::").slice(2).join("::") : plain;
      this.byKey.set(key, r);
      this.keyByUrn.set(r.urn, key);
    }
  }

  /** The key a URN stands for; `(none)` for no URN. */
  keyOf(urn: string | null): string {
    return urn === null ? "(none)" : (this.keyByUrn.get(urn) ?? keyOfUrn(urn));
  }
}

/** Compares one stack's resources in two plans. */
export function diffResources(
  before: readonly ComparedResource[],
  after: readonly ComparedResource[],
  mask: SecretMask,
): ResourceDiff {
  const old = new Index(before);
  const now = new Index(after);
  const added = [...now.byKey.keys()].filter((key) => !old.byKey.has(key)).sort();
  const removed = [...old.byKey.keys()].filter((key) => !now.byKey.has(key)).sort();
  const changed: ChangedResource[] = [];
  const reparented: Reparented[] = [];
  for (const [key, was] of [...old.byKey].sort(([a], [b]) => a.localeCompare(b))) {
    const is = now.byKey.get(key);
    if (is === undefined) {
      continue;
    }
    const parentWas = old.keyOf(was.parent);
    const parentIs = now.keyOf(is.parent);
    if (parentWas !== parentIs) {
      reparented.push({ key, from: parentWas, to: parentIs });
    }
    const changes: PropertyChange[] = [];
    const providerWas = old.keyOf(was.provider);
    const providerIs = now.keyOf(is.provider);
    if (providerWas !== providerIs) {
      changes.push({ path: "provider", before: providerWas, after: providerIs });
    }
    if (was.region !== is.region) {
      changes.push({ path: "region", before: was.region, after: is.region });
    }
    const depsWas = new Set(was.dependsOn.map((urn) => old.keyOf(urn)));
    const depsIs = new Set(is.dependsOn.map((urn) => now.keyOf(urn)));
    for (const dep of [...depsWas].filter((d) => !depsIs.has(d)).sort()) {
      changes.push({ path: "dependsOn", before: dep, after: undefined });
    }
    for (const dep of [...depsIs].filter((d) => !depsWas.has(d)).sort()) {
      changes.push({ path: "dependsOn", before: undefined, after: dep });
    }
    for (const path of changedPaths(was.inputs, is.inputs, [])) {
      changes.push(maskedChange(path, was, is, mask));
    }
    if (changes.length > 0) {
      changed.push({ key, changes });
    }
  }
  return { added, removed, changed, reparented };
}

/** The change at an input path, with secrets masked. */
function maskedChange(
  path: readonly PathSegment[],
  was: ComparedResource,
  is: ComparedResource,
  mask: SecretMask,
): PropertyChange {
  const plain = path.filter((s): s is string | number => s !== PARSED);
  const secret = mask.isSecretPath(was, plain) || mask.isSecretPath(is, plain);
  const show = (value: unknown): unknown =>
    value === undefined ? undefined : secret ? MASK : mask.value(value);
  return {
    path: formatPath(["inputs", ...path]),
    before: show(valueAt(was.inputs, path)),
    after: show(valueAt(is.inputs, path)),
  };
}

/**
 * The paths at which two JSON values differ (an object's keys, an array's indexes, inside two
 * strings that both hold JSON), in sorted key order.
 */
export function changedPaths(
  a: unknown,
  b: unknown,
  path: readonly PathSegment[],
): PathSegment[][] {
  if (isDeepStrictEqual(a, b)) {
    return [];
  }
  if (typeof a === "string" && typeof b === "string") {
    const parsedA = parseJsonText(a);
    const parsedB = parseJsonText(b);
    return parsedA !== undefined && parsedB !== undefined
      ? changedPaths(parsedA, parsedB, [...path, PARSED])
      : [[...path]];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    return Array.from({ length }, (_, i) => changedPaths(a[i], b[i], [...path, i])).flat();
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => changedPaths(a[key], b[key], [...path, key]));
  }
  return [[...path]];
}

/** The value at a path; `undefined` when absent. */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (segment === PARSED) {
      current = typeof current === "string" ? parseJsonText(current) : undefined;
    } else if (typeof current === "object" && current !== null) {
      current = (current as Record<string | number, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** `inputs.policy(json).Statement[0].Action`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, i) =>
      segment === PARSED
        ? "(json)"
        : typeof segment === "number"
          ? `[${segment}]`
          : /^[A-Za-z_$][\w$-]*$/.test(segment)
            ? `${i === 0 ? "" : "."}${segment}`
            : `[${JSON.stringify(segment)}]`,
    )
    .join("");
}
