/**
 * Realistic answers for the AWS data sources the program calls, and realistic computed
 * attributes (ids, ARNs) for the resources it creates, so that code which builds policies from
 * ARNs or names children after zones sees what it would see against a real account.
 */
import { createHash, generateKeyPairSync } from "node:crypto";

/** The account every mocked call answers for. */
export const MOCK_ACCOUNT_ID = "111122223333";
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
};

let rsaKeyPair: { publicKeyPem: string; privateKeyPem: string } | undefined;

/** A real RSA-2048 key pair (made once per process), as the TLS provider would generate. */
function mockRsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  rsaKeyPair ??= (() => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return {
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    };
  })();
  return rsaKeyPair;
}

/** Hosted zone ids of Application Load Balancers per region (what alias records point at). */
const ALB_ZONE_IDS: Readonly<Record<string, string>> = {
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

export function regionDescription(region: string): string {
  return REGIONS[region]?.description ?? region;
}

/** A short, stable hex string derived from the inputs, for ids that must look real. */
export function stableHex(length: number, ...parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, length);
}

/** The id AWS would give a resource of this type, in the shape AWS uses for it. */
export function mockId(
  type: string,
  name: string,
  inputs: Readonly<Record<string, unknown>>,
): string {
  const hex = stableHex(17, type, name);
  const explicit = typeof inputs.name === "string" ? inputs.name : undefined;
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      return `vpc-${hex}`;
    case "aws:cloudfront/publicKey:PublicKey":
      return `K${hex.slice(0, 13).toUpperCase()}`;
    case "aws:ec2/subnet:Subnet":
      return `subnet-${hex}`;
    case "aws:ec2/internetGateway:InternetGateway":
      return `igw-${hex}`;
    case "aws:ec2/natGateway:NatGateway":
      return `nat-${hex}`;
    case "aws:ec2/eip:Eip":
      return `eipalloc-${hex}`;
    case "aws:ec2/routeTable:RouteTable":
      return `rtb-${hex}`;
    case "aws:ec2/securityGroup:SecurityGroup":
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
      return `sg-${hex}`;
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return `vpce-${hex}`;
    case "aws:ec2/flowLog:FlowLog":
      return `fl-${hex}`;
    case "aws:kms/key:Key":
      // Multi-region keys have ids of their own shape, shared by their replicas.
      return inputs.multiRegion === true
        ? `mrk-${stableHex(32, type, name)}`
        : [8, 4, 4, 4, 12].map((n, i) => stableHex(n, type, name, String(i))).join("-");
    case "aws:kms/replicaKey:ReplicaKey":
      return String(inputs.primaryKeyArn).split("/").pop() ?? `mrk-${stableHex(32, type, name)}`;
    default:
      return explicit ?? `${name}-${stableHex(7, type, name)}`;
  }
}

/**
 * Computed attributes AWS returns for a resource: its ARN and the physical name Pulumi would
 * auto-generate. Only what the program reads back needs to be here.
 */
export function computedState(
  type: string,
  name: string,
  id: string,
  inputs: Readonly<Record<string, unknown>>,
  region: string,
): Record<string, unknown> {
  const account = MOCK_ACCOUNT_ID;
  const physicalName =
    typeof inputs.name === "string" ? inputs.name : `${name}-${stableHex(7, type, name)}`;
  const arn = (service: string, resource: string, scoped = true): string =>
    `arn:${MOCK_PARTITION}:${service}:${scoped ? region : ""}:${scoped ? account : ""}:${resource}`;
  switch (type) {
    case "aws:kms/key:Key":
    case "aws:kms/replicaKey:ReplicaKey":
      return { arn: arn("kms", `key/${id}`), keyId: id };
    case "aws:kms/alias:Alias":
      return { arn: arn("kms", String(inputs.name)) };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name: physicalName, arn: arn("logs", `log-group:${physicalName}`) };
    case "aws:iam/role:Role":
      return {
        name: physicalName,
        arn: `arn:${MOCK_PARTITION}:iam::${account}:role/${physicalName}`,
        uniqueId: `AROA${stableHex(17, name).toUpperCase()}`,
      };
    case "aws:iam/policy:Policy":
      return {
        name: physicalName,
        arn: `arn:${MOCK_PARTITION}:iam::${account}:policy/${physicalName}`,
      };
    case "aws:s3/bucket:Bucket":
      return {
        bucket: typeof inputs.bucket === "string" ? inputs.bucket : physicalName,
        arn: `arn:${MOCK_PARTITION}:s3:::${physicalName}`,
        bucketRegionalDomainName: `${physicalName}.s3.${region}.amazonaws.com`,
      };
    case "aws:ec2/vpc:Vpc":
      return {
        arn: arn("ec2", `vpc/${id}`),
        defaultSecurityGroupId: `sg-${stableHex(17, "default", id)}`,
        mainRouteTableId: `rtb-${stableHex(17, "main", id)}`,
      };
    case "aws:acm/certificate:Certificate": {
      const names = [
        inputs.domainName,
        ...(Array.isArray(inputs.subjectAlternativeNames)
          ? (inputs.subjectAlternativeNames as unknown[])
          : []),
      ].filter((domain): domain is string => typeof domain === "string");
      return {
        arn: arn(
          "acm",
          `certificate/${stableHex(8, id)}-${stableHex(4, id, "a")}-${stableHex(4, id, "b")}-${stableHex(4, id, "c")}-${stableHex(12, id, "d")}`,
        ),
        status: "ISSUED",
        domainValidationOptions: names.map((domain) => ({
          domainName: domain,
          resourceRecordName: `_${stableHex(32, domain, "name")}.${domain}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_${stableHex(32, domain, "value")}.acm-validations.aws.`,
        })),
      };
    }
    case "tls:index/privateKey:PrivateKey":
      return { ...mockRsaKeyPair(), algorithm: "RSA", rsaBits: 2048 };
    case "aws:cloudfront/publicKey:PublicKey":
      return { etag: stableHex(14, id).toUpperCase() };
    case "aws:cloudfront/distribution:Distribution":
      return {
        arn: `arn:${MOCK_PARTITION}:cloudfront::${account}:distribution/${id}`,
        domainName: `d${stableHex(13, name)}.cloudfront.net`,
        hostedZoneId: "Z2FHTT7JQMUOV",
      };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arnSuffix: `${inputs.loadBalancerType === "network" ? "net" : "app"}/${physicalName.slice(0, 32)}/${stableHex(16, id)}`,
        arn: arn(
          "elasticloadbalancing",
          `loadbalancer/app/${physicalName.slice(0, 32)}/${stableHex(16, id)}`,
        ),
        dnsName: `${physicalName.slice(0, 32)}-${stableHex(9, id)}.${region}.elb.amazonaws.com`,
        zoneId: ALB_ZONE_IDS[region] ?? "Z00000000ALBZONE",
        name: physicalName.slice(0, 32),
      };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return {
        arn: arn("ec2", `launch-template/${id}`),
        latestVersion: 1,
        defaultVersion: 1,
        name: physicalName,
      };
    case "aws:route53/record:Record":
      return { fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:apigatewayv2/domainName:DomainName":
      return {
        arn: arn("apigateway", `/domainnames/${String(inputs.domainName)}`),
        domainNameConfiguration: {
          ...(typeof inputs.domainNameConfiguration === "object"
            ? inputs.domainNameConfiguration
            : {}),
          targetDomainName: `d-${stableHex(10, id)}.execute-api.${region}.amazonaws.com`,
          hostedZoneId: "Z20JF4UZKIW1U8",
        },
      };
    case "aws:ec2/subnet:Subnet":
      return { arn: arn("ec2", `subnet/${id}`) };
    case "aws:lb/targetGroup:TargetGroup": {
      const suffix = `targetgroup/${physicalName.slice(0, 32)}/${stableHex(16, id)}`;
      return { arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix, name: physicalName };
    }
    case "aws:sqs/queue:Queue":
      return {
        arn: arn("sqs", physicalName),
        url: `https://sqs.${region}.amazonaws.com/${account}/${physicalName}`,
        name: physicalName,
      };
    case "aws:apigateway/restApi:RestApi":
      return {
        arn: arn("apigateway", `/restapis/${id}`),
        rootResourceId: stableHex(10, id, "root"),
        executionArn: arn("execute-api", id),
      };
    case "aws:apigateway/stage:Stage":
      return {
        arn: arn(
          "apigateway",
          `/restapis/${String(inputs.restApi)}/stages/${String(inputs.stageName)}`,
        ),
        invokeUrl: `https://${String(inputs.restApi)}.execute-api.${region}.amazonaws.com/${String(inputs.stageName)}`,
      };
    case "aws:sns/topic:Topic":
      return { arn: arn("sns", physicalName), name: physicalName };
    case "aws:ecr/repository:Repository":
      return {
        arn: arn("ecr", `repository/${physicalName}`),
        name: physicalName,
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${physicalName}`,
      };
    case "eks:index:Cluster":
      return {
        clusterSecurityGroupId: `sg-${stableHex(17, "eks", name)}`,
        kubeconfigJson: JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: physicalName,
              cluster: { server: `https://${stableHex(32, name)}.gr7.${region}.eks.amazonaws.com` },
            },
          ],
        }),
      };
    case "random:index/randomPassword:RandomPassword":
      return { result: `mock-${stableHex(24, name)}` };
    default:
      return type.startsWith("aws:")
        ? {
            arn: arn(type.split(":")[1]?.split("/")[0] ?? "aws", `${name}/${id}`),
            // The provider auto-names resources that have a name and were given none.
            name: physicalName,
          }
        : {};
  }
}
