/**
 * A stack's plan read for drawing: which resources are components, the component tree, the
 * stack's components (the children of its composition), and who depends on whom. Reads the JSON
 * contract only, so a plan saved to a file is drawn the same as a fresh one.
 */
import { replicaTargets } from "../../../policy/rules/residency";
import type { PlanDocument, PlanResource } from "../document";
import { componentTree, isProvider, shortType, type ComponentNode } from "../graph";

/** A resource of a saved plan: plans saved before `custom` was added lack it. */
export type SavedPlanResource = Omit<PlanResource, "custom"> & { readonly custom?: boolean };

/** A plan document as read from a file, old or new (`PlanDocument` is one). */
export type SavedPlanDocument = Omit<PlanDocument, "resources" | "violations"> & {
  readonly resources: readonly SavedPlanResource[];
};

/** A resource with `custom` known. */
export type IndexedResource = SavedPlanResource & { readonly custom: boolean };

/** A component of the tree, over indexed resources. */
export type IndexedComponent = ComponentNode<IndexedResource>;

/** The stack resource's type. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/** The package of this project's own component types (`knowledgecity:<area>:<Class>`). */
const PROJECT_COMPONENT_PACKAGE = "knowledgecity";

/**
 * Packages whose every resource is a remote (multi-language) component: each class of
 * `@pulumi/eks` is a `ComponentResource` registered with `remote: true`, and the mock engine
 * records it with `custom: false` (its provider, `pulumi:providers:eks`, is a custom resource).
 */
const REMOTE_COMPONENT_PACKAGES: readonly string[] = ["eks"];

/**
 * Whether a resource is a custom (cloud) resource: its own `custom` field, or for plans saved
 * before that field existed, its type (the stack, the project's components and remote components
 * are not; providers and everything else are).
 */
export function isCustomResource(resource: SavedPlanResource): boolean {
  if (resource.custom !== undefined) {
    return resource.custom;
  }
  const pkg = resource.type.split(":")[0] ?? "";
  return !(
    resource.type === STACK_TYPE ||
    pkg === PROJECT_COMPONENT_PACKAGE ||
    REMOTE_COMPONENT_PACKAGES.includes(pkg)
  );
}

/** `knowledgecity:video:VideoPipeline` -> `VideoPipeline`; `eks:index:Cluster` -> `eks Cluster`. */
export function className(type: string): string {
  return shortType(type);
}

/** Where a resource keeps replicas of itself, as its own inputs say (the residency rule's reading). */
export function replicaRegions(resource: SavedPlanResource): string[] {
  return replicaTargets(resource).flatMap((target) => target.region ?? []);
}

/** One stack's plan, indexed. */
export class StackIndex {
  readonly stack: string;
  readonly region: string;
  readonly resources: readonly IndexedResource[];
  readonly byUrn: ReadonlyMap<string, IndexedResource>;
  /** The stack resource and everything below it. */
  readonly root: IndexedComponent;
  /**
   * The component that composes the stack: below the stack, the first component with more than
   * one child component (`RegionalPlatform`).
   */
  readonly composition: IndexedComponent;
  /** The stack's components: the composition's child components, in registration order. */
  readonly components: readonly IndexedComponent[];
  private readonly componentOf = new Map<string, IndexedComponent>();
  private readonly nodes = new Map<string, IndexedComponent>();

  constructor(document: SavedPlanDocument) {
    this.stack = document.stack;
    this.region = document.region;
    this.resources = document.resources.map((r) => ({ ...r, custom: isCustomResource(r) }));
    this.byUrn = new Map(this.resources.map((r) => [r.urn, r]));
    this.root = componentTree(this.resources);
    let composition = this.root;
    while (composition.components.length === 1 && composition.components[0] !== undefined) {
      composition = composition.components[0];
    }
    this.composition = composition;
    this.components = composition.components;
    const visit = (node: IndexedComponent, top: IndexedComponent): void => {
      this.nodes.set(node.resource.urn, node);
      this.componentOf.set(node.resource.urn, top);
      for (const resource of node.resources) {
        this.componentOf.set(resource.urn, top);
      }
      for (const child of node.components) {
        visit(child, top);
      }
    };
    for (const component of this.components) {
      visit(component, component);
    }
    for (const resource of composition.resources) {
      this.componentOf.set(resource.urn, composition);
    }
  }

  /**
   * The stack component a resource belongs to: one of `components`, or the composition for its
   * own resources; undefined for the stack's own resources and providers.
   */
  topComponentOf(urn: string): IndexedComponent | undefined {
    return this.componentOf.get(urn);
  }

  /** The component node of a component's URN. */
  node(urn: string): IndexedComponent | undefined {
    return this.nodes.get(urn);
  }

  /** Every component below the stack (the composition included), depth first. */
  allComponents(): IndexedComponent[] {
    const all: IndexedComponent[] = [];
    const visit = (node: IndexedComponent): void => {
      all.push(node);
      node.components.forEach(visit);
    };
    this.root.components.forEach(visit);
    return all;
  }
}

/** The cloud resources of a component and everything below it (providers excluded). */
export function cloudResourcesOf(node: IndexedComponent): IndexedResource[] {
  return [...node.resources, ...node.components.flatMap(cloudResourcesOf)];
}

/**
 * Pairs (dependency, dependent) between the groups `groupOf` puts resources in, with how many
 * resource dependencies each pair stands for; resources outside every group and dependencies
 * within one group are left out.
 */
export function groupDependencies(
  index: StackIndex,
  groupOf: (resource: IndexedResource) => string | undefined,
): Map<string, { readonly from: string; readonly to: string; count: number }> {
  const pairs = new Map<string, { from: string; to: string; count: number }>();
  for (const resource of index.resources) {
    const to = isProvider(resource) ? undefined : groupOf(resource);
    if (to === undefined) {
      continue;
    }
    for (const urn of resource.dependsOn) {
      const dependency = index.byUrn.get(urn);
      const from =
        dependency === undefined || isProvider(dependency) ? undefined : groupOf(dependency);
      if (from === undefined || from === to) {
        continue;
      }
      const key = `${from}\u0000${to}`;
      const pair = pairs.get(key) ?? { from, to, count: 0 };
      pair.count += 1;
      pairs.set(key, pair);
    }
  }
  return pairs;
}
