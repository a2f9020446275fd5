import { z } from "zod";
import {
  integer,
  ipv4CidrProblem,
  retentionDays,
  type SettingsIssue,
  documentSettings,
} from "../shared/settings";
import { DEFAULT_LOG_RETENTION_DAYS } from "../shared/logs";
import { isPrivateIpv4Cidr } from "./cidr";
import { DEFAULT_INTERFACE_ENDPOINTS } from "./network";

const CIDR_ALLOWED =
  "expected a private (RFC 1918) IPv4 CIDR from /16 to /19 with no host bits set, such as 10.20.0.0/16";

/**
 * The CIDR of one of the platform's VPCs: a private (RFC 1918) range from /16 to /19 with no host
 * bits set (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
 */
export const vpcCidr = z.string({ error: CIDR_ALLOWED }).superRefine((value, ctx) => {
  const problem =
    ipv4CidrProblem(value, 16, 19) ??
    (isPrivateIpv4Cidr(value, 16, 19) ? undefined : "not a private (RFC 1918) range");
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", input: value, message: `${problem}; ${CIDR_ALLOWED}` });
  }
});

/** The regional VPC, as a stack's `network` configures it. */
export const networkSettingsSchema = z.strictObject({
  /** IPv4 CIDR of the VPC: a private (RFC 1918) range from /16 to /19. */
  cidr: vpcCidr,
  /** Availability zones to span. @default 3 */
  azCount: integer(2, 4).default(3),
  /** Pin the zones by name; by default the first `azCount` available zones of the region. */
  availabilityZones: z
    .array(
      z.string().regex(/^[a-z0-9-]+[a-z]$/, { error: "expected a zone name such as me-south-1a" }),
    )
    .optional(),
  /** Interface endpoints (service suffixes such as `ecr.api`). @default DEFAULT_INTERFACE_ENDPOINTS */
  interfaceEndpoints: z
    .array(
      z.string().regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/, {
        error: "expected a service suffix such as ecr.api",
      }),
    )
    .default([...DEFAULT_INTERFACE_ENDPOINTS]),
  /** Retention of VPC flow logs. @default 365 */
  flowLogRetentionDays: retentionDays.default(DEFAULT_LOG_RETENTION_DAYS),
});

/** The regional VPC's settings, every default resolved. */
export type NetworkSettings = z.output<typeof networkSettingsSchema>;

documentSettings(networkSettingsSchema, {
  cidr: {
    description: "the VPC; a network address (no host bits); stacks must not overlap",
    typeText: "private IPv4 CIDR /16-/19",
  },
  azCount: { description: "zones to span", typeText: "2-4" },
  availabilityZones: {
    description: "pin zones (order = subnet slots)",
    typeText: "list of zone names",
    defaultText: "first `azCount` by name",
  },
  interfaceEndpoints: {
    description: "interface endpoints",
    typeText: "list of service suffixes",
    defaultText: "`ecr.api ecr.dkr sts sqs secretsmanager kms`",
  },
  flowLogRetentionDays: { description: "flow-log retention", typeText: "CloudWatch retention" },
});

/** What is wrong between the network's own settings: pinned zones that are not azCount many. */
export function networkProblems(network: NetworkSettings): SettingsIssue[] {
  const zones = network.availabilityZones;
  return zones !== undefined && zones.length !== network.azCount
    ? [
        {
          path: ["availabilityZones"],
          input: zones,
          message: `expected exactly azCount (${network.azCount}) zones`,
        },
      ]
    : [];
}
