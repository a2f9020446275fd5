/**
 * Answers for the data sources (invokes) the program calls. An invoke that is not listed here
 * throws: a new data source must be answered deliberately, with realistic values.
 */
import {
  MOCK_ACCOUNT_ID,
  MOCK_PARTITION,
  regionDescription,
  SERVICE_LINKED_ROLE_NAMES,
  serviceLinkedRoleArn,
  stableHex,
  stableUpperAlnum,
  zonesOf,
} from "./aws-data";

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
  "aws:route53/getZone:getZone": (inputs) => {
    // The provider looks the zone up by name and returns the name without Route 53's trailing dot.
    const name =
      typeof inputs.name === "string" ? inputs.name.toLowerCase().replace(/\.$/, "") : "";
    if (name === "" || inputs.privateZone === true) {
      throw new Error(`no mock public hosted zone for ${JSON.stringify(inputs)}`);
    }
    const zoneId = `Z0${stableHex(19, "hosted-zone", name).toUpperCase()}`;
    return {
      id: zoneId,
      zoneId,
      arn: `arn:${MOCK_PARTITION}:route53:::hostedzone/${zoneId}`,
      name,
      privateZone: false,
      callerReference: `${name}-${stableHex(8, "caller", name)}`,
      comment: "",
      nameServers: [
        "ns-1536.awsdns-00.co.uk",
        "ns-0.awsdns-00.com",
        "ns-1024.awsdns-00.org",
        "ns-512.awsdns-00.net",
      ],
      primaryNameServer: "ns-1536.awsdns-00.co.uk",
      resourceRecordSetCount: 12,
      tags: {},
    };
  },
  "aws:secretsmanager/getRandomPassword:getRandomPassword": (inputs, region) => {
    const length = typeof inputs.passwordLength === "number" ? inputs.passwordLength : 32;
    return {
      id: region,
      passwordLength: length,
      // Deterministic, so plans are repeatable; it never reaches a real database.
      randomPassword: stableHex(length, "password", region).padEnd(length, "0"),
    };
  },
  // Roles the account has before the program runs: only service-linked roles, which AWS creates
  // for a service; any other name is NoSuchEntity, as it is in a fresh account.
  "aws:iam/getRole:getRole": (inputs) => {
    const name = String(inputs.name);
    const service = Object.entries(SERVICE_LINKED_ROLE_NAMES).find(
      ([, roleName]) => roleName === name,
    )?.[0];
    if (service === undefined) {
      throw new Error(
        `NoSuchEntity: no such role ${name} in the mock account; it has only the service-linked roles ${Object.values(SERVICE_LINKED_ROLE_NAMES).join(", ")}`,
      );
    }
    const arn = serviceLinkedRoleArn(service, name);
    return {
      id: name,
      name,
      arn,
      path: `/aws-service-role/${service}/`,
      uniqueId: `AROA${stableUpperAlnum(17, "aws:iam/serviceLinkedRole:ServiceLinkedRole", service, name)}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
      createDate: "2026-01-01T00:00:00Z",
      description: "",
      maxSessionDuration: 3600,
      permissionsBoundary: "",
      roleLastUseds: [],
      tags: {},
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
      `unexpected invoke ${token}: the mock engine has no answer for it (add one to tools/plan/engine/invokes.ts)`,
    );
  }
  return answer(inputs, region);
}
