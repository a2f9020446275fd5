/**
 * Tagging rules. Every taggable resource carries `Project`, `Stack` and `Jurisdiction` through the
 * AWS provider's default tags, and every resource that stores data carries a `DataClass` tag that
 * the residency policy reads.
 */

import { DATA_CLASS_TAG, REQUIRED_TAG_KEYS, type DataClass } from "../../policy/rules/vocabulary";

export {
  DATA_CLASSES,
  DATA_CLASS_TAG,
  REQUIRED_TAG_KEYS,
  type DataClass,
} from "../../policy/rules/vocabulary";

/**
 * Tag keys a stack's extra tags may not set: the ones the program sets on every resource, and
 * `DataClass`, which each store sets by the data it holds (a default would label an unclassified
 * store and hide it from the residency rules).
 */
export const RESERVED_TAG_KEYS: readonly string[] = [...REQUIRED_TAG_KEYS, DATA_CLASS_TAG];

/**
 * Why an extra tag key cannot be used, or undefined when it can. Reserved keys are compared
 * without regard to case, so `project` cannot stand beside `Project` and confuse cost reports;
 * the `aws:` prefix is AWS's own and refused in any case
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions).
 */
export function extraTagKeyProblem(key: string): string | undefined {
  const reserved = RESERVED_TAG_KEYS.find((name) => name.toLowerCase() === key.toLowerCase());
  if (reserved !== undefined) {
    return `${reserved} is set by the program on every resource (reserved: ${RESERVED_TAG_KEYS.join(", ")}); choose another key`;
  }
  if (key.toLowerCase().startsWith("aws:")) {
    return "the aws: prefix is reserved for AWS's own tags; choose another key";
  }
  return undefined;
}

/** Arguments of `defaultTags`. */
export interface DefaultTagsArgs {
  /** The `Project` tag. */
  readonly project: string;
  /** The `Stack` tag. */
  readonly stack: string;
  /** The `Jurisdiction` tag: the law the stack's data is kept under. */
  readonly jurisdiction: string;
  /** Further tags from the stack's config; a reserved key among them is an error. @default {} */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The provider default tags of a stack. Throws when an extra tag would override a reserved one. */
export function defaultTags(args: DefaultTagsArgs): Record<string, string> {
  const extra = args.extra ?? {};
  const problems = Object.keys(extra).flatMap((key) => {
    const problem = extraTagKeyProblem(key);
    return problem === undefined ? [] : [`extra tag ${JSON.stringify(key)}: ${problem}`];
  });
  if (problems.length > 0) {
    throw new Error(problems.join("; "));
  }
  return {
    ...extra,
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
