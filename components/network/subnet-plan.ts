import { allocate, formatCidr, parseCidr } from "./cidr";

/**
 * The subnet layout of a VPC. Each zone gets three tiers:
 * - private (compute: instances, pods), one eighth of the VPC each;
 * - isolated (data: databases, caches; no route to the internet), one 64th each;
 * - public (load balancers and NAT gateways only), one 256th each.
 *
 * Slots for `MAX_ZONES` zones are always reserved, in that order, so adding or removing a zone
 * never moves the CIDR of another zone's subnet (a moved CIDR would replace the subnet and
 * everything in it).
 */
export const MAX_ZONES = 4;

const TIER_PREFIX_OFFSETS = { private: 3, isolated: 6, public: 8 } as const;

/** A subnet tier. */
export type SubnetTier = keyof typeof TIER_PREFIX_OFFSETS;
export const SUBNET_TIERS: readonly SubnetTier[] = ["public", "private", "isolated"];

/** The CIDRs of one zone's subnets. */
export interface ZoneSubnets {
  readonly zone: string;
  readonly public: string;
  readonly private: string;
  readonly isolated: string;
}

/** Lays out the subnets of `zones` (at most `MAX_ZONES`, in slot order) inside `vpcCidr`. */
export function planSubnets(vpcCidr: string, zones: readonly string[]): ZoneSubnets[] {
  if (zones.length === 0 || zones.length > MAX_ZONES) {
    throw new Error(`expected 1 to ${MAX_ZONES} zones, got ${zones.length}`);
  }
  if (new Set(zones).size !== zones.length) {
    throw new Error(`zones must be distinct, got ${zones.join(", ")}`);
  }
  const vpc = parseCidr(vpcCidr);
  const order: readonly SubnetTier[] = ["private", "isolated", "public"];
  const blocks = allocate(
    vpc,
    order.flatMap((tier) => Array<number>(MAX_ZONES).fill(vpc.prefix + TIER_PREFIX_OFFSETS[tier])),
  ).map(formatCidr);
  const slot = (tier: SubnetTier, index: number): string => {
    const cidr = blocks[order.indexOf(tier) * MAX_ZONES + index];
    if (cidr === undefined) {
      throw new Error(`no ${tier} slot ${index} in ${vpcCidr}`);
    }
    return cidr;
  };
  return zones.map((zone, index) => ({
    zone,
    public: slot("public", index),
    private: slot("private", index),
    isolated: slot("isolated", index),
  }));
}
