/**
 * The words the platform and its policies share: data classes and the tags that carry them.
 * They live with the policies so the policy pack stands on its own.
 */

/**
 * What a store holds. `user-data` is residency-bound: it stays in its stack's allowed regions.
 * `pseudonymous-directory` is the home-region directory (a keyed hash of each sign-in identity,
 * its home region and a version; no identity): pseudonymous personal data that is replicated to
 * every home region by design, and to no other region. `content` and `telemetry` are not personal;
 * `none` holds no data of its own (keys, empty stores).
 */
export const DATA_CLASSES = [
  "user-data",
  "pseudonymous-directory",
  "content",
  "telemetry",
  "none",
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The data class of the home-region directory. */
export const DIRECTORY_DATA_CLASS = "pseudonymous-directory" satisfies DataClass;

/**
 * The only resource type that may carry the directory class: the directory is one DynamoDB global
 * table. Any other store so tagged would escape the user-data rules, so the rules refuse it.
 */
export const DIRECTORY_RESOURCE_TYPE = "aws:dynamodb/table:Table";

/** The tag key naming a store's data class. */
export const DATA_CLASS_TAG = "DataClass";

/** The tag keys the provider's default tags must carry. */
export const REQUIRED_TAG_KEYS = ["Project", "Stack", "Jurisdiction"] as const;

/** The component that registers a stack's residency settings (stack, allowed regions) as outputs. */
export const PLATFORM_TYPE = "knowledgecity:platform:RegionalPlatform";
