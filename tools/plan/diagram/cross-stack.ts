/**
 * What one stack uses of another: a resource of one stack whose inputs name a resource that only
 * another stack creates (by its `name` input, alone or at the end of an ARN or inside a policy),
 * such as a region's home-region lookup naming the primary stack's global directory table.
 */
import { isProvider } from "../graph";
import type { IndexedComponent, IndexedResource, StackIndex } from "./plan-index";

/** One side of a reference: the stack, its component and the resource. */
export interface ReferenceEnd {
  readonly index: StackIndex;
  readonly component: IndexedComponent;
  readonly resource: IndexedResource;
}

/** A resource (`user`) naming a resource another stack creates (`holder`). */
export interface CrossStackReference {
  readonly holder: ReferenceEnd;
  readonly user: ReferenceEnd;
  /** The name as the holder's inputs give it. */
  readonly name: string;
}

/**
 * Types whose `name` is a DNS name rather than a resource's: a hostname in another stack's
 * inputs (a CORS origin, a redirect target) is not a use of that stack's record.
 */
const DNS_NAMED_TYPES: ReadonlySet<string> = new Set([
  "aws:route53/record:Record",
  "aws:route53/zone:Zone",
]);

/** Names shorter than this are too generic to identify a resource. */
const MIN_NAME_LENGTH = 8;

/** Every reference from one stack's resources to another stack's, in stack order. */
export function crossStackReferences(indexes: readonly StackIndex[]): CrossStackReference[] {
  const named = new Map(indexes.map((index) => [index, namedResources(index)]));
  const references: CrossStackReference[] = [];
  for (const user of indexes) {
    const ownNames = named.get(user) ?? new Map<string, IndexedResource>();
    for (const holder of indexes) {
      if (holder === user) {
        continue;
      }
      // A name both stacks create is each stack's own resource, not a reference.
      const candidates = [...(named.get(holder) ?? new Map<string, IndexedResource>())].filter(
        ([name]) => !ownNames.has(name),
      );
      if (candidates.length === 0) {
        continue;
      }
      for (const resource of user.resources) {
        const userComponent = user.topComponentOf(resource.urn);
        if (userComponent === undefined || isProvider(resource)) {
          continue;
        }
        const text = stringsOf(resource.inputs);
        for (const [name, target] of candidates) {
          const holderComponent = holder.topComponentOf(target.urn);
          if (holderComponent !== undefined && text.some((s) => mentions(s, name))) {
            references.push({
              holder: { index: holder, component: holderComponent, resource: target },
              user: { index: user, component: userComponent, resource },
              name,
            });
          }
        }
      }
    }
  }
  return references;
}

/** A stack's cloud resources by the physical name their inputs give them. */
function namedResources(index: StackIndex): Map<string, IndexedResource> {
  const named = new Map<string, IndexedResource>();
  for (const resource of index.resources) {
    const name = resource.inputs.name;
    if (
      resource.custom &&
      !isProvider(resource) &&
      !DNS_NAMED_TYPES.has(resource.type) &&
      typeof name === "string" &&
      name.length >= MIN_NAME_LENGTH
    ) {
      named.set(name, resource);
    }
  }
  return named;
}

/** Whether `text` contains `name` as a whole: not inside a longer name. */
function mentions(text: string, name: string): boolean {
  let at = text.indexOf(name);
  while (at >= 0) {
    const before = at === 0 ? "" : text.charAt(at - 1);
    const after = text.charAt(at + name.length);
    if (!/[A-Za-z0-9_.-]/.test(before) && !/[A-Za-z0-9_.-]/.test(after)) {
      return true;
    }
    at = text.indexOf(name, at + 1);
  }
  return false;
}

/** Every string within a value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(stringsOf);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).flatMap(stringsOf);
  }
  return [];
}
