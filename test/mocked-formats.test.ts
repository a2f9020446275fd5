/**
 * The mock engine's ids and ARNs are in each service's documented format, and its invokes answer
 * as a fresh account would.
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import type { RecordedResource } from "../tools/plan/engine";
import { home, only, run } from "./strict-run";

describe("mocked ids and ARNs in each service's documented format", () => {
  // Formats from the service authorization reference's resource-type tables
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
  const account = "111122223333";
  const region = "me-south-1";

  async function created(
    build: (provider: aws.Provider) => void,
  ): Promise<(type: string) => RecordedResource> {
    const result = await run(() => {
      build(home());
    });
    return (type) => only(result.resources, type);
  }

  it("EventBridge rules: rule/<name>, or rule/<bus>/<name> on a custom bus", async () => {
    const result = await run(() => {
      const provider = home();
      new aws.cloudwatch.EventRule("spot", { eventPattern: "{}" }, { provider });
      new aws.cloudwatch.EventRule(
        "custom",
        { name: "jobs", eventBusName: "platform", eventPattern: "{}" },
        { provider },
      );
    });
    const arns = result.resources
      .filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule")
      .map((r) => [r.id, r.state.arn]);
    expect(arns[0]?.[1]).toMatch(
      new RegExp(`^arn:aws:events:${region}:${account}:rule/spot-[0-9a-f]{7}$`),
    );
    expect(arns[1]).toEqual([
      "platform/jobs",
      `arn:aws:events:${region}:${account}:rule/platform/jobs`,
    ]);
  });

  it("Kinesis streams and enhanced fan-out consumers (the consumer ARN ends with its creation epoch)", async () => {
    const of = await created((provider) => {
      const stream = new aws.kinesis.Stream("rtlog", { name: "rtlog" }, { provider });
      new aws.kinesis.StreamConsumer(
        "ingest",
        { name: "ingest", streamArn: stream.arn },
        { provider },
      );
    });
    expect(of("aws:kinesis/stream:Stream").state.arn).toBe(
      `arn:aws:kinesis:${region}:${account}:stream/rtlog`,
    );
    expect(of("aws:kinesis/streamConsumer:StreamConsumer").state.arn).toMatch(
      new RegExp(`^arn:aws:kinesis:${region}:${account}:stream/rtlog/consumer/ingest:\\d{10}$`),
    );
  });

  it("Secrets Manager secrets: the name, a hyphen and six random characters; the id is the ARN", async () => {
    const of = await created((provider) => {
      new aws.secretsmanager.Secret("vault", { name: "kc/vault" }, { provider });
    });
    const secret = of("aws:secretsmanager/secret:Secret");
    expect(secret.state.arn).toMatch(
      new RegExp(`^arn:aws:secretsmanager:${region}:${account}:secret:kc/vault-[A-Za-z0-9]{6}$`),
    );
    expect(secret.id).toBe(secret.state.arn);
  });

  it("DynamoDB tables and their streams", async () => {
    const of = await created((provider) => {
      new aws.dynamodb.Table(
        "users",
        {
          name: "users",
          hashKey: "id",
          attributes: [{ name: "id", type: "S" }],
          streamEnabled: true,
          streamViewType: "NEW_AND_OLD_IMAGES",
        },
        { provider },
      );
    });
    const table = of("aws:dynamodb/table:Table");
    expect(table.state.arn).toBe(`arn:aws:dynamodb:${region}:${account}:table/users`);
    expect(table.state.streamArn).toMatch(
      new RegExp(
        `^arn:aws:dynamodb:${region}:${account}:table/users/stream/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$`,
      ),
    );
  });

  it("MediaConvert queues, SSM parameters (no double slash) and Lambda functions", async () => {
    const of = await created((provider) => {
      new aws.mediaconvert.Queue("encode", { name: "encode" }, { provider });
      new aws.ssm.Parameter(
        "release",
        { name: "/kc/release", type: "String", value: "1" },
        { provider },
      );
      new aws.lambda.Function(
        "submit",
        { name: "submit", role: "arn:aws:iam::111122223333:role/r", runtime: "nodejs22.x" },
        { provider },
      );
    });
    expect(of("aws:mediaconvert/queue:Queue").state.arn).toBe(
      `arn:aws:mediaconvert:${region}:${account}:queues/encode`,
    );
    expect(of("aws:ssm/parameter:Parameter").state.arn).toBe(
      `arn:aws:ssm:${region}:${account}:parameter/kc/release`,
    );
    const fn = of("aws:lambda/function:Function");
    expect([fn.id, fn.state.arn, fn.state.invokeArn]).toEqual([
      "submit",
      `arn:aws:lambda:${region}:${account}:function:submit`,
      `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${account}:function:submit/invocations`,
    ]);
  });

  it("RDS clusters (id, ARN, resource id, endpoints) and global clusters", async () => {
    const of = await created((provider) => {
      new aws.rds.GlobalCluster(
        "users",
        { globalClusterIdentifier: "kc-users", engine: "aurora-postgresql" },
        { provider },
      );
      new aws.rds.Cluster(
        "users",
        {
          clusterIdentifier: "kc-users-me",
          engine: "aurora-postgresql",
          manageMasterUserPassword: true,
        },
        { provider },
      );
    });
    const cluster = of("aws:rds/cluster:Cluster");
    expect(cluster.id).toBe("kc-users-me");
    expect(cluster.state.arn).toBe(`arn:aws:rds:${region}:${account}:cluster:kc-users-me`);
    expect(cluster.state.clusterResourceId).toMatch(/^cluster-[A-Z0-9]{26}$/);
    expect(cluster.state.endpoint).toMatch(
      new RegExp(`^kc-users-me\\.cluster-[a-z0-9]{12}\\.${region}\\.rds\\.amazonaws\\.com$`),
    );
    expect(cluster.state.masterUserSecrets).toEqual([
      expect.objectContaining({
        secretArn: expect.stringMatching(
          new RegExp(
            `^arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-[0-9a-f-]{36}-[A-Za-z0-9]{6}$`,
          ),
        ) as string,
      }),
    ]);
    expect(of("aws:rds/globalCluster:GlobalCluster").state.arn).toBe(
      `arn:aws:rds::${account}:global-cluster:kc-users`,
    );
  });

  it("SQS queues are known by URL, SNS topics by ARN", async () => {
    const of = await created((provider) => {
      new aws.sqs.Queue("work", { name: "work" }, { provider });
      new aws.sns.Topic("alerts", { name: "alerts" }, { provider });
    });
    const queue = of("aws:sqs/queue:Queue");
    expect([queue.id, queue.state.arn]).toEqual([
      `https://sqs.${region}.amazonaws.com/${account}/work`,
      `arn:aws:sqs:${region}:${account}:work`,
    ]);
    const topic = of("aws:sns/topic:Topic");
    expect(topic.id).toBe(`arn:aws:sns:${region}:${account}:alerts`);
  });

  it("regional WAF web ACLs, NLB listeners, instance profiles and real-time log configs", async () => {
    const of = await created((provider) => {
      new aws.wafv2.WebAcl(
        "api",
        {
          name: "api",
          scope: "REGIONAL",
          defaultAction: { allow: {} },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: "api",
            sampledRequestsEnabled: true,
          },
        },
        { provider },
      );
      const balancer = new aws.lb.LoadBalancer(
        "nlb",
        { name: "nlb", loadBalancerType: "network" },
        { provider },
      );
      new aws.lb.Listener(
        "tls",
        { loadBalancerArn: balancer.arn, defaultActions: [] },
        { provider },
      );
      new aws.iam.InstanceProfile("app", { name: "app" }, { provider });
      new aws.cloudfront.RealtimeLogConfig(
        "playback",
        {
          name: "playback",
          samplingRate: 5,
          fields: ["timestamp"],
          endpoint: {
            streamType: "Kinesis",
            kinesisStreamConfig: { roleArn: "r", streamArn: "s" },
          },
        },
        { provider },
      );
    });
    const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    const acl = of("aws:wafv2/webAcl:WebAcl");
    expect(acl.state.arn).toMatch(
      new RegExp(`^arn:aws:wafv2:${region}:${account}:regional/webacl/api/${uuid}$`),
    );
    expect(acl.state.arn).toBe(
      `arn:aws:wafv2:${region}:${account}:regional/webacl/api/${String(acl.id)}`,
    );
    expect(of("aws:lb/listener:Listener").state.arn).toMatch(
      new RegExp(
        `^arn:aws:elasticloadbalancing:${region}:${account}:listener/net/nlb/[0-9a-f]{16}/[0-9a-f]{16}$`,
      ),
    );
    expect(of("aws:iam/instanceProfile:InstanceProfile").state.arn).toBe(
      `arn:aws:iam::${account}:instance-profile/app`,
    );
    expect(of("aws:cloudfront/realtimeLogConfig:RealtimeLogConfig").state.arn).toBe(
      `arn:aws:cloudfront::${account}:realtime-log-config/playback`,
    );
  });

  it("service-linked roles under /aws-service-role/<service>/ with the name AWS gives them", async () => {
    const result = await run(() => {
      const provider = home();
      new aws.iam.ServiceLinkedRole(
        "autoscaling",
        { awsServiceName: "autoscaling.amazonaws.com" },
        { provider },
      );
      new aws.iam.ServiceLinkedRole("spot", { awsServiceName: "spot.amazonaws.com" }, { provider });
    });
    expect(
      result.resources
        .filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole")
        .map((r) => r.state.arn),
    ).toEqual([
      `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      `arn:aws:iam::${account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
    ]);
  });

  it("answers getRole for service-linked roles and refuses other names as a fresh account would", async () => {
    let arn = "";
    await run(async () => {
      const provider = home();
      arn = (await aws.iam.getRole({ name: "AWSServiceRoleForEC2Spot" }, { provider })).arn;
    });
    expect(arn).toBe(
      `arn:aws:iam::${account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
    );
    await expect(
      run(async () => {
        await aws.iam.getRole({ name: "platform-admin" }, { provider: home() });
      }),
    ).rejects.toThrow(/NoSuchEntity: no such role platform-admin/);
  });

  it("answers getZone by name with a Route 53 zone id and the name without its final dot", async () => {
    let zone: aws.route53.GetZoneResult | undefined;
    await run(async () => {
      zone = await aws.route53.getZone(
        { name: "knowledgecity.com.", privateZone: false },
        { provider: home() },
      );
    });
    expect(zone?.name).toBe("knowledgecity.com");
    expect(zone?.zoneId).toMatch(/^Z[A-Z0-9]{20}$/);
  });
});
