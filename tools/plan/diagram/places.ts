/**
 * The declared places (`./flows`) found in one stack's plan: the component or part each names,
 * and the resources that stand for it (its subtree, less the parts of other places inside it).
 */
import { DATA_FLOWS, PLACES, type Hop, type PartStep, type PlaceKey } from "./flows";
import {
  className,
  cloudResourcesOf,
  type IndexedComponent,
  type IndexedResource,
  type StackIndex,
} from "./plan-index";

/** A place found in a stack. */
export interface ResolvedPlace {
  readonly key: PlaceKey;
  readonly label: string;
  /** The stack component it belongs to. */
  readonly component: IndexedComponent;
  /** Whether it is the whole component (else a part drawn inside the component's group). */
  readonly whole: boolean;
  /** The URNs of the cloud resources that stand for it. */
  readonly resources: ReadonlySet<string>;
}

/** The places of a stack, and what could not be found. */
export interface StackPlaces {
  readonly places: ReadonlyMap<PlaceKey, ResolvedPlace>;
  /** Places whose component is in the stack but whose part is not, one line each. */
  readonly missing: readonly string[];
}

/** The stack component of a class, if the stack has one. */
export function componentByClass(index: StackIndex, name: string): IndexedComponent | undefined {
  return index.components.find((c) => className(c.resource.type) === name);
}

/** Finds every declared component place in a stack. Actors are everywhere and not listed. */
export function resolvePlaces(index: StackIndex): StackPlaces {
  const found = new Map<
    PlaceKey,
    {
      key: PlaceKey;
      label: string;
      node: IndexedComponent | IndexedResource;
      component: IndexedComponent;
      whole: boolean;
    }
  >();
  const missing: string[] = [];
  for (const [key, place] of Object.entries(PLACES) as [PlaceKey, (typeof PLACES)[PlaceKey]][]) {
    if (place.kind !== "component") {
      continue;
    }
    const top = componentByClass(index, place.component);
    if (top === undefined) {
      continue;
    }
    const node = findPart(top, place.part);
    if (node === undefined) {
      missing.push(
        `${index.stack}: place ${key}: ${place.component} ${top.resource.name} has no ${place.part.map((s) => `${s.class} <name>-${s.role}`).join(" > ")}`,
      );
      continue;
    }
    found.set(key, {
      key,
      label: place.label,
      node,
      component: top,
      whole: place.part.length === 0,
    });
  }
  // A place's resources are its subtree's, less those of places nested inside it.
  const claimed = new Map<string, PlaceKey>();
  const byDepth = [...found.values()].sort((a, b) => depth(index, b.node) - depth(index, a.node));
  const places = new Map<PlaceKey, ResolvedPlace>();
  for (const entry of byDepth) {
    const urns = new Set<string>();
    for (const resource of subtreeOf(entry.node)) {
      if (!claimed.has(resource.urn)) {
        claimed.set(resource.urn, entry.key);
        urns.add(resource.urn);
      }
    }
    places.set(entry.key, {
      key: entry.key,
      label: entry.label,
      component: entry.component,
      whole: entry.whole,
      resources: urns,
    });
  }
  return { places, missing };
}

/** Every hop of every flow, once. */
export function allHops(): readonly Hop[] {
  return DATA_FLOWS.flatMap((flow) => flow.hops);
}

/**
 * Whether some resource of one place depends on some resource of the other, in either
 * direction (data often flows against the dependency: a CDN depends on its origin bucket).
 */
export function hopIsBacked(index: StackIndex, a: ResolvedPlace, b: ResolvedPlace): boolean {
  const dependsOnAny = (from: ReadonlySet<string>, to: ReadonlySet<string>): boolean =>
    [...from].some((urn) => (index.byUrn.get(urn)?.dependsOn ?? []).some((d) => to.has(d)));
  return dependsOnAny(a.resources, b.resources) || dependsOnAny(b.resources, a.resources);
}

function findPart(
  top: IndexedComponent,
  path: readonly PartStep[],
): IndexedComponent | IndexedResource | undefined {
  let current: IndexedComponent | IndexedResource = top;
  for (const step of path) {
    if (!("components" in current)) {
      return undefined;
    }
    const name = `${current.resource.name}-${step.role}`;
    const matches = (type: string, childName: string): boolean =>
      childName === name && type.split(":").pop() === step.class;
    const next: IndexedComponent | IndexedResource | undefined =
      current.components.find((c) => matches(c.resource.type, c.resource.name)) ??
      current.resources.find((r) => matches(r.type, r.name));
    if (next === undefined) {
      return undefined;
    }
    current = next;
  }
  return current;
}

function subtreeOf(node: IndexedComponent | IndexedResource): IndexedResource[] {
  return "components" in node ? cloudResourcesOf(node) : [node];
}

function depth(index: StackIndex, node: IndexedComponent | IndexedResource): number {
  let urn: string | null | undefined = "components" in node ? node.resource.urn : node.urn;
  let count = 0;
  while (typeof urn === "string") {
    urn = index.byUrn.get(urn)?.parent;
    count += 1;
  }
  return count;
}
