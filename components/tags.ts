/**
 * Tagging rules. Every taggable resource carries `Project`, `Stack` and `Jurisdiction` through the
 * AWS provider's default tags, and every resource that stores data carries a `DataClass` tag that
 * the residency policy reads.
 */

/** What a store holds: user data is residency-bound, content and telemetry are not personal. */
export const DATA_CLASSES = ["user-data", "content", "telemetry", "none"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The tag keys the provider's default tags must carry. */
export const REQUIRED_TAG_KEYS = ["Project", "Stack", "Jurisdiction"] as const;

/** The tag key naming a store's data class. */
export const DATA_CLASS_TAG = "DataClass";

/** Arguments of `defaultTags`. */
export interface DefaultTagsArgs {
  readonly project: string;
  readonly stack: string;
  readonly jurisdiction: string;
  /** Further tags from the stack's config; they cannot override the required ones. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The provider default tags of a stack. */
export function defaultTags(args: DefaultTagsArgs): Record<string, string> {
  return {
    ...args.extra,
    Project: args.project,
    Stack: args.stack,
    Jurisdiction: args.jurisdiction,
  };
}

/** Tags of a resource that stores data: its data class and, optionally, a display name. */
export function dataTags(dataClass: DataClass, name?: string): Record<string, string> {
  return name === undefined
    ? { [DATA_CLASS_TAG]: dataClass }
    : { Name: name, [DATA_CLASS_TAG]: dataClass };
}
