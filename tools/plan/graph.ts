/**
 * The resource graph of a plan: which component owns each cloud resource, and short labels.
 * Shared by the text report and the diagram.
 */
import type { RecordedResource } from "./engine";

/**
 * What the tree needs of a resource: the engine's record (`RecordedResource`) and the JSON
 * contract's (`PlanResource`, whose `parent` is null at the top) both have it.
 */
export interface TreeResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string | null;
  /** Whether it is a custom (cloud) resource rather than a component or the stack. */
  readonly custom: boolean;
}

/** A component (or the stack) with what it directly owns. */
export interface ComponentNode<R extends TreeResource = RecordedResource> {
  readonly resource: R;
  readonly components: ComponentNode<R>[];
  /** Custom resources parented directly to this component (providers excluded). */
  readonly resources: R[];
}

/** Whether a resource is a provider (shown apart from what it manages). */
export function isProvider(resource: { readonly type: string }): boolean {
  return resource.type.startsWith("pulumi:providers:");
}

/** `aws:ec2/subnet:Subnet` -> `ec2 Subnet`; `knowledgecity:network:Network` -> `Network`. */
export function shortType(type: string): string {
  const [pkg, module, name] = type.split(":");
  if (pkg === "knowledgecity" || pkg === "pulumi" || name === undefined) {
    return name ?? type;
  }
  const moduleName = (module ?? "").split("/")[0] ?? "";
  return moduleName === "index" || moduleName === "" ? `${pkg} ${name}` : `${moduleName} ${name}`;
}

/** Builds the component tree under the stack resource. */
export function componentTree<R extends TreeResource>(resources: readonly R[]): ComponentNode<R> {
  const nodes = new Map<string, ComponentNode<R>>();
  for (const resource of resources) {
    if (!resource.custom) {
      nodes.set(resource.urn, { resource, components: [], resources: [] });
    }
  }
  let root: ComponentNode<R> | undefined;
  for (const resource of resources) {
    const parent = typeof resource.parent === "string" ? nodes.get(resource.parent) : undefined;
    if (!resource.custom) {
      const node = nodes.get(resource.urn);
      if (parent === undefined) {
        root ??= node;
      } else if (node !== undefined) {
        parent.components.push(node);
      }
    } else if (parent !== undefined && !isProvider(resource)) {
      parent.resources.push(resource);
    }
  }
  if (root === undefined) {
    throw new Error("the plan has no stack resource");
  }
  return root;
}

/** Custom resources in a component and everything below it. */
export function subtreeSize<R extends TreeResource>(node: ComponentNode<R>): number {
  return (
    node.resources.length + node.components.reduce((sum, child) => sum + subtreeSize(child), 0)
  );
}

/** Counts of `items` by key, sorted by key. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  }
  return new Map([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
