import type * as aws from "@pulumi/aws";

type WafRule = aws.types.input.wafv2.WebAclRule;
type WafStatement = aws.types.input.wafv2.WebAclRuleStatement;

/** AWS managed rule groups every web ACL of the platform runs, in priority order. */
export const MANAGED_RULE_GROUPS: readonly string[] = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesSQLiRuleSet",
];

/**
 * The Common rule set's rule that blocks request bodies over 8 KB, and the label it puts on every
 * request it matches, whatever its action. Names as published in the AWS WAF developer guide,
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 */
export const BODY_SIZE_RULE = "SizeRestrictions_BODY";
export const BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body";

/** The name of the rule that re-applies the 8 KB body limit outside the large-body paths. */
export const BODY_SIZE_OUTSIDE_LARGE_BODY_PATHS = "BodyOver8KbOutsideLargeBodyPaths";

/** AWS WAF's limit on a byte match statement's search string, in bytes. */
export const MAX_PATH_PREFIX_LENGTH = 200;
/** How many large-body prefixes a web ACL takes: each costs capacity (WCUs) on every request. */
export const MAX_LARGE_BODY_PATH_PREFIXES = 10;
/**
 * AWS WAF's bounds on a rate-based rule's limit, requests per five minutes.
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
 */
export const MIN_RATE_LIMIT = 10;
export const MAX_RATE_LIMIT = 2_000_000_000;

const COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet";

// "/" then one or more segments of unreserved characters, each followed by "/".
const PATH_PREFIX = /^\/(?:[A-Za-z0-9._~-]+\/)+$/;

/**
 * Why these large-body path prefixes cannot be used; empty when they can. A prefix is a path
 * that starts and ends with "/" (so `/api/` never covers `/apix`), with no `.` or `..` segment
 * and no wildcard, at most 200 characters; at most 10 prefixes, none twice.
 */
export function largeBodyPathPrefixProblems(prefixes: readonly string[]): string[] {
  const problems: string[] = [];
  if (prefixes.length > MAX_LARGE_BODY_PATH_PREFIXES) {
    problems.push(
      `largeBodyPathPrefixes has ${prefixes.length} prefixes: at most ${MAX_LARGE_BODY_PATH_PREFIXES}`,
    );
  }
  prefixes.forEach((prefix, index) => {
    const field = `largeBodyPathPrefixes[${index}]`;
    const dotSegment = prefix.split("/").some((segment) => segment === "." || segment === "..");
    if (!PATH_PREFIX.test(prefix) || dotSegment) {
      problems.push(
        `${field} = ${JSON.stringify(prefix)}: expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."`,
      );
    } else if (prefix.length > MAX_PATH_PREFIX_LENGTH) {
      problems.push(
        `${field} has ${prefix.length} characters: AWS WAF matches at most ${MAX_PATH_PREFIX_LENGTH}`,
      );
    } else if (prefixes.indexOf(prefix) !== index) {
      problems.push(`${field} = ${JSON.stringify(prefix)}: listed twice`);
    }
  });
  return problems;
}

/**
 * The rules of a web ACL: the managed groups (IP reputation first, so known-bad sources are
 * dropped before anything else is inspected), then a rate-based rule that blocks any single IP
 * above `ratePerFiveMinutes` requests in five minutes.
 *
 * The Common rule set blocks every body over 8 KB. Paths listed in `largeBodyPathPrefixes` may
 * take larger bodies: that one rule of the group only counts (it still labels the request), and
 * the rule right after the group blocks a labelled request unless its path, URL-decoded and
 * normalized, starts with one of the prefixes. Every other rule of every group keeps blocking,
 * and with no prefixes (the default) the group is used as AWS ships it.
 */
export function webAclRules(
  metricPrefix: string,
  ratePerFiveMinutes: number,
  largeBodyPathPrefixes: readonly string[] = [],
): WafRule[] {
  const problems = largeBodyPathPrefixProblems(largeBodyPathPrefixes);
  if (
    !Number.isInteger(ratePerFiveMinutes) ||
    ratePerFiveMinutes < MIN_RATE_LIMIT ||
    ratePerFiveMinutes > MAX_RATE_LIMIT
  ) {
    problems.unshift(
      `rate limit ${ratePerFiveMinutes}: expected an integer from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT} requests per five minutes`,
    );
  }
  if (problems.length > 0) {
    throw new Error(problems.join("; "));
  }
  const visibility = (name: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${metricPrefix}-${name}`,
  });
  const liftBodyLimit = largeBodyPathPrefixes.length > 0;
  const rules: Omit<WafRule, "priority">[] = [];
  for (const group of MANAGED_RULE_GROUPS) {
    const scoped = liftBodyLimit && group === COMMON_RULE_SET;
    rules.push({
      name: group,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: group,
          ...(scoped
            ? { ruleActionOverrides: [{ name: BODY_SIZE_RULE, actionToUse: { count: {} } }] }
            : {}),
        },
      },
      visibilityConfig: visibility(group),
    });
    if (scoped) {
      rules.push(bodyLimitOutside(largeBodyPathPrefixes, visibility));
    }
  }
  rules.push({
    name: "RateLimitPerIp",
    action: { block: {} },
    statement: {
      rateBasedStatement: {
        limit: ratePerFiveMinutes,
        aggregateKeyType: "IP",
        evaluationWindowSec: 300,
      },
    },
    visibilityConfig: visibility("RateLimitPerIp"),
  });
  return rules.map((rule, index) => ({ ...rule, priority: index + 1 }));
}

/**
 * Blocks a request the Common rule set labelled as having a body over 8 KB unless its path is
 * under one of `prefixes`. It reads the label and the URI path only, never the body, so what WAF
 * can inspect of a body (8 KB behind an ALB, 16 KB by default behind CloudFront) and the
 * oversize handling of body inspection do not apply to it: the managed rule already decided on
 * the size. Under the prefixes the group's other body rules inspect only what WAF receives.
 * https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html
 */
function bodyLimitOutside(
  prefixes: readonly string[],
  visibility: (name: string) => WafRule["visibilityConfig"],
): Omit<WafRule, "priority"> {
  const underPrefix = (prefix: string): WafStatement => ({
    byteMatchStatement: {
      searchString: prefix,
      positionalConstraint: "STARTS_WITH",
      fieldToMatch: { uriPath: {} },
      // Decoded, then `//`, `./` and `../` resolved, so `/api/%2e%2e/admin` is not under /api/.
      textTransformations: [
        { priority: 0, type: "URL_DECODE" },
        { priority: 1, type: "NORMALIZE_PATH" },
      ],
    },
  });
  const [first, ...more] = prefixes.map(underPrefix);
  if (first === undefined) {
    throw new Error(
      "largeBodyPathPrefixes is empty: the Common rule set's body limit applies as is",
    );
  }
  // An OR statement needs two statements or more.
  const exempt = more.length === 0 ? first : { orStatement: { statements: [first, ...more] } };
  return {
    name: BODY_SIZE_OUTSIDE_LARGE_BODY_PATHS,
    action: { block: {} },
    statement: {
      andStatement: {
        statements: [
          { labelMatchStatement: { scope: "LABEL", key: BODY_SIZE_LABEL } },
          { notStatement: { statement: exempt } },
        ],
      },
    },
    visibilityConfig: visibility(BODY_SIZE_OUTSIDE_LARGE_BODY_PATHS),
  };
}
