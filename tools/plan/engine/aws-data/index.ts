/**
 * Realistic answers for the AWS data sources the program calls, and realistic computed
 * attributes (ids, ARNs) for the resources it creates, so that code which builds policies from
 * ARNs or names children after zones sees what it would see against a real account: the regions
 * (`regions.ts`), stable ids (`stable-ids.ts`), names (`names.ts`), resource ids (`mock-id.ts`),
 * computed attributes (`computed-state.ts`, `service-formats.ts`) and the mock RSA key
 * (`rsa-key.ts`).
 */
export { computedState } from "./computed-state";
export { mockId } from "./mock-id";
export { physicalNameOf, SERVICE_LINKED_ROLE_NAMES, serviceLinkedRoleArn } from "./names";
export { MOCK_ACCOUNT_ID, MOCK_PARTITION, regionDescription, zonesOf } from "./regions";
export { stableHex, stableUpperAlnum } from "./stable-ids";
