/**
 * Answers for the data sources (invokes) the program calls. An invoke that is not listed here
 * throws: a new data source must be answered deliberately, with realistic values.
 */
import { MOCK_ACCOUNT_ID, MOCK_PARTITION, regionDescription, stableHex, zonesOf } from "./aws-data";

type Inputs = Readonly<Record<string, unknown>>;
type Answer = (inputs: Inputs, region: string) => Record<string, unknown>;

/** Regions an account must opt in to (those launched after March 2019). */
function isOptInRegion(region: string): boolean {
  return [
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
    "eu-south-1",
    "ap-southeast-3",
    "il-central-1",
  ].includes(region);
}

/** The Amazon Linux 2023 image the public SSM parameters resolve to, per architecture. */
export function al2023ImageId(region: string, parameter: string): string {
  return `ami-0${stableHex(16, region, parameter)}`;
}

const ANSWERS: Readonly<Record<string, Answer>> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs, region) => {
    // Answer the filters the way EC2 does: every zone here is an availability zone, and the zones
    // of an opt-in region (such as me-south-1) are "opted-in", not "opt-in-not-required".
    const attributes = {
      "zone-type": "availability-zone",
      "opt-in-status": isOptInRegion(region) ? "opted-in" : "opt-in-not-required",
    };
    const filters = Array.isArray(inputs.filters)
      ? (inputs.filters as { name?: unknown; values?: unknown }[])
      : [];
    const unknown = filters.find((filter) => !(String(filter.name) in attributes));
    if (unknown !== undefined) {
      throw new Error(`no mock answer for the availability-zone filter ${String(unknown.name)}`);
    }
    const matches = filters.every((filter) =>
      (Array.isArray(filter.values) ? filter.values : []).includes(
        attributes[String(filter.name) as keyof typeof attributes],
      ),
    );
    const zones = matches ? zonesOf(region) : [];
    return {
      id: region,
      names: zones.map(([name]) => name),
      zoneIds: zones.map(([, zoneId]) => zoneId),
      groupNames: zones.map(() => region),
      state: "available",
    };
  },
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: MOCK_ACCOUNT_ID,
    accountId: MOCK_ACCOUNT_ID,
    arn: `arn:${MOCK_PARTITION}:sts::${MOCK_ACCOUNT_ID}:assumed-role/platform-deployer/pulumi`,
    userId: "AROAEXAMPLEDEPLOYER:pulumi",
  }),
  "aws:index/getPartition:getPartition": () => ({
    id: MOCK_PARTITION,
    partition: MOCK_PARTITION,
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:index/getRegion:getRegion": (_inputs, region) => ({
    id: region,
    region,
    name: region,
    description: regionDescription(region),
    endpoint: `ec2.${region}.amazonaws.com`,
  }),
  "aws:secretsmanager/getRandomPassword:getRandomPassword": (inputs, region) => {
    const length = typeof inputs.passwordLength === "number" ? inputs.passwordLength : 32;
    return {
      id: region,
      passwordLength: length,
      // Deterministic, so plans are repeatable; it never reaches a real database.
      randomPassword: stableHex(length, "password", region).padEnd(length, "0"),
    };
  },
  "aws:ssm/getParameter:getParameter": (inputs, region) => {
    const name = String(inputs.name);
    if (!name.startsWith("/aws/service/")) {
      throw new Error(
        `no mock value for the SSM parameter ${name}; only public /aws/service/ parameters are answered`,
      );
    }
    return {
      id: name,
      name,
      arn: `arn:${MOCK_PARTITION}:ssm:${region}::parameter${name}`,
      type: "String",
      value: name.includes("/ami-") ? al2023ImageId(region, name) : `mock-value-of-${name}`,
      insecureValue: name.includes("/ami-") ? al2023ImageId(region, name) : `mock-value-of-${name}`,
      version: 1,
      withDecryption: false,
    };
  },
};

/** The answer to one invoke, in the given region; throws for a data source nobody answered. */
export function answerInvoke(
  token: string,
  inputs: Inputs,
  region: string,
): Record<string, unknown> {
  const answer = ANSWERS[token];
  if (answer === undefined) {
    throw new Error(
      `unexpected invoke ${token}: the mock engine has no answer for it (add one to test/harness/invokes.ts)`,
    );
  }
  return answer(inputs, region);
}
