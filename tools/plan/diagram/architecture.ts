/**
 * The architecture diagram: per stack, its components, the declared data flows between them
 * (`./flows`), the other dependencies between components, what lies in other regions, and with
 * several stacks what one stack uses of another. Everything but the flows is read from the plan.
 *
 * Mermaid lays out nested subgraphs loosely (each adds a margin around everything in it), so
 * only what the flows pass through is a group: the stack, and the components a flow crosses
 * inside (VideoPipeline, AnalyticsCluster). Regions are named in the labels, not drawn as boxes.
 */
import { isProvider, shortType } from "../graph";
import { PLACES, SHARED_COMPONENTS, type PlaceKey } from "./flows";
import type { Diagram, DiagramEdge, DiagramGroup, DiagramNode } from "./model";
import { allHops, resolvePlaces } from "./places";
import {
  className,
  cloudResourcesOf,
  groupDependencies,
  replicaRegions,
  StackIndex,
  type IndexedComponent,
  type IndexedResource,
  type SavedPlanDocument,
} from "./plan-index";
import { crossStackReferences } from "./cross-stack";

/** Each stack's components and the data flows between them (see the module comment). */
export function architectureDiagram(documents: readonly SavedPlanDocument[]): Diagram {
  const stacks = documents.map((document) => new StackDrawing(new StackIndex(document)));
  return {
    groups: stacks.flatMap((s) => s.groups),
    nodes: stacks.flatMap((s) => s.nodes),
    edges: [
      ...stacks.flatMap((s) => s.edges),
      ...crossStackHops(stacks),
      ...crossStackEdges(stacks),
    ],
  };
}

/** `1 resource`, `2 resources`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** One stack's part of the diagram. */
class StackDrawing {
  readonly groups: DiagramGroup[] = [];
  readonly nodes: DiagramNode[] = [];
  readonly edges: DiagramEdge[] = [];
  /** Node id of each place found in this stack (actors included). */
  readonly placeIds = new Map<PlaceKey, string>();
  /** Node id of the part of the diagram each cloud resource is drawn in, by URN. */
  private readonly unitIds = new Map<string, string>();
  /** Node ids of the parts in other regions, by `<unit id> <region>`. */
  readonly remoteIds = new Map<string, string>();
  /** Which stack component each node stands for (or part of), by node id. */
  private readonly ownerOf = new Map<string, IndexedComponent>();
  private readonly shared: readonly IndexedComponent[];
  private readonly sharedId: string;

  constructor(readonly index: StackIndex) {
    const { stack, region } = index;
    this.groups.push({ id: stack, label: `stack ${stack}, region ${region}` });
    this.sharedId = `${stack}/shared`;
    this.shared = index.components.filter((c) =>
      SHARED_COMPONENTS.includes(className(c.resource.type)),
    );
    this.drawActors();
    this.drawComponents();
    this.drawFlows();
    this.drawDependencies();
    this.drawOtherRegions();
  }

  /** The node id of the part a resource is drawn in, if it is drawn. */
  unitOf(urn: string): string | undefined {
    return this.unitIds.get(urn);
  }

  private drawActors(): void {
    for (const [key, place] of Object.entries(PLACES) as [PlaceKey, (typeof PLACES)[PlaceKey]][]) {
      if (place.kind === "actor") {
        const id = `${this.index.stack}/${key}`;
        this.placeIds.set(key, id);
        this.nodes.push({ id, label: place.label });
      }
    }
  }

  /**
   * A node per component; a group per component with parts a flow passes through, holding a
   * node per part (and one for the rest, when something else links to it); one node for the
   * shared components and the composition's own resources.
   */
  private drawComponents(): void {
    const { stack, composition } = this.index;
    const { places } = resolvePlaces(this.index);
    const ownResources = composition.resources.filter((r) => !isProvider(r));
    const sharedLines: string[] = [];
    for (const component of this.index.components) {
      const name = className(component.resource.type);
      const resources = cloudResourcesOf(component);
      const id = `${stack}/${uniqueName(this.index, component)}`;
      const parts = [...places.values()].filter((p) => p.component === component && !p.whole);
      if (this.shared.includes(component)) {
        sharedLines.push(`${name} (${resources.length}): ${this.usersOf(component)} users`);
        this.claim(resources, this.sharedId, component);
      } else if (parts.length === 0) {
        this.nodes.push({
          id,
          label: `${name}\n${plural(resources.length, "resource")}`,
          group: stack,
        });
        this.claim(resources, id, component);
      } else {
        this.groups.push({
          id,
          label: `${name}, ${plural(resources.length, "resource")}`,
          parent: stack,
        });
        for (const part of parts) {
          const partId = `${id}/${part.key}`;
          this.nodes.push({ id: partId, label: part.label, group: id });
          this.claim(
            resources.filter((r) => part.resources.has(r.urn)),
            partId,
            component,
          );
        }
        const rest = resources.filter((r) => !this.unitIds.has(r.urn));
        this.claim(rest, `${id}/rest`, component);
      }
    }
    if (ownResources.length > 0) {
      sharedLines.push(`${className(composition.resource.type)} itself (${ownResources.length})`);
      this.claim(ownResources, this.sharedId, composition);
    }
    if (sharedLines.length > 0) {
      this.nodes.push({
        id: this.sharedId,
        label: ["shared (resources): users", ...sharedLines].join("\n"),
        group: stack,
      });
    }
    for (const place of places.values()) {
      const urn = [...place.resources][0];
      const unit = urn === undefined ? undefined : this.unitIds.get(urn);
      if (unit !== undefined) {
        this.placeIds.set(place.key, unit);
      }
    }
  }

  /** Puts resources in a node, and remembers that node's component. */
  private claim(resources: readonly IndexedResource[], id: string, owner: IndexedComponent): void {
    for (const resource of resources) {
      this.unitIds.set(resource.urn, id);
    }
    this.ownerOf.set(id, owner);
  }

  /**
   * The node for the rest of a component with parts, added the first time an edge needs it,
   * labelled with the rest's child components.
   */
  private ensureRest(id: string): void {
    if (!id.endsWith("/rest") || this.nodes.some((n) => n.id === id)) {
      return;
    }
    const owner = this.ownerOf.get(id);
    const children = [
      ...new Set(
        (owner?.components ?? [])
          .filter((child) => cloudResourcesOf(child).some((r) => this.unitIds.get(r.urn) === id))
          .map((child) => className(child.resource.type)),
      ),
    ];
    const label = `rest of ${owner === undefined ? "" : className(owner.resource.type)}`;
    const group = id.slice(0, -"/rest".length);
    this.nodes.push({
      id,
      label: children.length > 0 ? `${label}\n${children.join(", ")}` : label,
      group,
    });
  }

  /** How many other components are linked with a component, in either direction. */
  private usersOf(component: IndexedComponent): number {
    const linked = new Set<string>();
    for (const { from, to } of this.componentPairs().values()) {
      if (from === component.resource.urn) {
        linked.add(to);
      } else if (to === component.resource.urn) {
        linked.add(from);
      }
    }
    return linked.size;
  }

  private componentPairs(): ReturnType<typeof groupDependencies> {
    return groupDependencies(this.index, (r) => this.index.topComponentOf(r.urn)?.resource.urn);
  }

  /** The hops whose two places are in this stack. */
  private drawFlows(): void {
    for (const hop of allHops()) {
      const from = this.placeIds.get(hop.from);
      const to = this.placeIds.get(hop.to);
      if (from !== undefined && to !== undefined) {
        this.edges.push({ from, to, label: hop.label });
      }
    }
  }

  /**
   * Dependencies between components that no flow connects, from dependency to dependent,
   * unlabelled, between the nodes they really link; shared components get none (their node
   * says how many components use them).
   */
  private drawDependencies(): void {
    const covered = new Set<string>();
    for (const hop of allHops()) {
      const a = this.ownerOf.get(this.placeIds.get(hop.from) ?? "");
      const b = this.ownerOf.get(this.placeIds.get(hop.to) ?? "");
      if (a !== undefined && b !== undefined) {
        covered
          .add(`${a.resource.urn} ${b.resource.urn}`)
          .add(`${b.resource.urn} ${a.resource.urn}`);
      }
    }
    const pairs = groupDependencies(this.index, (r) => this.unitIds.get(r.urn));
    for (const { from, to } of pairs.values()) {
      const a = this.ownerOf.get(from);
      const b = this.ownerOf.get(to);
      if (
        a === undefined ||
        b === undefined ||
        a === b ||
        from === this.sharedId ||
        to === this.sharedId ||
        covered.has(`${a.resource.urn} ${b.resource.urn}`)
      ) {
        continue;
      }
      this.ensureRest(from);
      this.ensureRest(to);
      this.edges.push({ from, to });
    }
  }

  /**
   * Per drawn node and other region: the node's resources there and the replicas they keep
   * there (global tables, secrets), as one node named after the region.
   */
  private drawOtherRegions(): void {
    const { region: home } = this.index;
    const placed = new Map<string, Map<string, { types: string[]; owners: Set<string> }>>();
    const add = (unit: string, region: string, type: string, owner: string): void => {
      const regions =
        placed.get(unit) ?? new Map<string, { types: string[]; owners: Set<string> }>();
      const entry = regions.get(region) ?? { types: [], owners: new Set<string>() };
      entry.types.push(type);
      entry.owners.add(owner);
      regions.set(region, entry);
      placed.set(unit, regions);
    };
    for (const resource of this.index.resources) {
      const unit = this.unitIds.get(resource.urn);
      const owner = this.index.topComponentOf(resource.urn);
      if (unit === undefined || owner === undefined) {
        continue;
      }
      const name = className(owner.resource.type);
      if (resource.region !== home) {
        add(unit, resource.region, shortType(resource.type), name);
      }
      for (const region of replicaRegions(resource)) {
        if (region !== home) {
          add(unit, region, `${shortType(resource.type)} replica`, name);
        }
      }
    }
    for (const [unit, regions] of placed) {
      for (const region of [...regions.keys()].sort()) {
        const { types, owners } = regions.get(region) ?? { types: [], owners: new Set() };
        const id = `${unit}@${region}`;
        this.ensureRest(unit);
        this.remoteIds.set(`${unit} ${region}`, id);
        this.nodes.push({
          id,
          label: `in ${region}: ${[...owners].join(", ")}\n${typeSummary(types)}`,
          group: this.index.stack,
        });
        this.edges.push({ from: unit, to: id, label: `to ${region}` });
      }
    }
  }
}

/** A component's class, or class and name when the stack has two of that class. */
function uniqueName(index: StackIndex, component: IndexedComponent): string {
  const name = className(component.resource.type);
  const same = index.components.filter((c) => className(c.resource.type) === name);
  return same.length > 1 ? `${name}:${component.resource.name}` : name;
}

/**
 * `dynamodb Table replica x4` then `acm Certificate x2`: replicas first (they are the data),
 * then the most frequent types, at most two, and how many more resources.
 */
function typeSummary(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const replica = (type: string): number => (type.endsWith(" replica") ? 0 : 1);
  const sorted = [...counts].sort(
    ([a, x], [b, y]) => replica(a) - replica(b) || y - x || a.localeCompare(b),
  );
  const shown = sorted.slice(0, 2).map(([type, n]) => (n > 1 ? `${type} x${n}` : type));
  const rest = sorted.slice(2).reduce((sum, [, n]) => sum + n, 0);
  return [...shown, ...(rest > 0 ? [plural(rest, "more resource")] : [])].join("\n");
}

/**
 * Hops from an actor to a place the stack does not have but exactly one other stack has (the
 * primary stack's GlobalEdge serves every region's browsers).
 */
function crossStackHops(stacks: readonly StackDrawing[]): DiagramEdge[] {
  const edges: DiagramEdge[] = [];
  for (const stack of stacks) {
    for (const hop of allHops()) {
      const from = stack.placeIds.get(hop.from);
      if (from === undefined || PLACES[hop.from].kind !== "actor" || stack.placeIds.has(hop.to)) {
        continue;
      }
      const others = stacks.filter((s) => s !== stack && s.placeIds.has(hop.to));
      const to = others.length === 1 ? others[0]?.placeIds.get(hop.to) : undefined;
      if (to !== undefined) {
        edges.push({ from, to, label: hop.label });
      }
    }
  }
  return edges;
}

/**
 * What one stack names of another's resources (`./cross-stack`): an edge from the node holding
 * the named resource, or its part in the user's region when it has one there, to the node of
 * the resource naming it, labelled with the first name (by type) and how many more.
 */
function crossStackEdges(stacks: readonly StackDrawing[]): DiagramEdge[] {
  const named = new Map<string, { from: string; to: string; names: Map<string, string> }>();
  for (const reference of crossStackReferences(stacks.map((s) => s.index))) {
    const holder = stacks.find((s) => s.index === reference.holder.index);
    const user = stacks.find((s) => s.index === reference.user.index);
    const unit = holder?.unitOf(reference.holder.resource.urn);
    const to = user?.unitOf(reference.user.resource.urn);
    if (holder === undefined || user === undefined || unit === undefined || to === undefined) {
      continue;
    }
    const from = holder.remoteIds.get(`${unit} ${user.index.region}`) ?? unit;
    const entry = named.get(`${from} ${to}`) ?? { from, to, names: new Map<string, string>() };
    entry.names.set(reference.name, reference.holder.resource.type);
    named.set(`${from} ${to}`, entry);
  }
  return [...named.values()].map(({ from, to, names }) => {
    const [first] = [...names].sort(([a, x], [b, y]) => x.localeCompare(y) || a.localeCompare(b));
    const more = names.size > 1 ? ` +${names.size - 1}` : "";
    return { from, to, label: `${shortType(first?.[1] ?? "")} ${first?.[0] ?? ""}${more}` };
  });
}
