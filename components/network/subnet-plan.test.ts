import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { blockSize, contains, formatCidr, overlaps, parseCidr, type Ipv4Block } from "./cidr";
import { MAX_ZONES, SUBNET_TIERS, planSubnets, type ZoneSubnets } from "./subnet-plan";

const ZONE_NAMES = [
  "eu-central-1a",
  "eu-central-1b",
  "eu-central-1c",
  "eu-central-1d",
  "eu-central-1e",
] as const;

/** A private VPC CIDR from one of the RFC 1918 ranges, /16 to /19. */
const vpcCidrArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
    fc.integer({ min: 16, max: 19 }),
  )
  .chain(([rangeCidr, prefix]) => {
    const range = parseCidr(rangeCidr);
    return fc
      .integer({ min: 0, max: blockSize(range.prefix) / blockSize(prefix) - 1 })
      .map((index) => formatCidr({ base: range.base + index * blockSize(prefix), prefix }));
  });

/** 1..MAX_ZONES distinct zone names, in random order. */
const zonesArb: fc.Arbitrary<string[]> = fc.uniqueArray(
  fc.stringMatching(/^[a-z]{2}-[a-z]+-[1-9][a-f]$/),
  { minLength: 1, maxLength: MAX_ZONES },
);

const subnetsOf = (plan: readonly ZoneSubnets[]): Ipv4Block[] =>
  plan.flatMap((zone) => SUBNET_TIERS.map((tier) => parseCidr(zone[tier])));

const cidrsOf = (zone: ZoneSubnets | undefined): Omit<ZoneSubnets, "zone"> | undefined =>
  zone === undefined
    ? undefined
    : { public: zone.public, private: zone.private, isolated: zone.isolated };

describe("planSubnets", () => {
  it("lays out 10.20.0.0/16 over three zones", () => {
    // Slots in order: 4 private /19s, then 4 isolated /22s, then 4 public /24s.
    expect(
      planSubnets("10.20.0.0/16", ["eu-central-1a", "eu-central-1b", "eu-central-1c"]),
    ).toEqual([
      {
        zone: "eu-central-1a",
        private: "10.20.0.0/19",
        isolated: "10.20.128.0/22",
        public: "10.20.144.0/24",
      },
      {
        zone: "eu-central-1b",
        private: "10.20.32.0/19",
        isolated: "10.20.132.0/22",
        public: "10.20.145.0/24",
      },
      {
        zone: "eu-central-1c",
        private: "10.20.64.0/19",
        isolated: "10.20.136.0/22",
        public: "10.20.146.0/24",
      },
    ]);
  });

  it("lays out the smallest VPC, a /19, with /27 public subnets", () => {
    expect(planSubnets("192.168.32.0/19", ["a", "b", "c", "d"])).toEqual([
      {
        zone: "a",
        private: "192.168.32.0/22",
        isolated: "192.168.48.0/25",
        public: "192.168.50.0/27",
      },
      {
        zone: "b",
        private: "192.168.36.0/22",
        isolated: "192.168.48.128/25",
        public: "192.168.50.32/27",
      },
      {
        zone: "c",
        private: "192.168.40.0/22",
        isolated: "192.168.49.0/25",
        public: "192.168.50.64/27",
      },
      {
        zone: "d",
        private: "192.168.44.0/22",
        isolated: "192.168.49.128/25",
        public: "192.168.50.96/27",
      },
    ]);
  });

  it("keeps every subnet inside the VPC, disjoint, and public subnets at least /27", () => {
    fc.assert(
      fc.property(vpcCidrArb, zonesArb, (vpcCidr, zones) => {
        const vpc = parseCidr(vpcCidr);
        const plan = planSubnets(vpcCidr, zones);
        const subnets = subnetsOf(plan);
        expect(subnets).toHaveLength(zones.length * 3);
        subnets.forEach((subnet, i) => {
          expect(contains(vpc, subnet), formatCidr(subnet)).toBe(true);
          for (const other of subnets.slice(i + 1)) {
            expect(overlaps(subnet, other), `${formatCidr(subnet)} vs ${formatCidr(other)}`).toBe(
              false,
            );
          }
        });
        for (const zone of plan) {
          expect(parseCidr(zone.public).prefix).toBeLessThanOrEqual(27);
        }
      }),
    );
  });

  it("gives each zone, in order, its three tiers sized relative to the VPC", () => {
    fc.assert(
      fc.property(vpcCidrArb, zonesArb, (vpcCidr, zones) => {
        const vpc = parseCidr(vpcCidr);
        const plan = planSubnets(vpcCidr, zones);
        expect(plan.map((zone) => zone.zone)).toEqual(zones);
        for (const zone of plan) {
          expect(Object.keys(zone).sort()).toEqual(["isolated", "private", "public", "zone"]);
          expect(parseCidr(zone.private).prefix).toBe(vpc.prefix + 3);
          expect(parseCidr(zone.isolated).prefix).toBe(vpc.prefix + 6);
          expect(parseCidr(zone.public).prefix).toBe(vpc.prefix + 8);
        }
      }),
    );
  });

  it("keeps the plan of the first zones when zones are added", () => {
    fc.assert(
      fc.property(vpcCidrArb, (vpcCidr) => {
        const plans = [2, 3, 4].map((count) => planSubnets(vpcCidr, ZONE_NAMES.slice(0, count)));
        for (const plan of plans) {
          for (const other of plans) {
            const k = Math.min(plan.length, other.length);
            expect(plan.slice(0, k)).toEqual(other.slice(0, k));
          }
        }
        // And a single zone is the head of every larger plan.
        const single = planSubnets(vpcCidr, ZONE_NAMES.slice(0, 1));
        expect(plans[2]?.slice(0, 1)).toEqual(single);
      }),
    );
  });

  it("depends on a zone's slot, not its name", () => {
    fc.assert(
      fc.property(vpcCidrArb, zonesArb, zonesArb, (vpcCidr, a, b) => {
        const planA = planSubnets(vpcCidr, a);
        const planB = planSubnets(vpcCidr, b);
        const k = Math.min(a.length, b.length);
        for (let i = 0; i < k; i++) {
          expect(cidrsOf(planA[i])).toEqual(cidrsOf(planB[i]));
        }
      }),
    );
  });

  it("rejects zero zones", () => {
    expect(() => planSubnets("10.20.0.0/16", [])).toThrow(
      new Error(`expected 1 to ${MAX_ZONES} zones, got 0`),
    );
  });

  it("rejects more than MAX_ZONES zones", () => {
    expect(MAX_ZONES).toBe(4);
    expect(() => planSubnets("10.20.0.0/16", ZONE_NAMES.slice(0, MAX_ZONES + 1))).toThrow(
      new Error(`expected 1 to ${MAX_ZONES} zones, got ${MAX_ZONES + 1}`),
    );
  });

  it("rejects duplicate zones", () => {
    expect(() =>
      planSubnets("10.20.0.0/16", ["eu-central-1a", "eu-central-1b", "eu-central-1a"]),
    ).toThrow(new Error("zones must be distinct, got eu-central-1a, eu-central-1b, eu-central-1a"));
  });

  it("rejects an invalid VPC CIDR", () => {
    expect(() => planSubnets("10.20.1.0/16", ["a"])).toThrow(
      new Error("10.20.1.0/16 has host bits set; did you mean 10.20.0.0/16?"),
    );
  });
});
