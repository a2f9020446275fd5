/**
 * The regional WAF in front of the monolith's load balancer: the managed rule groups and a rate
 * limit (`webAclRules`), logged to CloudWatch Logs with credentials and cookies redacted.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { webAclRules } from "../security/waf-rules";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";

/** Arguments of `createWaf`. */
export interface WafArgs {
  /** The region, which the log group's name carries (WAF log group names are per account). */
  readonly region: string;
  /** The load balancer the web ACL protects. */
  readonly loadBalancerArn: pulumi.Input<string>;
  /** Requests per five minutes one IP may send before it is blocked. */
  readonly rateLimitPerFiveMinutes: number;
  /** Path prefixes whose requests may carry bodies over 8 KB. */
  readonly largeBodyPathPrefixes: readonly string[];
  /** The telemetry key, once its policy lets CloudWatch Logs use it. */
  readonly logsKeyArn: pulumi.Input<string>;
  /** How long the WAF's logs are kept. */
  readonly logRetentionDays: LogRetentionDays;
}

/** What `createWaf` creates. */
export interface Waf {
  /** The web ACL. */
  readonly webAcl: aws.wafv2.WebAcl;
}

/** The web ACL `${name}-waf`, its association with the load balancer and its logs. */
export function createWaf(name: string, args: WafArgs, parent: pulumi.Resource): Waf {
  const opts = { parent };
  const webAcl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: webAclRules(`${name}-waf`, args.rateLimitPerFiveMinutes, args.largeBodyPathPrefixes),
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `${name}-waf`,
      },
    },
    opts,
  );
  new aws.wafv2.WebAclAssociation(
    `${name}-waf`,
    { resourceArn: args.loadBalancerArn, webAclArn: webAcl.arn },
    opts,
  );
  // WAF only logs to log groups whose name starts with aws-waf-logs-
  // (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
  const wafLogs = encryptedLogGroup(
    `${name}-waf-logs`,
    {
      name: `aws-waf-logs-${name}-${args.region}`,
      kmsKeyArn: args.logsKeyArn,
      retentionDays: args.logRetentionDays,
    },
    parent,
  );
  new aws.wafv2.WebAclLoggingConfiguration(
    `${name}-waf`,
    {
      resourceArn: webAcl.arn,
      logDestinationConfigs: [wafLogs.arn],
      // Credentials and session cookies never reach the logs.
      redactedFields: [
        { singleHeader: { name: "authorization" } },
        { singleHeader: { name: "cookie" } },
      ],
    },
    opts,
  );
  return { webAcl };
}
