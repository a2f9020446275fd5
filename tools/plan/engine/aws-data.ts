/**
 * Realistic answers for the AWS data sources the program calls, and realistic computed
 * attributes (ids, ARNs) for the resources it creates, so that code which builds policies from
 * ARNs or names children after zones sees what it would see against a real account.
 */
import { checkPrimeSync, createHash, createPrivateKey, createPublicKey } from "node:crypto";

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
  "me-west-1": {
    description: "Middle East (Saudi Arabia)",
    zones: [
      ["me-west-1a", "mew1-az1"],
      ["me-west-1b", "mew1-az2"],
      ["me-west-1c", "mew1-az3"],
    ],
  },
};

let rsaKeyPair: { publicKeyPem: string; privateKeyPem: string } | undefined;

/**
 * A real RSA-2048 key pair, as the TLS provider would generate, but the same in every run (like
 * every other mocked value), so two plans of the same program compare equal: its primes are the
 * first primes at or above numbers derived from a fixed seed.
 */
function mockRsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  rsaKeyPair ??= (() => {
    const e = 65537n;
    const prime = (seed: string): bigint => {
      const hex = Array.from({ length: 4 }, (_, i) => stableHex(64, "mock-rsa", seed, String(i)));
      // 1,024 bits with the top two set (so p*q has 2,048), odd.
      let candidate = BigInt(`0x${hex.join("")}`) | (3n << 1022n) | 1n;
      while (!checkPrimeSync(candidate) || (candidate - 1n) % e === 0n) {
        candidate += 2n;
      }
      return candidate;
    };
    const p = prime("p");
    const q = prime("q");
    const d = modularInverse(e, (p - 1n) * (q - 1n));
    const privateKey = createPrivateKey({
      format: "jwk",
      key: {
        kty: "RSA",
        n: base64Url(p * q),
        e: base64Url(e),
        d: base64Url(d),
        p: base64Url(p),
        q: base64Url(q),
        dp: base64Url(d % (p - 1n)),
        dq: base64Url(d % (q - 1n)),
        qi: base64Url(modularInverse(q, p)),
      },
    });
    return {
      publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
      privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    };
  })();
  return rsaKeyPair;
}

/** x with x * value = 1 (mod modulus), by the extended Euclidean algorithm. */
function modularInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [value % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % modulus) + modulus) % modulus;
}

/** A non-negative integer as unpadded base64url of its big-endian bytes (a JWK number). */
function base64Url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex").toString("base64url");
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
  region: string,
): string {
  const hex = stableHex(17, type, name);
  const explicit = typeof inputs.name === "string" ? inputs.name : undefined;
  const physicalName = physicalNameOf(type, name, inputs);
  switch (type) {
    // Resources whose id is their ARN or URL (as the AWS provider sets it).
    case "aws:sns/topic:Topic":
    case "aws:kinesis/stream:Stream":
    case "aws:kinesis/streamConsumer:StreamConsumer":
    case "aws:secretsmanager/secret:Secret":
    case "aws:iam/serviceLinkedRole:ServiceLinkedRole":
      return String(computedState(type, name, "", inputs, region).arn);
    case "aws:sqs/queue:Queue":
      return String(computedState(type, name, "", inputs, region).url);
    case "aws:s3/bucket:Bucket":
    case "aws:dynamodb/table:Table":
    case "aws:mediaconvert/queue:Queue":
    case "aws:lambda/function:Function":
    case "aws:ssm/parameter:Parameter":
      return physicalName;
    case "aws:cloudwatch/eventRule:EventRule":
      // A rule on a custom bus is known as <bus>/<rule>.
      return typeof inputs.eventBusName === "string" && inputs.eventBusName !== "default"
        ? `${inputs.eventBusName}/${physicalName}`
        : physicalName;
    case "aws:cloudfront/realtimeLogConfig:RealtimeLogConfig":
    case "aws:lb/listener:Listener":
      return String(computedState(type, name, "", inputs, region).arn);
    case "aws:iam/instanceProfile:InstanceProfile":
    case "aws:backup/vault:Vault":
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
    case "aws:cfg/rule:Rule":
    case "aws:glue/job:Job":
    case "aws:glue/crawler:Crawler":
    case "aws:glue/trigger:Trigger":
      return physicalName;
    case "aws:glue/catalogDatabase:CatalogDatabase":
      return `${MOCK_ACCOUNT_ID}:${physicalName}`;
    case "aws:wafv2/webAcl:WebAcl":
    case "aws:backup/plan:Plan":
    case "aws:cloudfront/cachePolicy:CachePolicy":
    case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":
    case "aws:cloudfront/keyGroup:KeyGroup":
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
    case "aws:route53/healthCheck:HealthCheck":
      return uuidOf(type, name);
    case "aws:cloudfront/originAccessControl:OriginAccessControl":
      return `E${stableUpperAlnum(13, type, name)}`;
    case "aws:apigatewayv2/api:Api":
    case "aws:apigatewayv2/vpcLink:VpcLink":
      return stableLowerAlnum(10, type, name);
    case "aws:rds/cluster:Cluster":
      return rdsIdentifier(inputs.clusterIdentifier, name, type);
    case "aws:rds/clusterInstance:ClusterInstance":
      return rdsIdentifier(inputs.identifier, name, type);
    case "aws:rds/globalCluster:GlobalCluster":
      return rdsIdentifier(inputs.globalClusterIdentifier, name, type);
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
    case "aws:cloudfront/distribution:Distribution":
      // E and 13 upper-case letters and digits, as CloudFront's GetDistribution returns.
      return `E${stableHex(13, type, name).toUpperCase()}`;
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
  const physicalName = physicalNameOf(type, name, inputs);
  const arn = (service: string, resource: string, scoped = true): string =>
    `arn:${MOCK_PARTITION}:${service}:${scoped ? region : ""}:${scoped ? account : ""}:${resource}`;
  const formatted = serviceFormats(type, name, id, inputs, region, physicalName);
  if (formatted !== undefined) {
    return formatted;
  }
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
        bucket: physicalName,
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
          `loadbalancer/${inputs.loadBalancerType === "network" ? "net" : "app"}/${physicalName.slice(0, 32)}/${stableHex(16, id)}`,
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
    case "docker-build:index:Image": {
      // A pushed image: its manifest digest, and `ref` = the first tag with that digest.
      const digest = `sha256:${stableHex(64, name, JSON.stringify(inputs.tags ?? []))}`;
      const tag: unknown = Array.isArray(inputs.tags) ? inputs.tags[0] : undefined;
      const ref = typeof tag === "string" ? `${tag}@${digest}` : "";
      return { digest, ref, contextHash: stableHex(64, id, "context") };
    }
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

/**
 * The name AWS gives a resource: the `name` (a bucket's `bucket`) the program set, else what the
 * provider generates: `<namePrefix><26 characters>` or `<resource name>-<7 hex>`.
 */
export function physicalNameOf(
  type: string,
  name: string,
  inputs: Readonly<Record<string, unknown>>,
): string {
  const explicit = type === "aws:s3/bucket:Bucket" ? inputs.bucket : inputs.name;
  if (typeof explicit === "string" && explicit !== "") {
    return explicit;
  }
  const prefix = type === "aws:s3/bucket:Bucket" ? inputs.bucketPrefix : inputs.namePrefix;
  if (typeof prefix === "string" && prefix !== "") {
    return `${prefix}${stableHex(26, type, name)}`;
  }
  return `${name}-${stableHex(7, type, name)}`;
}

/** An RDS identifier: the one set, else one generated from the resource name (lower case). */
function rdsIdentifier(identifier: unknown, name: string, type: string): string {
  return typeof identifier === "string" && identifier !== ""
    ? identifier
    : `${name}-${stableHex(7, type, name)}`.toLowerCase();
}

/** `length` characters of [A-Z0-9] derived from `parts`, for ids AWS writes in upper case. */
export function stableUpperAlnum(length: number, ...parts: readonly string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = createHash("sha256").update(parts.join("\u0000")).digest();
  return Array.from(
    { length },
    (_, index) => alphabet[(bytes[index % bytes.length] ?? 0) % 36],
  ).join("");
}

/** A stable epoch (seconds) in 2026 for creation timestamps that appear in ARNs. */
function creationEpoch(...parts: readonly string[]): number {
  return 1_767_225_600 + (parseInt(stableHex(6, ...parts), 16) % 31_536_000);
}

/**
 * The names AWS gives service-linked roles, by service principal
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html,
 * each service's "Using service-linked roles" page).
 */
export const SERVICE_LINKED_ROLE_NAMES: Readonly<Record<string, string>> = {
  "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
  "spot.amazonaws.com": "AWSServiceRoleForEC2Spot",
  "spotfleet.amazonaws.com": "AWSServiceRoleForEC2SpotFleet",
  "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
  "eks.amazonaws.com": "AWSServiceRoleForAmazonEKS",
  "eks-nodegroup.amazonaws.com": "AWSServiceRoleForAmazonEKSNodegroup",
  "rds.amazonaws.com": "AWSServiceRoleForRDS",
  "replication.dynamodb.amazonaws.com": "AWSServiceRoleForDynamoDBReplication",
  "config.amazonaws.com": "AWSServiceRoleForConfig",
  "backup.amazonaws.com": "AWSServiceRoleForBackup",
  "ecs.amazonaws.com": "AWSServiceRoleForECS",
};

/** The ARN of a service-linked role: always under `/aws-service-role/<service>/`. */
export function serviceLinkedRoleArn(service: string, roleName: string): string {
  return `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/${service}/${roleName}`;
}

/**
 * Attributes in each service's documented ARN and id format, from the "Actions, resources, and
 * condition keys" page of the service (https://docs.aws.amazon.com/service-authorization/latest/reference/):
 * list_amazoneventbridge, list_amazonkinesis, list_awssecretsmanager, list_amazondynamodb,
 * list_awselementalmediaconvert, list_awssystemsmanager, list_amazonrds, list_awslambda,
 * list_awsidentityandaccessmanagementiam. Undefined for types answered by `computedState`.
 */
function serviceFormats(
  type: string,
  name: string,
  id: string,
  inputs: Readonly<Record<string, unknown>>,
  region: string,
  physicalName: string,
): Record<string, unknown> | undefined {
  const account = MOCK_ACCOUNT_ID;
  const arn = (service: string, resource: string): string =>
    `arn:${MOCK_PARTITION}:${service}:${region}:${account}:${resource}`;
  switch (type) {
    case "aws:cloudwatch/eventRule:EventRule": {
      // arn:${Partition}:events:${Region}:${Account}:rule/[${EventBusName}/]${RuleName}
      const bus = typeof inputs.eventBusName === "string" ? inputs.eventBusName : "default";
      const path = bus === "default" ? physicalName : `${bus}/${physicalName}`;
      return { name: physicalName, arn: arn("events", `rule/${path}`) };
    }
    case "aws:kinesis/stream:Stream":
      // arn:${Partition}:kinesis:${Region}:${Account}:stream/${StreamName}
      return { name: physicalName, arn: arn("kinesis", `stream/${physicalName}`) };
    case "aws:kinesis/streamConsumer:StreamConsumer": {
      // ${StreamARN}/consumer/${ConsumerName}:${ConsumerCreationTimpstamp}
      const created = creationEpoch(type, name);
      return {
        name: physicalName,
        arn: `${String(inputs.streamArn)}/consumer/${physicalName}:${created}`,
        creationTimestamp: new Date(created * 1000).toISOString(),
      };
    }
    case "aws:secretsmanager/secret:Secret":
      // arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}, where the id
      // is the name, a hyphen and six random characters.
      return {
        name: physicalName,
        arn: arn("secretsmanager", `secret:${physicalName}-${secretSuffix(type, name)}`),
      };
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      const versionId = uuidOf(type, name);
      return { arn: String(inputs.secretId), versionId, versionStages: ["AWSCURRENT"] };
    }
    case "aws:dynamodb/table:Table": {
      // arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}[/stream/${StreamLabel}]
      const tableArn = arn("dynamodb", `table/${physicalName}`);
      const label = new Date(creationEpoch(type, name) * 1000).toISOString().replace("Z", "");
      // Each replica is a table of its region with a stream of its own (the provider reports both).
      const replicas = Array.isArray(inputs.replicas)
        ? (inputs.replicas as Record<string, unknown>[]).map((replica) => {
            const replicaArn = tableArn.replace(
              `:dynamodb:${region}:`,
              `:dynamodb:${String(replica.regionName)}:`,
            );
            const replicaLabel = new Date(
              creationEpoch(type, `${name}@${String(replica.regionName)}`) * 1000,
            )
              .toISOString()
              .replace("Z", "");
            return {
              ...replica,
              arn: replicaArn,
              streamArn: `${replicaArn}/stream/${replicaLabel}`,
              streamLabel: replicaLabel,
            };
          })
        : undefined;
      return {
        name: physicalName,
        arn: tableArn,
        ...(inputs.streamEnabled === true
          ? { streamArn: `${tableArn}/stream/${label}`, streamLabel: label }
          : {}),
        ...(replicas === undefined ? {} : { replicas }),
      };
    }
    case "aws:mediaconvert/queue:Queue":
      // arn:${Partition}:mediaconvert:${Region}:${Account}:queues/${QueueName}
      return { name: physicalName, arn: arn("mediaconvert", `queues/${physicalName}`) };
    case "aws:ssm/parameter:Parameter":
      // arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}
      return {
        name: physicalName,
        arn: arn("ssm", `parameter/${physicalName.replace(/^\//, "")}`),
        version: 1,
      };
    case "aws:rds/cluster:Cluster": {
      // arn:${Partition}:rds:${Region}:${Account}:cluster:${DbClusterInstanceName}
      const suffix = stableHex(12, type, name);
      const engine = typeof inputs.engine === "string" ? inputs.engine : "aurora-postgresql";
      return {
        clusterIdentifier: id,
        arn: arn("rds", `cluster:${id}`),
        clusterResourceId: `cluster-${stableUpperAlnum(26, type, name)}`,
        endpoint: `${id}.cluster-${suffix}.${region}.rds.amazonaws.com`,
        readerEndpoint: `${id}.cluster-ro-${suffix}.${region}.rds.amazonaws.com`,
        port: engine.includes("mysql") ? 3306 : 5432,
        ...(inputs.manageMasterUserPassword === true
          ? {
              masterUserSecrets: [
                {
                  secretArn: arn(
                    "secretsmanager",
                    `secret:rds!cluster-${uuidOf(type, name, "secret")}-${secretSuffix(type, name, "rds")}`,
                  ),
                  secretStatus: "active",
                  kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
                },
              ],
            }
          : {}),
      };
    }
    case "aws:rds/clusterInstance:ClusterInstance":
      // arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}
      return {
        identifier: id,
        arn: arn("rds", `db:${id}`),
        dbiResourceId: `db-${stableUpperAlnum(26, type, name)}`,
        endpoint: `${id}.${stableHex(12, type, name)}.${region}.rds.amazonaws.com`,
      };
    case "aws:rds/globalCluster:GlobalCluster":
      // arn:${Partition}:rds::${Account}:global-cluster:${GlobalCluster}
      return {
        globalClusterIdentifier: id,
        arn: `arn:${MOCK_PARTITION}:rds::${account}:global-cluster:${id}`,
        globalClusterResourceId: `cluster-${stableHex(16, type, name)}`,
      };
    case "aws:lambda/function:Function": {
      // arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}
      const functionArn = arn("lambda", `function:${physicalName}`);
      // `publish: true` publishes version 1 on creation; otherwise the ARNs name $LATEST.
      const version = inputs.publish === true ? "1" : "$LATEST";
      return {
        name: physicalName,
        arn: functionArn,
        qualifiedArn: `${functionArn}:${version}`,
        version,
        invokeArn: `arn:${MOCK_PARTITION}:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      };
    }
    case "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
      // arn:${Partition}:iam::${Account}:role/aws-service-role/${Service}/${RoleName}
      const service = String(inputs.awsServiceName);
      const base = SERVICE_LINKED_ROLE_NAMES[service];
      if (base === undefined) {
        throw new Error(
          `no known service-linked role name for ${service}; known services: ${Object.keys(SERVICE_LINKED_ROLE_NAMES).join(", ")}`,
        );
      }
      const roleName =
        typeof inputs.customSuffix === "string" ? `${base}_${inputs.customSuffix}` : base;
      return {
        name: roleName,
        path: `/aws-service-role/${service}/`,
        arn: serviceLinkedRoleArn(service, roleName),
        uniqueId: `AROA${stableUpperAlnum(17, type, service, roleName)}`,
      };
    }
    case "aws:cloudfront/realtimeLogConfig:RealtimeLogConfig":
      // arn:${Partition}:cloudfront::${Account}:realtime-log-config/${Name}
      return {
        name: physicalName,
        arn: `arn:${MOCK_PARTITION}:cloudfront::${account}:realtime-log-config/${physicalName}`,
      };
    case "aws:iam/instanceProfile:InstanceProfile":
      // arn:${Partition}:iam::${Account}:instance-profile/${InstanceProfileNameWithPath}
      return {
        name: physicalName,
        arn: `arn:${MOCK_PARTITION}:iam::${account}:instance-profile/${physicalName}`,
        uniqueId: `AIPA${stableUpperAlnum(17, type, name)}`,
      };
    case "aws:lb/listener:Listener": {
      // arn:${Partition}:elasticloadbalancing:${Region}:${Account}:listener/app/${LoadBalancerName}/${LoadBalancerId}/${ListenerId}
      const balancer = String(inputs.loadBalancerArn);
      return {
        arn: `${balancer.replace(":loadbalancer/", ":listener/")}/${stableHex(16, type, name)}`,
      };
    }
    case "aws:wafv2/webAcl:WebAcl": {
      // arn:${Partition}:wafv2:${Region}:${Account}:${Scope}/webacl/${Name}/${Id}, the scope
      // "global" for CloudFront (in us-east-1), else "regional"
      const scope = inputs.scope === "CLOUDFRONT" ? "global" : "regional";
      return {
        name: physicalName,
        arn: arn("wafv2", `${scope}/webacl/${physicalName}/${id}`),
        capacity: 0,
        lockToken: uuidOf(type, name, "lock"),
      };
    }
    case "aws:apigatewayv2/api:Api":
      // arn:${Partition}:apigateway:${Region}::/apis/${ApiId}; execute-api for invocations
      return {
        name: physicalName,
        arn: `arn:${MOCK_PARTITION}:apigateway:${region}::/apis/${id}`,
        apiEndpoint: `https://${id}.execute-api.${region}.amazonaws.com`,
        executionArn: arn("execute-api", id),
      };
    case "aws:apigatewayv2/stage:Stage": {
      const api = String(inputs.apiId);
      const stage = String(inputs.name);
      return {
        arn: `arn:${MOCK_PARTITION}:apigateway:${region}::/apis/${api}/stages/${stage}`,
        executionArn: arn("execute-api", `${api}/${stage}`),
        invokeUrl: `https://${api}.execute-api.${region}.amazonaws.com/${stage === "$default" ? "" : stage}`,
      };
    }
    case "aws:backup/vault:Vault":
      // arn:${Partition}:backup:${Region}:${Account}:backup-vault:${BackupVaultName}
      return { name: physicalName, arn: arn("backup", `backup-vault:${physicalName}`) };
    case "aws:backup/plan:Plan":
      // arn:${Partition}:backup:${Region}:${Account}:backup-plan:${BackupPlanId}
      return {
        name: physicalName,
        arn: arn("backup", `backup-plan:${id}`),
        version: stableHex(32, type, name, "version"),
      };
    case "aws:cfg/rule:Rule": {
      // arn:${Partition}:config:${Region}:${Account}:config-rule/${ConfigRuleId}
      const ruleId = `config-rule-${stableLowerAlnum(6, type, name)}`;
      return { name: physicalName, ruleId, arn: arn("config", `config-rule/${ruleId}`) };
    }
    case "aws:cfg/configurationAggregator:ConfigurationAggregator":
      // arn:${Partition}:config:${Region}:${Account}:config-aggregator/${AggregatorId}
      return {
        name: physicalName,
        arn: arn(
          "config",
          `config-aggregator/config-aggregator-${stableLowerAlnum(8, type, name)}`,
        ),
      };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      // arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${AlarmName}
      return { name: physicalName, arn: arn("cloudwatch", `alarm:${physicalName}`) };
    case "aws:glue/job:Job":
      return { name: physicalName, arn: arn("glue", `job/${physicalName}`) };
    case "aws:glue/crawler:Crawler":
      return { name: physicalName, arn: arn("glue", `crawler/${physicalName}`) };
    case "aws:glue/trigger:Trigger":
      return { name: physicalName, arn: arn("glue", `trigger/${physicalName}`) };
    case "aws:glue/catalogDatabase:CatalogDatabase":
      return { name: physicalName, arn: arn("glue", `database/${physicalName}`) };
    case "aws:eks/addon:Addon":
      // arn:${Partition}:eks:${Region}:${Account}:addon/${ClusterName}/${AddonName}/${UUID}
      return {
        arn: arn(
          "eks",
          `addon/${String(inputs.clusterName)}/${String(inputs.addonName)}/${uuidOf(type, name)}`,
        ),
      };
    case "aws:eks/nodeGroup:NodeGroup": {
      // arn:${Partition}:eks:${Region}:${Account}:nodegroup/${ClusterName}/${NodegroupName}/${UUID}
      const group = typeof inputs.nodeGroupName === "string" ? inputs.nodeGroupName : physicalName;
      return {
        nodeGroupName: group,
        arn: arn("eks", `nodegroup/${String(inputs.clusterName)}/${group}/${uuidOf(type, name)}`),
      };
    }
    case "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
      // arn:${Partition}:eks:${Region}:${Account}:podidentityassociation/${ClusterName}/${AssociationId}
      const associationId = `a-${stableLowerAlnum(17, type, name)}`;
      return {
        associationId,
        associationArn: arn(
          "eks",
          `podidentityassociation/${String(inputs.clusterName)}/${associationId}`,
        ),
      };
    }
    case "aws:route53/healthCheck:HealthCheck":
      return { arn: `arn:${MOCK_PARTITION}:route53:::healthcheck/${id}` };
    case "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": {
      // The Secrets Manager rotation applications output the function's ARN as RotationLambdaARN.
      const parameters = (inputs.parameters ?? {}) as Record<string, unknown>;
      const functionName =
        typeof parameters.functionName === "string" ? parameters.functionName : physicalName;
      return { outputs: { RotationLambdaARN: arn("lambda", `function:${functionName}`) } };
    }
    case "aws:cloudfront/keyGroup:KeyGroup":
    case "aws:cloudfront/cachePolicy:CachePolicy":
    case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":
    case "aws:cloudfront/originAccessControl:OriginAccessControl":
      return { etag: stableUpperAlnum(14, type, name) };
    default:
      return undefined;
  }
}

/** `length` characters of [a-z0-9] derived from `parts`, for ids AWS writes in lower case. */
function stableLowerAlnum(length: number, ...parts: readonly string[]): string {
  return stableUpperAlnum(length, ...parts).toLowerCase();
}

/** The six characters Secrets Manager appends to a secret's name in its ARN. */
function secretSuffix(...parts: readonly string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = createHash("sha256").update(parts.join("\u0000")).digest();
  return Array.from({ length: 6 }, (_, index) => alphabet[(bytes[index] ?? 0) % 62]).join("");
}

/** A stable UUID-shaped id. */
function uuidOf(...parts: readonly string[]): string {
  const hex = stableHex(32, ...parts);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join("-");
}
