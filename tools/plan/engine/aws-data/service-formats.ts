/** Computed attributes of the resource types whose ARN and id formats each service documents. */
import { SERVICE_LINKED_ROLE_NAMES, serviceLinkedRoleArn } from "./names";
import { MOCK_ACCOUNT_ID, MOCK_PARTITION } from "./regions";
import {
  creationEpoch,
  secretSuffix,
  stableHex,
  stableLowerAlnum,
  stableUpperAlnum,
  uuidOf,
} from "./stable-ids";

/**
 * Attributes in each service's documented ARN and id format, from the "Actions, resources, and
 * condition keys" page of the service (https://docs.aws.amazon.com/service-authorization/latest/reference/):
 * list_amazoneventbridge, list_amazonkinesis, list_awssecretsmanager, list_amazondynamodb,
 * list_awselementalmediaconvert, list_awssystemsmanager, list_amazonrds, list_awslambda,
 * list_awsidentityandaccessmanagementiam. Undefined for types answered by `computedState`.
 */
export function serviceFormats(
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
