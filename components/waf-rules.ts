import type * as aws from "@pulumi/aws";

type WafRule = aws.types.input.wafv2.WebAclRule;

/** AWS managed rule groups every web ACL of the platform runs, in priority order. */
export const MANAGED_RULE_GROUPS: readonly string[] = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesSQLiRuleSet",
];

/**
 * The rules of a web ACL: the managed groups (IP reputation first, so known-bad sources are
 * dropped before anything else is inspected), then a rate-based rule that blocks any single IP
 * above `ratePerFiveMinutes` requests in five minutes.
 */
export function webAclRules(metricPrefix: string, ratePerFiveMinutes: number): WafRule[] {
  if (
    !Number.isInteger(ratePerFiveMinutes) ||
    ratePerFiveMinutes < 10 ||
    ratePerFiveMinutes > 2_000_000_000
  ) {
    throw new Error(
      `rate limit ${ratePerFiveMinutes}: expected an integer from 10 to 2000000000 requests per five minutes`,
    );
  }
  const visibility = (name: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${metricPrefix}-${name}`,
  });
  const managed: WafRule[] = MANAGED_RULE_GROUPS.map((group, index) => ({
    name: group,
    priority: index + 1,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
    visibilityConfig: visibility(group),
  }));
  return [
    ...managed,
    {
      name: "RateLimitPerIp",
      priority: managed.length + 1,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: ratePerFiveMinutes,
          aggregateKeyType: "IP",
          evaluationWindowSec: 300,
        },
      },
      visibilityConfig: visibility("RateLimitPerIp"),
    },
  ];
}
