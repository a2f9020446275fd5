/**
 * Tagging rules. Every taggable resource carries `Project`, `Stack` and `Jurisdiction` through the
 * AWS provider's default tags, and every resource that stores data carries a `DataClass` tag that
 * the residency policy reads.
 */

import { DATA_CLASS_TAG, type DataClass } from "../policy/rules/vocabulary";

export {
  DATA_CLASSES,
  DATA_CLASS_TAG,
  REQUIRED_TAG_KEYS,
  type DataClass,
} from "../policy/rules/vocabulary";

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
