/**
 * What every Application Load Balancer of the platform shares: its TLS policy, and the alias
 * target DNS records point at.
 */
import type * as pulumi from "@pulumi/pulumi";

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Where DNS points for the API: an alias target. */
export interface AliasTarget {
  /** The load balancer's DNS name. */
  readonly dnsName: pulumi.Output<string>;
  /** The load balancer's canonical hosted zone. */
  readonly zoneId: pulumi.Output<string>;
}
