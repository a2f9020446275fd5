import { z } from "zod";
import {
  countryCode,
  flag,
  integer,
  type SettingsIssue,
  documentSettings,
} from "../shared/settings";
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from "../security/waf-rules";
import { MAX_COURSE_CONTENT_TTL_SECONDS } from "./edge-policies";

/**
 * A hosted zone id as Route 53 assigns it: Z and upper-case letters and digits, at most 32
 * characters (HostedZone Id: https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html).
 */
const ZONE_ID_ALLOWED =
  "expected a Route 53 hosted zone id: Z and 4 to 31 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ";

/** The viewers Route 53 geolocation sends to a stack, whose accounts its home region keeps. */
export const geolocationSchema = z.strictObject({
  /** Countries routed to this stack. @default [] */
  countries: z.array(countryCode).default([]),
  /** Whether this stack holds the default record (`country: "*"`). @default false */
  default: z.boolean().default(false),
});

/** A stack's DNS names in the shared hosted zone and its geolocation routing. */
export const dnsSettingsSchema = z.strictObject({
  /** The platform's apex domain, for example knowledgecity.com. */
  domain: z.string().regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: "expected a lower-case DNS domain such as knowledgecity.com",
  }),
  /**
   * Whether the stack writes its DNS records (API hostnames, certificate validation, geolocation).
   * @default true
   */
  enabled: flag.default(true),
  /**
   * Route 53 public hosted zone of the domain, shared by every stack. @default the public zone
   * named `domain`, looked up at deploy time
   */
  hostedZoneId: z
    .string({ error: ZONE_ID_ALLOWED })
    .superRefine((value, ctx) => {
      if (!/^Z[A-Z0-9]{4,31}$/.test(value)) {
        ctx.addIssue({
          code: "custom",
          input: value,
          message: value.startsWith("/hostedzone/")
            ? `${ZONE_ID_ALLOWED}; write the id without the /hostedzone/ prefix`
            : ZONE_ID_ALLOWED,
        });
      }
    })
    .optional(),
  /**
   * Label of the stack's explicit hostnames (`api.<label>.<domain>`), so the app can pin a user
   * to their home region. @default the jurisdiction in lower case
   */
  regionLabel: z
    .string()
    .regex(/^[a-z]{2,12}$/, { error: "expected 2 to 12 lower-case letters" })
    .optional(),
  /** Which viewers Route 53 geolocation sends to this stack. */
  geolocation: geolocationSchema,
});

documentSettings(geolocationSchema, {
  countries: {
    description: "viewers routed to this stack (Route 53 geolocation takes exactly these codes)",
    typeText: "list of ISO 3166-1 alpha-2 codes",
  },
  default: { description: "holds the default (`*`) record; exactly one stack does" },
});

/** A stack's DNS settings, every default resolved. */
export type DnsSettings = z.output<typeof dnsSettingsSchema>;

documentSettings(dnsSettingsSchema, {
  domain: { description: "apex domain, e.g. `knowledgecity.com`", typeText: "domain" },
  enabled: {
    description:
      "write the stack's DNS records (API hostnames, certificate validation, geolocation); the edge, video and analytics need it",
  },
  hostedZoneId: {
    description:
      "the shared hosted zone; set it only to choose among several public zones of that name",
    typeText: "Route 53 zone id (`Z...`)",
    defaultText: "the public zone named `domain`",
  },
  regionLabel: {
    description: "explicit hostnames `api.<label>.<domain>`",
    typeText: "2-12 letters",
    defaultText: "jurisdiction, lower case",
  },
});

/** What is wrong between the DNS settings: geolocation that routes no viewer to the stack. */
export function dnsProblems(dns: DnsSettings): SettingsIssue[] {
  return !dns.geolocation.default && dns.geolocation.countries.length === 0
    ? [
        {
          path: ["geolocation"],
          input: dns.geolocation,
          message: "expected at least one country or default: true, or no viewer is routed here",
        },
      ]
    : [];
}

/** The global edge (SPA, CloudFront, global WAF), which only the primary stack may host. */
export const globalEdgeSettingsSchema = z
  .strictObject({
    /** Whether this stack hosts the global edge; only the primary may. @default primary */
    enabled: flag.optional(),
    /**
     * Requests per five minutes one IP may send to the SPA, within AWS WAF's bounds on a
     * rate-based rule. @default EDGE_DEFAULTS.rateLimitPerFiveMinutes (2000)
     */
    rateLimitPerFiveMinutes: integer(MIN_RATE_LIMIT, MAX_RATE_LIMIT).optional(),
    /**
     * Edge TTL of course content, tuned for course updates; at most a day.
     * @default EDGE_DEFAULTS.courseContentTtlSeconds (3600)
     */
    courseContentTtlSeconds: integer(1, MAX_COURSE_CONTENT_TTL_SECONDS).optional(),
  })
  .default({});

/** The global edge's settings, as parsed. */
export type GlobalEdgeSettings = z.output<typeof globalEdgeSettingsSchema>;
