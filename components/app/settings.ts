import { z } from "zod";
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from "../security/waf-rules";
import { integer, type SettingsIssue } from "../shared/settings";

/** The PHP monolith of a stack: its instances, scaling, health check and rate limit. */
export const monolithSettingsSchema = z
  .strictObject({
    /**
     * How the PHP app runs: instances behind an ALB and its WAF. The Lambda mode was removed: an
     * API Gateway HTTP API takes no WAF, and it had no VPC path to the user store. @default "ec2"
     */
    mode: z
      .literal("ec2", {
        error:
          'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
      })
      .default("ec2"),
    /** Instance type (Graviton, to match the arm64 image). @default "m7g.large" */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*g[a-z0-9-]*\.[a-z0-9]+$/, {
        error: "expected a Graviton (arm64) instance type such as m7g.large",
      })
      .default("m7g.large"),
    /** Instances the group keeps at least. @default 2 */
    minSize: integer(1, 100).default(2),
    /** Instances the group scales to at most. @default 6 */
    maxSize: integer(1, 100).default(6),
    /** Instances the group starts with. @default minSize */
    desiredCapacity: integer(1, 100).optional(),
    /** Average CPU the group keeps, in percent. @default 60 */
    cpuTargetPercent: integer(10, 95).default(60),
    /** Average memory use the group keeps, in percent. @default 70 */
    memoryTargetPercent: integer(10, 95).default(70),
    /** Path of the load balancer's and Route 53's health checks. @default "/health" */
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_-]*$/, { error: "expected a path such as /health" })
      .default("/health"),
    /** Requests per five minutes one IP may send, within AWS WAF's bounds. @default 2000 */
    rateLimitPerFiveMinutes: integer(MIN_RATE_LIMIT, MAX_RATE_LIMIT).default(2000),
    /** An existing ACM certificate for the API, required when dns.enabled is false. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
        error: "expected an ACM certificate ARN",
      })
      .optional(),
  })
  .prefault({});

/** The monolith's settings, every default resolved. */
export type MonolithSettings = z.output<typeof monolithSettingsSchema>;

/** The monolith's defaults: what the schema gives a stack that sets nothing. */
export const MONOLITH_DEFAULTS: MonolithSettings = monolithSettingsSchema.parse(undefined);

/** What is wrong between the monolith's sizes: the minimum above the maximum, or desired outside. */
export function monolithProblems(monolith: MonolithSettings): SettingsIssue[] {
  const problems: SettingsIssue[] = [];
  if (monolith.minSize > monolith.maxSize) {
    problems.push({
      path: ["maxSize"],
      input: monolith.maxSize,
      message: `expected at least minSize (${monolith.minSize})`,
    });
  }
  const desired = monolith.desiredCapacity;
  if (desired !== undefined && (desired < monolith.minSize || desired > monolith.maxSize)) {
    problems.push({
      path: ["desiredCapacity"],
      input: desired,
      message: `expected a value from minSize to maxSize (${monolith.minSize} to ${monolith.maxSize})`,
    });
  }
  return problems;
}
