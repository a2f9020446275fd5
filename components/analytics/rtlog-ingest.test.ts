import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { RtlogIngest } from "./rtlog-ingest";

const STREAM = "arn:aws:kinesis:me-south-1:111122223333:stream/playback-logs";

describe("RtlogIngest", async () => {
  const admitted: string[] = [];
  const recorded = Recorded.of(
    await runComponent((provider) => {
      const keys = new DataKeys(
        "keys",
        { context: TEST_CONTEXT, stack: "me-south-1" },
        { providers: [provider] },
      );
      const loadBalancer = new aws.ec2.SecurityGroup(
        "clickhouse-lb",
        { vpcId: "vpc-1", description: "ClickHouse load balancer" },
        { provider },
      );
      new RtlogIngest(
        "rtlog",
        {
          context: TEST_CONTEXT,
          settings: {
            batchSize: 1000,
            batchingWindowSeconds: 5,
            parallelizationFactor: 1,
            maximumRetryAttempts: 10,
          },
          streamArn: STREAM,
          telemetryKeyArn: keys.policyReadyKeyArns.telemetry,
          userDataKeyArn: keys.keyArns["user-data"],
          clickhouse: {
            url: "https://clickhouse.sa.knowledgecity.com:8443",
            ingestSecretArn: pulumi.output(
              "arn:aws:secretsmanager:me-south-1:111122223333:secret:clickhouse-ingest-AbCdEf",
            ),
            loadBalancerSecurityGroupId: loadBalancer.id,
            admit: (name) => {
              admitted.push(name);
            },
          },
          deadLetterBucketName: "lake",
          deadLetterBucketArn: "arn:aws:s3:::lake",
          deadLetterPrefix: "dead-letter/",
          vpcId: "vpc-1",
          privateSubnetIds: ["subnet-a", "subnet-b"],
        },
        { providers: [provider] },
      );
      keys.seal();
    }),
  );
  const statements = list(
    json(recorded.named("aws:iam/rolePolicy:RolePolicy", "rtlog-policy").inputs.policy).Statement,
  ).map(record);

  it("reads the stream by polling it, with no enhanced fan-out action on the stream's ARN", () => {
    // SubscribeToShard is authorized on a registered consumer's ARN
    // (arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<consumer>:<timestamp>);
    // granted on the stream's ARN it never matches.
    const kinesis = statements.filter((s) =>
      list(s.Action).some((action) => String(action).startsWith("kinesis:")),
    );
    expect(kinesis).toHaveLength(1);
    expect(kinesis[0]).toMatchObject({
      Sid: "ReadThePlaybackLogStream",
      Action: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
      ],
      Resource: [STREAM],
    });
    const [mapping] = recorded.ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    // Polling the stream itself, not through a consumer.
    expect(mapping?.inputs.eventSourceArn).toBe(STREAM);
    expect(admitted).toEqual(["rtlog-admitted"]);
  });

  it("creates its encrypted log group only once CloudWatch Logs may use the telemetry key", () => {
    const [logGroup] = recorded.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroup?.inputs.kmsKeyId).toMatch(/^arn:aws:kms:me-south-1:111122223333:key\//);
    expect(logGroup?.dependsOn).toContain(
      recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry").urn,
    );
  });

  it("keeps failed batches in an encrypted queue that refuses requests without TLS", () => {
    const queues = recorded.ofType("aws:sqs/queue:Queue");
    // The failure queue is where failures end: no dead-letter queue behind it.
    expect(queues.map((queue) => queue.name)).toEqual(["rtlog-failures"]);
    expect(queues[0]?.inputs).toMatchObject({
      messageRetentionSeconds: 1_209_600,
      kmsDataKeyReusePeriodSeconds: 300,
      tags: { DataClass: "telemetry" },
    });
    const policy = json(
      recorded.named("aws:sqs/queuePolicy:QueuePolicy", "rtlog-failures").inputs.policy,
    );
    expect(list(policy.Statement).map(record)).toEqual([
      expect.objectContaining({
        Sid: "DenyAnythingButTls",
        Effect: "Deny",
        Action: "sqs:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    ]);
  });
});
