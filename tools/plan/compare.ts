/**
 * Compares two offline plans (`npm run plan -- --format json`) resource by resource, keyed by
 * type and name rather than URN: a component that changes its type or parent changes the URNs of
 * everything below it (which `aliases` carry over in state), while what AWS receives is the same.
 * Parents, providers and dependencies are compared by the type and name they point at.
 *
 *   npx tsx tools/plan/compare.ts BEFORE.json AFTER.json
 *
 * Prints every difference and exits 1 when there is one, 0 when the plans agree.
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

/** One resource of a plan's JSON document. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly provider: string | null;
  readonly region: string | null;
  readonly inputs: unknown;
  readonly dependsOn: readonly string[];
}

/** One stack of a plan's JSON document. */
export interface PlannedStack {
  readonly stack: string;
  readonly resources: readonly PlannedResource[];
  readonly violations: readonly unknown[];
}

/** How two plans differ, per stack. */
export interface PlanDifference {
  readonly stack: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Resources in both, with the fields that differ. */
  readonly changed: readonly { readonly key: string; readonly fields: readonly string[] }[];
  /** Resources whose parent changed: their URN changes, so the component needs `aliases`. */
  readonly reparented: readonly { readonly key: string; from: string; to: string }[];
  readonly violationsChanged: boolean;
}

/** The part of a URN after `::`: the resource's type chain and name. */
function keyOfUrn(urn: string | null, byUrn: ReadonlyMap<string, PlannedResource>): string {
  if (urn === null) {
    return "(none)";
  }
  const resource = byUrn.get(urn);
  return resource === undefined ? `(unknown ${urn})` : `${resource.type}::${resource.name}`;
}

/** Compares one stack's resources in two plans. */
export function compareStack(before: PlannedStack, after: PlannedStack): PlanDifference {
  const index = (stack: PlannedStack) => {
    const byUrn = new Map(stack.resources.map((r) => [r.urn, r] as const));
    const byKey = new Map<string, PlannedResource>();
    for (const resource of stack.resources) {
      const key = `${resource.type}::${resource.name}`;
      if (byKey.has(key)) {
        throw new Error(`${stack.stack}: two resources are ${key}; the comparison keys on it`);
      }
      byKey.set(key, resource);
    }
    return { byUrn, byKey };
  };
  const old = index(before);
  const now = index(after);
  const added = [...now.byKey.keys()].filter((key) => !old.byKey.has(key)).sort();
  const removed = [...old.byKey.keys()].filter((key) => !now.byKey.has(key)).sort();
  const changed: { key: string; fields: string[] }[] = [];
  const reparented: { key: string; from: string; to: string }[] = [];
  for (const [key, was] of old.byKey) {
    const is = now.byKey.get(key);
    if (is === undefined) {
      continue;
    }
    const fields: string[] = [];
    const parentWas = keyOfUrn(was.parent, old.byUrn);
    const parentIs = keyOfUrn(is.parent, now.byUrn);
    if (parentWas !== parentIs) {
      reparented.push({ key, from: parentWas, to: parentIs });
    }
    if (keyOfUrn(was.provider, old.byUrn) !== keyOfUrn(is.provider, now.byUrn)) {
      fields.push("provider");
    }
    if (was.region !== is.region) {
      fields.push("region");
    }
    const dependsOn = (r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>) =>
      r.dependsOn.map((urn) => keyOfUrn(urn, byUrn)).sort();
    if (!isDeepStrictEqual(dependsOn(was, old.byUrn), dependsOn(is, now.byUrn))) {
      fields.push("dependsOn");
    }
    fields.push(...changedPaths(was.inputs, is.inputs, "inputs"));
    if (fields.length > 0) {
      changed.push({ key, fields });
    }
  }
  return {
    stack: after.stack,
    added,
    removed,
    changed,
    reparented,
    violationsChanged: !isDeepStrictEqual(before.violations, after.violations),
  };
}

/** The paths at which two JSON values differ (an object's keys, an array's indexes). */
export function changedPaths(a: unknown, b: unknown, path: string): string[] {
  if (isDeepStrictEqual(a, b)) {
    return [];
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => changedPaths(a[key], b[key], `${path}.${key}`));
  }
  return [path];
}

/** Whether a difference is empty. */
export function isSame(difference: PlanDifference): boolean {
  return (
    difference.added.length === 0 &&
    difference.removed.length === 0 &&
    difference.changed.length === 0 &&
    difference.reparented.length === 0 &&
    !difference.violationsChanged
  );
}

/** Compares every stack of two plan documents; a stack in one only is an error. */
export function comparePlans(
  before: readonly PlannedStack[],
  after: readonly PlannedStack[],
): PlanDifference[] {
  const stacks = (plans: readonly PlannedStack[]) =>
    plans
      .map((p) => p.stack)
      .sort()
      .join(", ");
  if (stacks(before) !== stacks(after)) {
    throw new Error(`the plans cover other stacks: ${stacks(before)} against ${stacks(after)}`);
  }
  return after.map((now) => {
    const was = before.find((p) => p.stack === now.stack);
    if (was === undefined) {
      throw new Error(`no stack ${now.stack} in the first plan`);
    }
    return compareStack(was, now);
  });
}

/** The differences as text, one line per item. */
export function renderDifferences(differences: readonly PlanDifference[]): string {
  return differences
    .map((d) => {
      const lines = [`== ${d.stack}: ${isSame(d) ? "identical" : "differs"} ==`];
      lines.push(...d.added.map((key) => `  + ${key}`));
      lines.push(...d.removed.map((key) => `  - ${key}`));
      lines.push(...d.changed.map(({ key, fields }) => `  ~ ${key}: ${fields.join(", ")}`));
      lines.push(...d.reparented.map(({ key, from, to }) => `  ^ ${key}: parent ${from} -> ${to}`));
      if (d.violationsChanged) {
        lines.push("  ! policy violations differ");
      }
      return lines.join("\n");
    })
    .join("\n");
}

if (require.main === module) {
  const [beforePath, afterPath] = process.argv.slice(2);
  if (beforePath === undefined || afterPath === undefined) {
    console.error("usage: tsx tools/plan/compare.ts BEFORE.json AFTER.json");
    process.exit(2);
  }
  const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as PlannedStack[];
  const differences = comparePlans(read(beforePath), read(afterPath));
  console.log(renderDifferences(differences));
  process.exit(differences.every(isSame) ? 0 : 1);
}
