/**
 * The computed attributes AWS returns for a resource once created (ARNs, endpoints, generated
 * names), so that code which builds policies from ARNs sees what it would see against a real
 * account. Types with a documented ARN format per service are answered by `service-formats.ts`.
 */
import { physicalNameOf } from "./names";
import { ALB_ZONE_IDS, MOCK_ACCOUNT_ID, MOCK_PARTITION } from "./regions";
import { mockRsaKeyPair } from "./rsa-key";
import { serviceFormats } from "./service-formats";
import { stableHex } from "./stable-ids";

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
