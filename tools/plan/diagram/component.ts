/**
 * One component in detail (`npm run plan -- --format mermaid --component NAME`): its cloud
 * resources grouped by type, its subcomponents as groups, the dependencies between them, and the
 * other components it depends on or that depend on it. When that would not render with
 * Mermaid's default limits, subcomponents are drawn as one node each, then resources are
 * grouped by service as well (`DETAIL_LEVELS`).
 */
import { isProvider, shortType } from "../graph";
import type { Diagram, DiagramEdge, DiagramGroup, DiagramNode } from "./model";
import { plural } from "./architecture";
import { toMermaid } from "./render";
import {
  className,
  cloudResourcesOf,
  StackIndex,
  type IndexedComponent,
  type IndexedResource,
  type SavedPlanDocument,
} from "./plan-index";

/**
 * Mermaid's defaults for what it refuses to draw: more edges than `maxEdges` fails with "Edge
 * limit exceeded", more text than `maxTextSize` draws only "Maximum text size in diagram
 * exceeded" (https://mermaid.js.org/config/schema-docs/config.html: `maxEdges` 500,
 * `maxTextSize` 50000).
 */
export const MERMAID_DEFAULT_LIMITS = { maxEdges: 500, maxTextSize: 50_000 } as const;

/**
 * What a drawn diagram may use of those limits: a diagram near them takes seconds to lay out
 * and is too dense to read, so a component is grouped further well before.
 */
export const DIAGRAM_BUDGET = { maxEdges: 300, maxTextSize: 30_000 } as const;

/** A `--component` name that matches no component, or more than one in a stack. */
export class ComponentNotFoundError extends Error {}

/** How much a component diagram shows, from most to least. */
export const DETAIL_LEVELS = ["resources", "subcomponents", "services"] as const;
export type DetailLevel = (typeof DETAIL_LEVELS)[number];

/**
 * One component's resources in detail, in every stack that has it. `name` is a component's
 * class (`VideoPipeline`), its type token (`knowledgecity:video:VideoPipeline`) or its resource
 * name (`kc-video-raw`); it must name at most one component per stack and at least one overall.
 * Uses the most detailed level that fits `DIAGRAM_BUDGET`, or the least detailed one.
 */
export function componentDiagram(documents: readonly SavedPlanDocument[], name: string): Diagram {
  let diagram: Diagram = { groups: [], nodes: [], edges: [] };
  for (const level of DETAIL_LEVELS) {
    diagram = componentDiagramAt(documents, name, level);
    if (fitsBudget(diagram)) {
      break;
    }
  }
  return diagram;
}

/** One component's diagram at one level of detail, whatever its size. */
export function componentDiagramAt(
  documents: readonly SavedPlanDocument[],
  name: string,
  level: DetailLevel,
): Diagram {
  const selected = selectComponent(
    documents.map((d) => new StackIndex(d)),
    name,
  );
  return merge(selected.map(([index, component]) => drawComponent(index, component, level)));
}

/** Whether a diagram's Mermaid text is within `DIAGRAM_BUDGET`. */
export function fitsBudget(diagram: Diagram): boolean {
  return (
    diagram.edges.length <= DIAGRAM_BUDGET.maxEdges &&
    toMermaid(diagram).length <= DIAGRAM_BUDGET.maxTextSize
  );
}

/** The component `name` selects in each stack that has one; throws `ComponentNotFoundError`. */
export function selectComponent(
  indexes: readonly StackIndex[],
  name: string,
): [StackIndex, IndexedComponent][] {
  const selected: [StackIndex, IndexedComponent][] = [];
  for (const index of indexes) {
    const matches = index
      .allComponents()
      .filter(
        (c) =>
          className(c.resource.type) === name ||
          c.resource.type === name ||
          c.resource.name === name,
      );
    if (matches.length > 1) {
      throw new ComponentNotFoundError(
        `--component ${name}: ${matches.length} components match in stack ${index.stack}: ${matches
          .map((c) => `${className(c.resource.type)} ${c.resource.name}`)
          .join(", ")}; name one by a class, type or name only it has`,
      );
    }
    if (matches[0] !== undefined) {
      selected.push([index, matches[0]]);
    }
  }
  if (selected.length === 0) {
    const known = [
      ...new Set(indexes.flatMap((i) => i.allComponents().map((c) => className(c.resource.type)))),
    ].sort();
    throw new ComponentNotFoundError(
      `--component ${name}: no component has that class, type or name in stack ${indexes
        .map((i) => i.stack)
        .join(
          ", ",
        )}; known components: ${known.join(", ")} (or a type token such as knowledgecity:video:VideoPipeline, or a resource name such as kc-video-raw)`,
    );
  }
  return selected;
}

/** The id of a component's group or node: stack, class and name. */
function componentId(stack: string, component: IndexedComponent): string {
  return `${stack}/${className(component.resource.type)}:${component.resource.name}`;
}

/** One stack's drawing of the selected component. */
function drawComponent(index: StackIndex, selected: IndexedComponent, level: DetailLevel): Diagram {
  const { stack } = index;
  const groups: DiagramGroup[] = [{ id: stack, label: `stack ${stack}, region ${index.region}` }];
  const nodes: DiagramNode[] = [];
  const unitOf = new Map<string, string>();
  const unitKey = (resource: IndexedResource): string => {
    const type = level === "services" ? serviceOf(resource.type) : resource.type;
    return resource.region === index.region ? type : `${type}@${resource.region}`;
  };
  const drawTypes = (
    component: IndexedComponent,
    resources: readonly IndexedResource[],
    group: string,
  ): void => {
    const byKey = new Map<string, IndexedResource[]>();
    for (const resource of resources) {
      byKey.set(unitKey(resource), [...(byKey.get(unitKey(resource)) ?? []), resource]);
    }
    for (const [key, members] of byKey) {
      const id = `${componentId(stack, component)}/${key}`;
      const [type, region] = key.split("@");
      const label = `${level === "services" ? (type ?? key) : shortType(type ?? key)}${members.length > 1 ? ` x${members.length}` : ""}${region === undefined ? "" : `\nin ${region}`}`;
      nodes.push({ id, label, group });
      for (const member of members) {
        unitOf.set(member.urn, id);
      }
    }
  };
  // A component is a group; collapsed (or a leaf such as a remote component, which has no
  // children in the plan) it is one node. Depending on a component is depending on its group.
  const drawGroup = (component: IndexedComponent, parent: string, depth: number): void => {
    const id = componentId(stack, component);
    const size = cloudResourcesOf(component).length;
    const name = `${className(component.resource.type)} ${component.resource.name}`;
    const leaf = component.resources.length === 0 && component.components.length === 0;
    if (leaf || (depth > 0 && level !== "resources")) {
      const label = leaf
        ? `${shortType(component.resource.type)}\n${component.resource.name}`
        : `${name}\n${plural(size, "resource")}`;
      nodes.push({ id, label, group: parent });
      for (const resource of [...componentsIn(component), ...cloudResourcesOf(component)]) {
        unitOf.set(resource.urn, id);
      }
      return;
    }
    groups.push({ id, label: `${name}, ${plural(size, "resource")}`, parent });
    unitOf.set(component.resource.urn, id);
    drawTypes(
      component,
      component.resources.filter((r) => !isProvider(r)),
      id,
    );
    for (const child of component.components) {
      drawGroup(child, id, depth + 1);
    }
  };
  drawGroup(selected, stack, 0);
  const inside = new Set(unitOf.keys());
  // The other side of every dependency that leaves the component: the outermost component (or
  // resource) holding it that does not also hold the selected component.
  const ancestors = new Set<string>();
  for (
    let urn: string | null | undefined = selected.resource.parent;
    typeof urn === "string";
    urn = index.byUrn.get(urn)?.parent
  ) {
    ancestors.add(urn);
  }
  const outsideUnit = (resource: IndexedResource): string | undefined => {
    let current: IndexedResource = resource;
    while (typeof current.parent === "string" && !ancestors.has(current.parent)) {
      const parent = index.byUrn.get(current.parent);
      if (parent === undefined) {
        return undefined;
      }
      current = parent;
    }
    if (current.type === "pulumi:pulumi:Stack" || isProvider(current)) {
      return undefined;
    }
    const id = `${stack}/${className(current.type)}:${current.name}`;
    if (!nodes.some((n) => n.id === id)) {
      nodes.push({ id, label: `${shortType(current.type)}\n${current.name}`, group: stack });
    }
    return id;
  };
  const edges = new Map<string, DiagramEdge>();
  for (const resource of index.resources) {
    for (const urn of resource.dependsOn) {
      const dependency = index.byUrn.get(urn);
      if (dependency === undefined || isProvider(dependency) || isProvider(resource)) {
        continue;
      }
      const from = inside.has(urn) ? unitOf.get(urn) : undefined;
      const to = inside.has(resource.urn) ? unitOf.get(resource.urn) : undefined;
      if (from === undefined && to === undefined) {
        continue;
      }
      const a = from ?? outsideUnit(dependency);
      const b = to ?? outsideUnit(resource);
      if (a !== undefined && b !== undefined && a !== b) {
        edges.set(`${a} ${b}`, { from: a, to: b });
      }
    }
  }
  return { groups, nodes, edges: [...edges.values()] };
}

/** A component and every component below it, as resources. */
function componentsIn(component: IndexedComponent): IndexedResource[] {
  return [component.resource, ...component.components.flatMap(componentsIn)];
}

/** `aws:ec2/subnet:Subnet` -> `aws ec2`; `kubernetes:core/v1:Secret` -> `kubernetes core`. */
function serviceOf(type: string): string {
  const [pkg, module] = type.split(":");
  const service = (module ?? "").split("/")[0] ?? "";
  return service === "" || service === "index" ? (pkg ?? type) : `${pkg ?? ""} ${service}`;
}

function merge(diagrams: readonly Diagram[]): Diagram {
  return {
    groups: diagrams.flatMap((d) => d.groups),
    nodes: diagrams.flatMap((d) => d.nodes),
    edges: diagrams.flatMap((d) => d.edges),
  };
}
