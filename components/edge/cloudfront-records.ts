import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { CLOUDFRONT_HOSTED_ZONE_ID } from "./edge-policies";

/** Arguments of `cloudFrontAliasRecords`. */
export interface CloudFrontAliasRecordsArgs {
  /** The public hosted zone the records go into. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The name viewers use. */
  readonly hostname: pulumi.Input<string>;
  /** The distribution's `*.cloudfront.net` name. */
  readonly distributionDomainName: pulumi.Input<string>;
}

/**
 * The A and AAAA alias records (`<prefix>-a`, `<prefix>-aaaa`) that point a name at a CloudFront
 * distribution, which answers on IPv4 and IPv6.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-cloudfront-distribution.html
 */
export function cloudFrontAliasRecords(
  prefix: string,
  args: CloudFrontAliasRecordsArgs,
  parent: pulumi.Resource,
): aws.route53.Record[] {
  return (["A", "AAAA"] as const).map(
    (type) =>
      new aws.route53.Record(
        `${prefix}-${type.toLowerCase()}`,
        {
          zoneId: args.hostedZoneId,
          name: args.hostname,
          type,
          aliases: [
            {
              name: args.distributionDomainName,
              zoneId: CLOUDFRONT_HOSTED_ZONE_ID,
              evaluateTargetHealth: false,
            },
          ],
        },
        { parent },
      ),
  );
}
