import { describe, expect, it } from "vitest";
import { DEFAULT_INTERFACE_ENDPOINTS } from "./network";
import { networkProblems, networkSettingsSchema, vpcCidr } from "./settings";

describe("network settings", () => {
  it("resolves the zone count, endpoints and flow-log retention", () => {
    expect(networkSettingsSchema.parse({ cidr: "10.20.0.0/16" })).toEqual({
      cidr: "10.20.0.0/16",
      azCount: 3,
      interfaceEndpoints: [...DEFAULT_INTERFACE_ENDPOINTS],
      flowLogRetentionDays: 365,
    });
  });

  it("takes only private /16 to /19 ranges as a VPC's CIDR", () => {
    expect(vpcCidr.safeParse("10.20.0.0/16").success).toBe(true);
    expect(vpcCidr.safeParse("172.16.0.0/19").success).toBe(true);
    expect(vpcCidr.safeParse("8.8.0.0/16").success).toBe(false);
    expect(vpcCidr.safeParse("10.20.0.0/20").success).toBe(false);
  });

  it("finds pinned zones that are not azCount many", () => {
    const settings = networkSettingsSchema.parse({
      cidr: "10.20.0.0/16",
      azCount: 2,
      availabilityZones: ["me-south-1a"],
    });
    expect(networkProblems(settings)).toEqual([
      {
        path: ["availabilityZones"],
        input: ["me-south-1a"],
        message: "expected exactly azCount (2) zones",
      },
    ]);
  });
});
