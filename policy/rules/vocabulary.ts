/**
 * The words the platform and its policies share: data classes and the tags that carry them.
 * They live with the policies so the policy pack stands on its own.
 */

/** What a store holds: user data is residency-bound, content and telemetry are not personal. */
export const DATA_CLASSES = ["user-data", "content", "telemetry", "none"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The tag key naming a store's data class. */
export const DATA_CLASS_TAG = "DataClass";

/** The tag keys the provider's default tags must carry. */
export const REQUIRED_TAG_KEYS = ["Project", "Stack", "Jurisdiction"] as const;

/** The component that registers a stack's residency settings (stack, allowed regions) as outputs. */
export const PLATFORM_TYPE = "knowledgecity:platform:RegionalPlatform";
