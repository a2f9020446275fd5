import { DATA_CLASS_TAG, DATA_CLASSES, REQUIRED_TAG_KEYS } from "./vocabulary";
import {
  DATA_STORE_TYPES,
  describe,
  isAwsResource,
  providerDefaultTags,
  tagsOf,
} from "./resource-facts";
import { readDataClass } from "./data-class";
import type { ResourceRule } from "./types";

/**
 * Every store says what it stores, so residency can be checked at all; and no resource carries a
 * tag that only looks like a data class (`dataclass`, `Data-Class`, `DataClass=User-Data`), which
 * the residency rules would not read. The runtime audit reads tags the same way (`readDataClass`).
 */
export const dataClassTag: ResourceRule = {
  name: "data-class-tag",
  description: `Resources that store data carry a ${DATA_CLASS_TAG} tag (${DATA_CLASSES.join(", ")}), spelled exactly, and no resource carries a misspelled one`,
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource) {
    const reading = readDataClass(tagsOf(resource));
    switch (reading.kind) {
      case "class":
        return [];
      case "malformed":
        return [`${describe(resource)} has a malformed data-class tag: ${reading.problem}`];
      case "absent":
        return DATA_STORE_TYPES.has(resource.type)
          ? [
              `${describe(resource)} stores data but has no ${DATA_CLASS_TAG} tag; set one of ${DATA_CLASSES.join(", ")}`,
            ]
          : [];
    }
  },
};

/** Every AWS resource goes through an explicit provider whose default tags name its owner. */
export const providerDefaultTagsRule: ResourceRule = {
  name: "provider-default-tags",
  description: `AWS resources use an explicit provider whose default tags include ${REQUIRED_TAG_KEYS.join(", ")}`,
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource, { provider }) {
    if (!isAwsResource(resource)) {
      return [];
    }
    if (provider === undefined) {
      return [
        `${describe(resource)} uses the default AWS provider; pass the stack's provider so its default tags apply`,
      ];
    }
    const tags = providerDefaultTags(provider);
    const missing = REQUIRED_TAG_KEYS.filter((key) => (tags[key] ?? "") === "");
    return missing.length === 0
      ? []
      : [
          `${describe(resource)} uses provider ${provider.name}, whose default tags lack ${missing.join(", ")}`,
        ];
  },
};
