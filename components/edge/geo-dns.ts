import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { getAlpha2Codes } from "i18n-iso-countries";
import type { AliasTarget } from "../shared/load-balancing";

/**
 * The country codes Route 53 geolocation takes: ISO 3166-1 alpha-2, from the i18n-iso-countries
 * package's list of the standard, less XK (Kosovo), which that list carries but which is a
 * user-assigned code outside the standard. Route 53 supports UA (Ukraine) too, which is one of
 * them; subdivisions exist only for US states and are not used here:
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_GeoLocation.html
 */
export const GEOLOCATION_COUNTRY_CODES: ReadonlySet<string> = new Set(
  Object.keys(getAlpha2Codes()).filter((code) => code !== "XK"),
);

/** Arguments of `GeoDns`. */
export interface GeoDnsArgs {
  /** The shared public hosted zone. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The apex domain, for example knowledgecity.com. */
  readonly domain: string;
  /** This stack's label in its explicit hostname, `api.<label>.<domain>`. */
  readonly regionLabel: string;
  /** Countries (ISO 3166-1 alpha-2) whose viewers `api.<domain>` sends to this stack. */
  readonly countries: readonly string[];
  /** Whether this stack holds the default record (everyone not matched elsewhere). */
  readonly isDefault: boolean;
  /** Where `api.<domain>` and `api.<label>.<domain>` point in this stack. */
  readonly targets: Readonly<Record<string, AliasTarget>>;
  /** Path Route 53 checks over HTTPS on the explicit hostname. @default "/health" */
  readonly healthCheckPath?: string;
}

/** The hostnames of a stack's API: the geo-routed one and the explicit regional one. */
export function apiHostnames(
  domain: string,
  regionLabel: string,
): { shared: string; regional: string } {
  return { shared: `api.${domain}`, regional: `api.${regionLabel}.${domain}` };
}

/**
 * The stack's DNS in the shared hosted zone: `api.<label>.<domain>` (the explicit hostname a
 * signed-in user is pinned to), a Route 53 health check of it, and the stack's geolocation records
 * of `api.<domain>`: one per country it serves, plus the default (`*`) record in the stack that
 * holds it.
 *
 * Routing fails closed. A country a stack lists is residency-bound to that stack's jurisdiction:
 * its viewers' accounts live there. Route 53 skips a geolocation record whose health check fails
 * (or whose alias target is unhealthy, with `evaluateTargetHealth`) and answers with the next
 * broader match, the continent record or the default record, which is another jurisdiction's
 * stack (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html). So no
 * geolocation record carries a health check or evaluates its target's health: a record without
 * one is always healthy to Route 53, and a Saudi viewer is answered with the Saudi stack during
 * its outage too (and sees that region's errors), never with the US stack. The health check is
 * kept for monitoring (its status is a CloudWatch metric), attached to no geolocation record; the
 * `residency-routing-fails-closed` policy rule refuses a plan that attaches one.
 */
export class GeoDns extends pulumi.ComponentResource {
  public readonly regionalHostname: string;
  public readonly sharedHostname: string;
  public readonly healthCheckId: pulumi.Output<string>;

  constructor(name: string, args: GeoDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:dns:GeoDns", name, {}, opts);
    const { shared, regional } = apiHostnames(args.domain, args.regionLabel);
    const sharedTarget = args.targets[shared];
    const regionalTarget = args.targets[regional];
    if (sharedTarget === undefined || regionalTarget === undefined) {
      throw new pulumi.ResourceError(`targets must name ${shared} and ${regional}`, this);
    }
    const unknown = args.countries.filter((country) => !GEOLOCATION_COUNTRY_CODES.has(country));
    if (unknown.length > 0) {
      throw new pulumi.ResourceError(
        `countries ${JSON.stringify(unknown)}: Route 53 geolocation takes ISO 3166-1 alpha-2 codes in capitals, such as SA (the default record is isDefault, not "*")`,
        this,
      );
    }
    const repeated = args.countries.filter(
      (country, index) => args.countries.indexOf(country) !== index,
    );
    if (repeated.length > 0) {
      // Two records of one name and location would collide in the zone.
      throw new pulumi.ResourceError(
        `countries ${JSON.stringify(repeated)} are listed twice`,
        this,
      );
    }
    if (!args.isDefault && args.countries.length === 0) {
      throw new pulumi.ResourceError(
        "a stack with no country and no default record is unreachable",
        this,
      );
    }
    const parent = { parent: this };

    const health = new aws.route53.HealthCheck(
      `${name}-api`,
      {
        type: "HTTPS",
        fqdn: regional,
        port: 443,
        resourcePath: args.healthCheckPath ?? "/health",
        enableSni: true,
        requestInterval: 30,
        failureThreshold: 3,
        measureLatency: true,
        tags: { Name: regional },
      },
      parent,
    );
    new aws.route53.Record(
      `${name}-${regional}`,
      {
        zoneId: args.hostedZoneId,
        name: regional,
        type: "A",
        aliases: [
          {
            name: regionalTarget.dnsName,
            zoneId: regionalTarget.zoneId,
            evaluateTargetHealth: true,
          },
        ],
      },
      parent,
    );
    const geoRecord = (
      identifier: string,
      location: aws.types.input.route53.RecordGeolocationRoutingPolicy,
    ) =>
      new aws.route53.Record(
        `${name}-${shared}-${identifier}`,
        {
          zoneId: args.hostedZoneId,
          name: shared,
          type: "A",
          setIdentifier: `${args.regionLabel}-${identifier}`,
          geolocationRoutingPolicies: [location],
          // No healthCheckId and no evaluateTargetHealth: either would let Route 53 skip this
          // record and answer with another jurisdiction's record (see the class comment).
          aliases: [
            {
              name: sharedTarget.dnsName,
              zoneId: sharedTarget.zoneId,
              evaluateTargetHealth: false,
            },
          ],
        },
        parent,
      );
    for (const country of args.countries) {
      geoRecord(country.toLowerCase(), { country });
    }
    if (args.isDefault) {
      geoRecord("default", { country: "*" });
    }

    this.regionalHostname = regional;
    this.sharedHostname = shared;
    this.healthCheckId = health.id;
    this.registerOutputs({ healthCheckId: this.healthCheckId });
  }
}
