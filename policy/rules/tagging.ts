import { DATA_CLASS_TAG, DATA_CLASSES, REQUIRED_TAG_KEYS } from "./vocabulary";
import {
  DATA_STORE_TYPES,
  describe,
  isAwsResource,
  providerDefaultTags,
  tagsOf,
} from "./resource-facts";
import type { ResourceRule } from "./types";

/** Every store says what it stores, so residency can be checked at all. */
export const dataClassTag: ResourceRule = {
  name: "data-class-tag",
  description: `Resources that store data carry a ${DATA_CLASS_TAG} tag (${DATA_CLASSES.join(", ")})`,
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource) {
    if (!DATA_STORE_TYPES.has(resource.type)) {
      return [];
    }
    const value = tagsOf(resource)[DATA_CLASS_TAG];
    if (value !== undefined && (DATA_CLASSES as readonly string[]).includes(value)) {
      return [];
    }
    return [
      value === undefined
        ? `${describe(resource)} stores data but has no ${DATA_CLASS_TAG} tag; set one of ${DATA_CLASSES.join(", ")}`
        : `${describe(resource)} has ${DATA_CLASS_TAG}=${value}; expected one of ${DATA_CLASSES.join(", ")}`,
    ];
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
