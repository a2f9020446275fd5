/** The id AWS gives each resource type, in its documented shape. */
import { computedState } from "./computed-state";
import { physicalNameOf, rdsIdentifier } from "./names";
import { MOCK_ACCOUNT_ID } from "./regions";
import { stableHex, stableLowerAlnum, stableUpperAlnum, uuidOf } from "./stable-ids";

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
