import { type BadCase, set, setField } from "../config-test-support";

/** Bad configurations of DNS and the global edge (components/edge/settings.ts), and the problem each raises. */
export const edgeCases: readonly BadCase[] = [
  {
    name: "a regional stack asking for the global edge",
    mutations: [set("knowledgecity:globalEdge", { enabled: true })],
    key: "knowledgecity:globalEdge.enabled",
    value: "true",
    allowed: "only the primary stack hosts the global edge",
  },
  {
    name: "a hosted zone id in lower case",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "z0123456789abcdefghij")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"z0123456789abcdefghij"',
    allowed: "expected a Route 53 hosted zone id: Z and 4 to 31 upper-case letters and digits",
  },
  {
    name: "a hosted zone id with the API's /hostedzone/ prefix",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "/hostedzone/Z0123456789ABCDEFGHIJ")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"/hostedzone/Z0123456789ABCDEFGHIJ"',
    allowed: "write the id without the /hostedzone/ prefix",
  },
  {
    name: "a hosted zone id longer than Route 53's 32 characters",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", `Z${"A".repeat(32)}`)],
    key: "knowledgecity:dns.hostedZoneId",
    value: `"Z${"A".repeat(32)}"`,
    allowed: "expected a Route 53 hosted zone id",
  },
  {
    name: "a placeholder zone id with a dash",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "Z0-REPLACE-ME")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"Z0-REPLACE-ME"',
    allowed: "expected a Route 53 hosted zone id",
  },
  {
    name: "a country code that ISO 3166-1 never assigned",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["SA", "XX"] })],
    key: "knowledgecity:dns.geolocation.countries[1]",
    value: '"XX"',
    allowed: "not an assigned ISO 3166-1 alpha-2 country code",
  },
  {
    name: "the user-assigned code XK in geolocation",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["XK"] })],
    key: "knowledgecity:dns.geolocation.countries[0]",
    value: '"XK"',
    allowed: "not an assigned ISO 3166-1 alpha-2 country code",
  },
  {
    name: "a Route 53 wildcard written as a country",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["*"] })],
    key: "knowledgecity:dns.geolocation.countries[0]",
    value: '"*"',
    allowed: "ISO 3166-1 alpha-2 country code in capitals",
  },
  {
    name: "geolocation with neither countries nor default",
    mutations: [setField("knowledgecity:dns", "geolocation", {})],
    key: "knowledgecity:dns.geolocation",
    value: "{}",
    allowed: "expected at least one country or default: true",
  },
  {
    name: "bad country code",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["SA", "Saudi"] })],
    key: "knowledgecity:dns.geolocation.countries[1]",
    value: '"Saudi"',
    allowed: "ISO 3166-1 alpha-2 country code",
  },
  {
    name: "upper-case domain",
    mutations: [set("knowledgecity:domain", "KnowledgeCity.com")],
    key: "knowledgecity:domain",
    value: '"KnowledgeCity.com"',
    allowed: "lower-case DNS domain",
  },
  {
    name: "the domain under dns, where it was before it moved to Pulumi.yaml",
    mutations: [setField("knowledgecity:dns", "domain", "knowledgecity.com")],
    key: "knowledgecity:dns.domain",
    value: '"knowledgecity.com"',
    allowed: "moved to knowledgecity:domain, set once for every stack in Pulumi.yaml",
  },
];
