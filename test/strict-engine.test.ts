import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { describe, expect, it } from "vitest";
import { planStack } from "../tools/plan/document";
import {
  runComponent,
  runInMockEngine,
  type EngineRun,
  type RecordedResource,
} from "../tools/plan/engine";
import { stableHex } from "../tools/plan/engine/aws-data";
import { EngineRuleError, UNSTABLE_INVOKES } from "../tools/plan/engine/strict-rules";

const STRICT = { "aws:region": "me-south-1", "pulumi:disable-default-providers": '["*"]' };

function run(
  program: () => unknown,
  config: Readonly<Record<string, string>> = STRICT,
  knownPrincipals?: readonly string[],
): Promise<EngineRun> {
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config,
    program,
    ...(knownPrincipals === undefined ? {} : { knownPrincipals }),
  });
}

/** The lines a refused run reports (fails the test when the run is not refused). */
async function refusal(program: () => unknown, config = STRICT): Promise<string[]> {
  try {
    await run(program, config);
  } catch (error) {
    if (error instanceof EngineRuleError) {
      return error.message.split("\n");
    }
    throw error;
  }
  throw new Error("the run was not refused");
}

function only(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((resource) => resource.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
}

/** A component holding the given providers, as the stack program's root component does. */
function group(providers: pulumi.ProviderResource[]): pulumi.ComponentResource {
  return new pulumi.ComponentResource("test:index:Group", "group", {}, { providers });
}

const home = (): aws.Provider => new aws.Provider("home", { region: "me-south-1" });

describe("default providers (pulumi:disable-default-providers)", () => {
  it("refuses a resource of any package without an explicit provider, naming its URN", async () => {
    const lines = await refusal(() => {
      const parent = group([home()]);
      new random.RandomPassword("db", { length: 32 }, { parent });
      new tls.PrivateKey("signing", { algorithm: "RSA" }, { parent });
      new aws.sqs.Queue("work", {}, { parent });
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::test:index:Group$random:index/randomPassword:RandomPassword::db: Default provider for 'random' disabled. 'random:index/randomPassword:RandomPassword' must use an explicit provider.",
      "urn:pulumi:test::knowledgecity::test:index:Group$tls:index/privateKey:PrivateKey::signing: Default provider for 'tls' disabled. 'tls:index/privateKey:PrivateKey' must use an explicit provider.",
    ]);
  });

  it("passes once every package's provider is given to the parent", async () => {
    const result = await run(() => {
      const parent = group([home(), new random.Provider("random"), new tls.Provider("tls")]);
      new random.RandomPassword("db", { length: 32 }, { parent });
      new tls.PrivateKey("signing", { algorithm: "RSA" }, { parent });
    });
    expect(only(result.resources, "random:index/randomPassword:RandomPassword").provider).toBe(
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:random::random",
    );
  });

  it("disables only the listed packages", async () => {
    const lines = await refusal(
      () => {
        new aws.sqs.Queue("work");
        new random.RandomPassword("db", { length: 32 });
      },
      { ...STRICT, "pulumi:disable-default-providers": '["random"]' },
    );
    expect(lines).toEqual([
      expect.stringMatching(/::db: Default provider for 'random' disabled\./) as string,
    ]);
  });

  it("refuses a remote component (eks.Cluster) whose package's provider is not among its providers", async () => {
    // The SDK sends a remote component's provider only when it is of the component's package,
    // so an aws provider given as `provider` does not count.
    const lines = await refusal(() => {
      new eks.Cluster("analytics", {}, { provider: home() });
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$eks:index:Cluster::analytics: Default provider for 'eks' disabled. 'eks:index:Cluster' must use an explicit provider.",
    ]);
  });

  it("passes a remote component that inherits its package's provider from its parent", async () => {
    const result = await run(() => {
      const parent = group([home(), new eks.Provider("eks")]);
      new eks.Cluster("analytics", {}, { parent });
    });
    const cluster = only(result.resources, "eks:index:Cluster");
    expect([cluster.remote, cluster.provider]).toEqual([
      true,
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:eks::eks",
    ]);
  });

  it("refuses reading an existing resource without a provider; passes it with one", async () => {
    const lines = await refusal(() => {
      aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0");
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::shared: Default provider for 'aws' disabled. 'aws:ec2/vpc:Vpc' must use an explicit provider.",
    ]);
    await expect(
      run(() => {
        aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0", undefined, { provider: home() });
      }),
    ).resolves.toBeDefined();
  });

  it("refuses an invoke without an explicit provider, as the engine words it", async () => {
    const lines = await refusal(async () => {
      await aws.getRegion({});
    });
    expect(lines).toEqual([
      "Invoke aws:index/getRegion:getRegion: Invoke: Default provider for 'aws' disabled. 'aws:index/getRegion:getRegion' must use an explicit provider.",
    ]);
  });

  it("passes invokes given a provider or a parent that holds one", async () => {
    const regions: string[] = [];
    await run(async () => {
      const provider = home();
      regions.push((await aws.getRegion({}, { provider })).region);
      regions.push((await aws.getRegion({}, { parent: group([provider]) })).region);
    });
    expect(regions).toEqual(["me-south-1", "me-south-1"]);
  });

  it("allows default providers when the stack does not disable them", async () => {
    const result = await run(
      () => {
        new random.RandomPassword("db", { length: 32 });
      },
      { "aws:region": "me-south-1" },
    );
    expect(only(result.resources, "random:index/randomPassword:RandomPassword").provider).toBe(
      undefined,
    );
  });

  it("refuses a malformed pulumi:disable-default-providers", async () => {
    await expect(
      run(() => undefined, { ...STRICT, "pulumi:disable-default-providers": "random" }),
    ).rejects.toThrow(
      'pulumi:disable-default-providers = random: expected a JSON list of package names, or ["*"] for every package',
    );
  });
});

describe("invokes whose answer changes on every run", () => {
  it("refuses Secrets Manager's getRandomPassword and says to use random.RandomPassword", async () => {
    const lines = await refusal(async () => {
      await aws.secretsmanager.getRandomPassword({ passwordLength: 32 }, { provider: home() });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Invoke aws:secretsmanager\/getRandomPassword:getRandomPassword: its answer changes on every run, so every preview shows a diff and every up rotates the value; use a random\.RandomPassword resource/,
    );
  });

  it("passes the same secret made as a random.RandomPassword resource", async () => {
    const result = await run(() => {
      new random.RandomPassword("vault", { length: 32 }, { provider: new random.Provider("r") });
    });
    expect(result.resources.map((r) => r.type)).toContain(
      "random:index/randomPassword:RandomPassword",
    );
  });

  it("keeps a reason and a replacement for every token it refuses", () => {
    for (const [token, entry] of Object.entries(UNSTABLE_INVOKES)) {
      expect(token).toMatch(/^[a-z0-9-]+:[A-Za-z0-9/]+:[A-Za-z0-9]+$/);
      expect(entry.why).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
      expect(entry.instead.length).toBeGreaterThan(10);
    }
  });
});

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

describe("resources a service checks against a KMS key policy when it creates them", () => {
  function keyWithPolicy(name: string, provider: aws.Provider) {
    const key = new aws.kms.Key(name, {}, { provider });
    const policy = new aws.kms.KeyPolicy(
      name,
      {
        keyId: key.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::111122223333:root" },
              Action: "kms:*",
              Resource: "*",
            },
          ],
        }),
      },
      { provider },
    );
    return { key, policy };
  }

  it("refuses an encrypted log group created before its key's policy, naming both", async () => {
    const lines = await refusal(() => {
      const provider = home();
      const { key } = keyWithPolicy("telemetry", provider);
      new aws.cloudwatch.LogGroup("app", { kmsKeyId: key.arn }, { provider });
    });
    expect(lines).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:cloudwatch/logGroup:LogGroup::app: must depend on urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:kms/keyPolicy:KeyPolicy::telemetry (the key policy of telemetry): CloudWatch Logs checks the key policy when it creates an encrypted log group, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ]);
  });

  it("passes the log group that waits for the key policy, and one encrypted with a key from elsewhere", async () => {
    const result = await run(() => {
      const provider = home();
      const { key, policy } = keyWithPolicy("telemetry", provider);
      new aws.cloudwatch.LogGroup("app", { kmsKeyId: key.arn }, { provider, dependsOn: [policy] });
      new aws.cloudwatch.LogGroup(
        "shared",
        { kmsKeyId: "arn:aws:kms:me-south-1:444455556666:key/shared" },
        { provider },
      );
    });
    expect(
      result.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup"),
    ).toHaveLength(2);
  });

  function notification(waitFor: "nothing" | "both") {
    return () => {
      const provider = home();
      const { key, policy } = keyWithPolicy("content", provider);
      const queue = new aws.sqs.Queue("ingest", { kmsMasterKeyId: key.arn }, { provider });
      const queuePolicy = new aws.sqs.QueuePolicy(
        "ingest",
        {
          queueUrl: queue.url,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: "*",
              },
            ],
          }),
        },
        { provider },
      );
      const bucket = new aws.s3.Bucket("raw", {}, { provider });
      new aws.s3.BucketNotification(
        "raw",
        { bucket: bucket.id, queues: [{ queueArn: queue.arn, events: ["s3:ObjectCreated:*"] }] },
        { provider, dependsOn: waitFor === "both" ? [policy, queuePolicy] : [] },
      );
    };
  }

  it("refuses a bucket notification to an encrypted queue before the key policy and the queue policy", async () => {
    const lines = await refusal(notification("nothing"));
    expect(lines.map((line) => line.split(": ").slice(0, 2).join(": "))).toEqual([
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:s3/bucketNotification:BucketNotification::raw: must depend on urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:kms/keyPolicy:KeyPolicy::content (the key policy of content)",
      "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:s3/bucketNotification:BucketNotification::raw: must depend on urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:sqs/queuePolicy:QueuePolicy::ingest (the policy of ingest)",
    ]);
  });

  it("passes the notification that waits for both", async () => {
    const result = await run(notification("both"));
    expect(result.resources.map((r) => r.name)).toContain("raw");
  });

  it("tells a replica key's policy from its primary's, though they share a key id", async () => {
    const build = (waitFor: "primary" | "replica") => () => {
      const primary = home();
      const other = new aws.Provider("us", { region: "us-east-1" });
      const key = new aws.kms.Key("data", { multiRegion: true }, { provider: primary });
      const replica = new aws.kms.ReplicaKey(
        "data-us",
        { primaryKeyArn: key.arn },
        { provider: other },
      );
      const policy = (name: string, keyId: pulumi.Input<string>, provider: aws.Provider) =>
        new aws.kms.KeyPolicy(name, { keyId, policy: "{}" }, { provider });
      const primaryPolicy = policy("data", key.id, primary);
      const replicaPolicy = policy("data-us", replica.id, other);
      new aws.cloudwatch.LogGroup(
        "us-logs",
        { kmsKeyId: replica.arn },
        { provider: other, dependsOn: [waitFor === "primary" ? primaryPolicy : replicaPolicy] },
      );
    };
    expect(await refusal(build("primary"))).toEqual([
      expect.stringMatching(
        /LogGroup::us-logs: must depend on \S+KeyPolicy::data-us \(the key policy of data-us\)/,
      ) as string,
    ]);
    await expect(run(build("replica"))).resolves.toBeDefined();
  });

  it("refuses an EKS cluster whose secrets key policy it does not wait for; passes once it does", async () => {
    const build = (wait: boolean) => () => {
      const provider = home();
      const parent = group([provider, new eks.Provider("eks")]);
      const { key, policy } = keyWithPolicy("user-data", provider);
      new eks.Cluster(
        "analytics",
        { encryptionConfigKeyArn: key.arn },
        { parent, dependsOn: wait ? [policy] : [] },
      );
    };
    const lines = await refusal(build(false));
    expect(lines).toEqual([
      expect.stringMatching(
        /^urn:pulumi:test::knowledgecity::test:index:Group\$eks:index:Cluster::analytics: must depend on \S+KeyPolicy::user-data \(the key policy of user-data\): EKS checks/,
      ) as string,
    ]);
    await expect(run(build(true))).resolves.toBeDefined();
  });
});

describe("policies naming principals that do not exist", () => {
  const SPOT =
    "arn:aws:iam::111122223333:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot";

  function keyPolicyNaming(
    principal: pulumi.Input<string>,
    provider: aws.Provider,
    deps: pulumi.Resource[] = [],
  ) {
    const key = new aws.kms.Key("data", {}, { provider });
    return new aws.kms.KeyPolicy(
      "data",
      {
        keyId: key.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::111122223333:root" },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Effect: "Allow",
              Principal: { AWS: [principal] },
              Action: "kms:Decrypt",
              Resource: "*",
            },
          ],
        }),
      },
      { provider, dependsOn: deps },
    );
  }

  it("refuses a key policy naming a role nobody creates, looks up or declares", async () => {
    const lines = await refusal(() => {
      keyPolicyNaming(SPOT, home());
    });
    expect(lines).toEqual([
      `urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:kms/keyPolicy:KeyPolicy::data: names the principal ${SPOT}, which nothing it depends on creates, no lookup returned and the stack config does not declare; KMS refuses a key policy naming a principal that does not exist (MalformedPolicyDocumentException), https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html`,
    ]);
  });

  it("passes the role when the program creates it first, looks it up, or the config declares it", async () => {
    await run(() => {
      const provider = home();
      const role = new aws.iam.ServiceLinkedRole(
        "spot",
        { awsServiceName: "spot.amazonaws.com" },
        { provider },
      );
      keyPolicyNaming(role.arn, provider);
    });
    await run(async () => {
      const provider = home();
      const role = await aws.iam.getRole({ name: "AWSServiceRoleForEC2Spot" }, { provider });
      keyPolicyNaming(role.arn, provider);
    });
    await run(
      () => {
        keyPolicyNaming("arn:aws:iam::111122223333:role/platform-admin", home());
      },
      {
        ...STRICT,
        "knowledgecity:analytics": JSON.stringify({
          adminRoleArns: ["arn:aws:iam::111122223333:role/platform-admin"],
        }),
      },
    );
    await run(
      () => {
        keyPolicyNaming("arn:aws:iam::111122223333:role/stand-in", home());
      },
      STRICT,
      ["arn:aws:iam::111122223333:role/stand-in"],
    );
  });

  it("lets a component test declare its stand-in roles through runComponent", async () => {
    const standIn = "arn:aws:iam::111122223333:role/monolith-instance";
    const build = (provider: aws.Provider) => {
      keyPolicyNaming(standIn, provider);
    };
    await expect(runComponent(build)).rejects.toThrow(
      `names the principal ${standIn}, which nothing it depends on creates`,
    );
    await expect(runComponent(build, { knownPrincipals: [standIn] })).resolves.toBeDefined();
  });

  it("refuses a bucket policy naming a role the program creates but does not wait for", async () => {
    // The role's ARN written out, as the mocks give it, rather than taken from the role.
    const written = `arn:aws:iam::111122223333:role/reader-${stableHex(7, "aws:iam/role:Role", "reader")}`;
    const build = (principal: (role: aws.iam.Role) => pulumi.Input<string>) => () => {
      const provider = home();
      const role = new aws.iam.Role("reader", { assumeRolePolicy: "{}" }, { provider });
      const bucket = new aws.s3.Bucket("data", {}, { provider });
      new aws.s3.BucketPolicy(
        "data",
        {
          bucket: bucket.id,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: principal(role) },
                Action: "s3:GetObject",
                Resource: "*",
              },
            ],
          }),
        },
        { provider },
      );
    };
    expect(await refusal(build(() => written))).toEqual([
      `urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:s3/bucketPolicy:BucketPolicy::data: names the principal ${written}, which nothing it depends on creates, no lookup returned and the stack config does not declare; S3 refuses a bucket policy naming a principal that does not exist (Invalid principal in policy), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html`,
    ]);
    const fixed = await run(build((role) => role.arn));
    expect(only(fixed.resources, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy).toContain(
      written,
    );
  });
});

describe("a failed run never reaches the next one", () => {
  /** A component that registers outputs and a child only after `delayMs`. */
  class Late extends pulumi.ComponentResource {
    constructor(name: string, delayMs: number, opts: pulumi.ComponentResourceOptions) {
      super("test:index:Late", name, {}, opts);
      const late = pulumi.output(
        new Promise<string>((resolve) => {
          setTimeout(() => {
            resolve("ready");
          }, delayMs);
        }),
      );
      late.apply(() => new aws.sqs.Queue(`${name}-late`, {}, { parent: this }));
      this.registerOutputs({ late });
    }
  }

  it("lets the next program run clean after one that failed with work still pending", async () => {
    await expect(
      run(() => {
        new Late("first", 2500, { providers: [home()] });
        throw new Error("the first stack's program failed");
      }),
    ).rejects.toThrow("the first stack's program failed");
    const next = await runInMockEngine({
      project: "knowledgecity",
      stack: "next",
      config: STRICT,
      program: async () => {
        new Late("second", 10, { providers: [home()] });
        // Outlive the first run's late work, so it would land in this run if it could.
        await new Promise((resolve) => setTimeout(resolve, 3000));
      },
    });
    expect(next.resources.map((r) => r.urn)).toEqual([
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack::knowledgecity-next",
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack$pulumi:providers:aws::home",
      "urn:pulumi:next::knowledgecity::pulumi:pulumi:Stack$test:index:Late::second",
      "urn:pulumi:next::knowledgecity::test:index:Late$aws:sqs/queue:Queue::second-late",
    ]);
  }, 30_000);

  it("plans the unchanged stack after a stack whose config is refused", async () => {
    await expect(
      planStack("me-south-1", {
        "knowledgecity:network": JSON.stringify({ cidr: "10.20.0.0/28" }),
      }),
    ).rejects.toThrow(/knowledgecity:network\.cidr = "10\.20\.0\.0\/28"/);
    const plan = await planStack("us-east-1");
    expect(plan.document.stack).toBe("us-east-1");
    expect(
      plan.document.resources.filter((r) => !r.urn.startsWith("urn:pulumi:us-east-1::")),
    ).toEqual([]);
  }, 120_000);
});
