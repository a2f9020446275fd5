/**
 * The mock account and its regions: the account id and partition every mocked ARN carries, each
 * region's name and Availability Zones (with the zone ids a typical account sees), and the hosted
 * zone of each region's load balancers.
 */

/** The account every mocked call answers for. */
export const MOCK_ACCOUNT_ID = "111122223333";
/** The partition every mocked ARN is in. */
export const MOCK_PARTITION = "aws";

interface RegionData {
  readonly description: string;
  /** Zone names with their zone ids, as a typical account sees them. */
  readonly zones: readonly (readonly [name: string, zoneId: string])[];
}

const REGIONS: Readonly<Record<string, RegionData>> = {
  "us-east-1": {
    description: "US East (N. Virginia)",
    zones: [
      ["us-east-1a", "use1-az6"],
      ["us-east-1b", "use1-az1"],
      ["us-east-1c", "use1-az2"],
      ["us-east-1d", "use1-az4"],
      ["us-east-1e", "use1-az3"],
      ["us-east-1f", "use1-az5"],
    ],
  },
  "us-east-2": {
    description: "US East (Ohio)",
    zones: [
      ["us-east-2a", "use2-az1"],
      ["us-east-2b", "use2-az2"],
      ["us-east-2c", "use2-az3"],
    ],
  },
  "us-west-2": {
    description: "US West (Oregon)",
    zones: [
      ["us-west-2a", "usw2-az2"],
      ["us-west-2b", "usw2-az1"],
      ["us-west-2c", "usw2-az3"],
      ["us-west-2d", "usw2-az4"],
    ],
  },
  "me-south-1": {
    description: "Middle East (Bahrain)",
    zones: [
      ["me-south-1a", "mes1-az1"],
      ["me-south-1b", "mes1-az2"],
      ["me-south-1c", "mes1-az3"],
    ],
  },
  "me-central-1": {
    description: "Middle East (UAE)",
    zones: [
      ["me-central-1a", "mec1-az1"],
      ["me-central-1b", "mec1-az2"],
      ["me-central-1c", "mec1-az3"],
    ],
  },
  "me-west-1": {
    description: "Middle East (Saudi Arabia)",
    zones: [
      ["me-west-1a", "mew1-az1"],
      ["me-west-1b", "mew1-az2"],
      ["me-west-1c", "mew1-az3"],
    ],
  },
};

/** Hosted zone ids of Application Load Balancers per region (what alias records point at). */
export const ALB_ZONE_IDS: Readonly<Record<string, string>> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-2": "Z1H1FL5HABSF5",
  "me-south-1": "ZS929ML54UICD",
};

/** Zones of a region; regions not in the table get three zones named the usual way. */
export function zonesOf(region: string): readonly (readonly [string, string])[] {
  const known = REGIONS[region];
  if (known !== undefined) {
    return known.zones;
  }
  const short = region.replace(/-([a-z])[a-z]+-/, "$1").replace(/-/g, "");
  return ["a", "b", "c"].map(
    (letter, index) => [`${region}${letter}`, `${short}-az${index + 1}`] as const,
  );
}

/** The region's description (for example "Middle East (Bahrain)"); the code when unknown. */
export function regionDescription(region: string): string {
  return REGIONS[region]?.description ?? region;
}
