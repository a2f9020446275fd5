import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { serviceLinkedRoleArns, type AccountSettingSource } from "../shared/iam";
import { BODY_SIZE_OUTSIDE_LARGE_BODY_PATHS, MANAGED_RULE_GROUPS } from "../security/waf-rules";
import { ALB_TLS_POLICY } from "../shared/load-balancing";
import { Monolith, type MonolithArgs } from "./monolith";
import type { MonolithBackends, MonolithUserStore } from "./monolith-runtime";

const HOSTNAMES = ["api.knowledgecity.com", "api.sa.knowledgecity.com"];

const fn = (name: string) => ({
  name,
  arn: `arn:aws:lambda:me-south-1:111122223333:function:${name}`,
});
const BACKENDS: MonolithBackends = {
  "upload-url": fn("kc-upload-url-1a2b3c4"),
  "playback-auth": fn("kc-playback-auth-1a2b3c4"),
  tokenize: fn("kc-pii-tokenize-1a2b3c4"),
  detokenize: fn("kc-pii-detokenize-1a2b3c4"),
  "home-region": fn("kc-home-region-1a2b3c4"),
};
const table = (name: string) => ({
  name,
  arn: `arn:aws:dynamodb:me-south-1:111122223333:table/${name}`,
});
const TABLES = {
  users: table("kc-users-users-5d6e7f8"),
  enrolments: table("kc-users-enrolments-5d6e7f8"),
  progress: table("kc-users-progress-5d6e7f8"),
};
const USER_KEY = "arn:aws:kms:me-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DYNAMODB_STORE: MonolithUserStore = {
  kind: "dynamodb",
  tables: TABLES,
  keyArn: USER_KEY,
};
const AURORA_STORE: MonolithUserStore = {
  kind: "aurora",
  engine: "aurora-postgresql",
  shards: [
    {
      id: "s1",
      endpoint: "kc-users.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      clusterResourceId: "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1",
    },
  ],
  port: 5432,
  database: "knowledgecity",
  user: "kc_app",
};
const TWO_SHARD_STORE: MonolithUserStore = {
  ...AURORA_STORE,
  shards: [
    ...AURORA_STORE.shards,
    {
      id: "s2",
      endpoint: "kc-users-s2.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      clusterResourceId: "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2",
    },
  ],
};

function run(overrides: Partial<MonolithArgs> = {}, serviceRoles: AccountSettingSource = "create") {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: [provider] },
    );
    const roles = serviceLinkedRoleArns("account", serviceRoles, ["autoScaling"], { provider });
    new Monolith(
      "app",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        hostnames: HOSTNAMES,
        certificate: { hostedZoneId: "Z0ZONE0000" },
        vpcId: "vpc-1",
        vpcCidr: "10.20.0.0/16",
        publicSubnetIds: ["subnet-p1", "subnet-p2", "subnet-p3"],
        privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
        keys,
        imageId: "ami-0123456789abcdef0",
        autoScalingRoleArn: roles.autoScaling ?? "",
        backends: BACKENDS,
        userStore: DYNAMODB_STORE,
        ...overrides,
      },
      { providers: [provider] },
    );
    keys.seal();
  });
}

const one = (recorded: Recorded, type: string): RecordedResource => {
  const [found, ...rest] = recorded.ofType(type);
  if (found === undefined || rest.length > 0) {
    throw new Error(`expected exactly one ${type}`);
  }
  return found;
};

describe("Monolith on EC2", async () => {
  const recorded = Recorded.of(await run());
  const alb = one(recorded, "aws:lb/loadBalancer:LoadBalancer");

  it("serves HTTPS only with a modern TLS policy, redirecting HTTP", () => {
    const listeners = recorded.ofType("aws:lb/listener:Listener");
    const https = listeners.find((l) => l.inputs.port === 443);
    const http = listeners.find((l) => l.inputs.port === 80);
    expect(https?.inputs).toMatchObject({ protocol: "HTTPS", sslPolicy: ALB_TLS_POLICY });
    expect(String(https?.inputs.certificateArn)).toMatch(
      /^arn:aws:acm:me-south-1:111122223333:certificate\//,
    );
    expect(list(http?.inputs.defaultActions).map(record)).toMatchObject([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
    expect(list(https?.inputs.defaultActions).map((a) => record(a).type)).toEqual(["forward"]);
  });

  it("validates the certificate for both hostnames through DNS", () => {
    const certificate = one(recorded, "aws:acm/certificate:Certificate");
    expect(certificate.inputs).toMatchObject({
      domainName: HOSTNAMES[0],
      subjectAlternativeNames: [HOSTNAMES[1]],
      validationMethod: "DNS",
    });
    const records = recorded.ofType("aws:route53/record:Record");
    expect(records.map((r) => r.name).sort()).toEqual(
      HOSTNAMES.map((h) => `app-api-validation-${h}`).sort(),
    );
    expect(
      records.every((r) => r.inputs.type === "CNAME" && r.inputs.zoneId === "Z0ZONE0000"),
    ).toBe(true);
  });

  it("logs access to a private bucket, drops invalid headers and is deletion-protected", () => {
    expect(alb.inputs).toMatchObject({
      internal: false,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
    });
    expect(record(alb.inputs.accessLogs)).toMatchObject({ enabled: true, prefix: "alb" });
    expect(alb.inputs.subnets).toEqual(["subnet-p1", "subnet-p2", "subnet-p3"]);
    const logBucketSse = recorded.named(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "app-alb-logs",
    );
    expect(JSON.stringify(logBucketSse.inputs.rules)).toContain("AES256");
    const policy = json(
      recorded.named("aws:s3/bucketPolicy:BucketPolicy", "app-alb-logs").inputs.policy,
    );
    expect(list(policy.Statement).map(record)[1]).toMatchObject({
      Principal: { AWS: "arn:aws:iam::076674570225:root" },
      Action: "s3:PutObject",
      Resource: [expect.stringMatching(/\/alb\/AWSLogs\/111122223333\/\*$/)],
    });
  });

  it("puts a regional WAF with the managed groups and a rate limit in front of the ALB", () => {
    const acl = one(recorded, "aws:wafv2/webAcl:WebAcl");
    expect(acl.inputs.scope).toBe("REGIONAL");
    const rules = list(acl.inputs.rules).map(record);
    expect(rules.map((r) => r.name)).toEqual([
      ...MANAGED_RULE_GROUPS.slice(0, 2),
      BODY_SIZE_OUTSIDE_LARGE_BODY_PATHS,
      ...MANAGED_RULE_GROUPS.slice(2),
      "RateLimitPerIp",
    ]);
    expect(record(record(rules.at(-1)?.statement).rateBasedStatement)).toMatchObject({
      limit: 2000,
      aggregateKeyType: "IP",
    });
    const association = one(recorded, "aws:wafv2/webAclAssociation:WebAclAssociation");
    expect(association.inputs.resourceArn).toMatch(/^arn:aws:elasticloadbalancing:/);
    const logging = one(
      recorded,
      "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    );
    expect(JSON.stringify(logging.inputs.redactedFields)).toContain("authorization");
  });

  it("lifts the Common rule set's 8 KB body limit under /api/ only, keeping it elsewhere", () => {
    const rules = list(one(recorded, "aws:wafv2/webAcl:WebAcl").inputs.rules).map(record);
    const common = rules.find((r) => r.name === "AWSManagedRulesCommonRuleSet");
    expect(record(record(common?.statement).managedRuleGroupStatement).ruleActionOverrides).toEqual(
      [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }],
    );
    const bodyLimit = rules.find((r) =>
      JSON.stringify(r.statement).includes("core-rule-set:SizeRestrictions_Body"),
    );
    expect(bodyLimit?.action).toEqual({ block: {} });
    expect(Number(bodyLimit?.priority)).toBeGreaterThan(Number(common?.priority));
    const exempt = JSON.stringify(bodyLimit?.statement).match(/"searchString":"([^"]*)"/g);
    expect(exempt).toEqual(['"searchString":"/api/"']);
  });

  it("launches Amazon Linux 2023 from the resolved image with IMDSv2 only and encrypted gp3 volumes", () => {
    const template = one(recorded, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.inputs.imageId).toBe("ami-0123456789abcdef0");
    expect(template.inputs.metadataOptions).toMatchObject({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    const [device] = list(template.inputs.blockDeviceMappings).map(record);
    expect(record(device?.ebs)).toMatchObject({ volumeType: "gp3", encrypted: "true" });
    expect(String(record(device?.ebs).kmsKeyId)).toMatch(/:key\/mrk-/);
    expect(template.inputs.keyName).toBeUndefined();
    const boot = Buffer.from(String(template.inputs.userData), "base64").toString();
    expect(boot).toContain("amazon-cloudwatch-agent-ctl");
    expect(boot).toContain("listen 8080");
  });

  it("reaches instances through SSM, not SSH, with a least-privilege role", () => {
    const role = recorded.named("aws:iam/role:Role", "app-instance");
    expect(role.inputs.managedPolicyArns).toEqual([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]);
    const statements = list(
      json(recorded.named("aws:iam/rolePolicy:RolePolicy", "app-instance").inputs.policy).Statement,
    ).map(record);
    expect(statements.map((s) => s.Sid)).toEqual([
      "UseTheWorkQueue",
      "Notify",
      "MessagesAreEncrypted",
      "ReadReleases",
      "ReleasesAreEncrypted",
      "InvokeTheBackends",
      "ReadAndWriteTheUserTables",
      "UserTablesAreEncrypted",
      "ReadTheRelease",
    ]);
    const groups = recorded.ofType("aws:ec2/securityGroup:SecurityGroup");
    const app = groups.find((g) => g.name === "app-app");
    expect(list(app?.inputs.ingress).map(record)).toEqual([
      expect.objectContaining({
        fromPort: 8080,
        toPort: 8080,
        securityGroups: [expect.stringMatching(/^sg-/)],
      }),
    ]);
    expect(JSON.stringify(app?.inputs.ingress)).not.toContain("0.0.0.0/0");
  });

  it("spreads the group over the private subnets, refreshes it gradually and checks health through the ALB", () => {
    const group = one(recorded, "aws:autoscaling/group:Group");
    expect(group.inputs).toMatchObject({
      vpcZoneIdentifiers: ["subnet-a", "subnet-b", "subnet-c"],
      minSize: 2,
      maxSize: 6,
      desiredCapacity: 2,
      healthCheckType: "ELB",
    });
    expect(record(group.inputs.instanceRefresh)).toMatchObject({
      strategy: "Rolling",
      preferences: { minHealthyPercentage: 90 },
    });
    expect(list(group.inputs.targetGroupArns)).toHaveLength(1);
  });

  it("scales on CPU and on the CloudWatch agent's memory metric", () => {
    const policies = recorded.ofType("aws:autoscaling/policy:Policy");
    const cpu = record(
      policies.find((p) => p.name === "app-cpu")?.inputs.targetTrackingConfiguration,
    );
    const memory = record(
      policies.find((p) => p.name === "app-memory")?.inputs.targetTrackingConfiguration,
    );
    expect(cpu).toMatchObject({
      predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
      targetValue: 60,
    });
    expect(memory).toMatchObject({
      customizedMetricSpecification: {
        namespace: "CWAgent",
        metricName: "mem_used_percent",
        statistic: "Average",
      },
      targetValue: 70,
    });
  });

  it("keeps requests in a KMS-encrypted queue with a dead-letter queue, and notifies through an encrypted topic", () => {
    const queue = recorded.named("aws:sqs/queue:Queue", "app-work");
    const dlq = recorded.named("aws:sqs/queue:Queue", "app-work-dlq");
    const redrive = json(queue.inputs.redrivePolicy);
    expect(redrive.maxReceiveCount).toBe(5);
    expect(String(redrive.deadLetterTargetArn)).toMatch(/:app-work-dlq-/);
    for (const store of [queue, dlq, one(recorded, "aws:sns/topic:Topic")]) {
      expect(String(store.inputs.kmsMasterKeyId)).toMatch(/:key\/mrk-/);
      expect(record(store.inputs.tags).DataClass).toBe("user-data");
    }
  });

  it("names Auto Scaling's service-linked role in the user-data key so it can launch encrypted volumes", () => {
    const statements = list(
      json(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data").inputs.policy).Statement,
    ).map(record);
    const grant = statements.find((s) => s.Sid === "AutoScalingGrantsVolumesTheKey");
    expect(grant).toMatchObject({
      Action: ["kms:CreateGrant"],
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
    // The ARN comes from the role this run creates, so the key policy waits for it: KMS refuses
    // a policy naming a role that does not exist yet, as in a fresh account.
    const role = recorded.named(
      "aws:iam/serviceLinkedRole:ServiceLinkedRole",
      "account-autoScaling",
    );
    expect(role.inputs.awsServiceName).toBe("autoscaling.amazonaws.com");
    expect(role.state.arn).toBe(
      "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    );
    expect(grant?.Principal).toEqual({ AWS: role.state.arn });
    expect(statements.find((s) => s.Sid === "AutoScalingEncryptsVolumes")?.Principal).toEqual({
      AWS: role.state.arn,
    });
    expect(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data").dependsOn).toContain(
      role.urn,
    );
  });

  it("launches instances only once the user-data key policy lets Auto Scaling use the key", () => {
    const template = one(recorded, "aws:ec2/launchTemplate:LaunchTemplate");
    const group = one(recorded, "aws:autoscaling/group:Group");
    const policy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data");
    expect(template.dependsOn).toContain(policy.urn);
    expect(group.dependsOn).toContain(template.urn);
  });

  it("uses the account's existing Auto Scaling role, looked up by name, when told to", async () => {
    const existing = Recorded.of(await run({}, "existing"));
    expect(existing.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).toEqual([]);
    const statements = list(
      json(existing.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data").inputs.policy).Statement,
    ).map(record);
    expect(statements.find((s) => s.Sid === "AutoScalingEncryptsVolumes")?.Principal).toEqual({
      AWS: "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    });
  });

  it("rejects impossible sizes and prefixes", async () => {
    await expect(run({ minSize: 5, maxSize: 3 })).rejects.toThrow(
      /minSize 5 is larger than maxSize 3/,
    );
    await expect(run({ desiredCapacity: 9 })).rejects.toThrow(
      /desiredCapacity 9 is outside minSize\.\.maxSize \(2\.\.6\)/,
    );
    await expect(run({ largeBodyPathPrefixes: ["/"] })).rejects.toThrow(
      'largeBodyPathPrefixes[0] = "/": expected a path prefix such as "/api/"',
    );
  });
});

const stringMatching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

/** The statements of the instances' inline policy, by Sid. */
function instanceStatements(recorded: Recorded): Map<string, Record<string, unknown>> {
  const policy = recorded.named("aws:iam/rolePolicy:RolePolicy", "app-instance");
  return new Map(
    list(json(policy.inputs.policy).Statement)
      .map(record)
      .map((statement) => [String(statement.Sid), statement]),
  );
}

/** The app's environment as the boot script writes it for PHP-FPM. */
function poolEnvironment(recorded: Recorded): Record<string, string> {
  const template = one(recorded, "aws:ec2/launchTemplate:LaunchTemplate");
  const script = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
  const pool =
    /cat > \/etc\/php-fpm\.d\/zz-knowledgecity\.conf <<'FPM'\n\[www\]\n([^]*?)\nFPM/.exec(script);
  if (pool?.[1] === undefined) {
    throw new Error("the boot script writes no PHP-FPM environment");
  }
  return Object.fromEntries(
    pool[1].split("\n").map((line) => {
      const match = /^env\[(KC_[A-Z0-9_]+)\] = (.+)$/.exec(line);
      if (match?.[1] === undefined || match[2] === undefined) {
        throw new Error(`not an environment line: ${line}`);
      }
      return [match[1], match[2]];
    }),
  );
}

describe("The monolith's backends and user store (DynamoDB)", async () => {
  const recorded = Recorded.of(await run());
  const statements = instanceStatements(recorded);

  it("may invoke exactly the backend functions it calls", () => {
    expect(statements.get("InvokeTheBackends")).toMatchObject({
      Action: ["lambda:InvokeFunction"],
      Resource: Object.values(BACKENDS).map((backend) => backend.arn),
    });
    const invoking = [...statements.values()].filter((statement) =>
      list(statement.Action).some((action) => String(action).startsWith("lambda:")),
    );
    expect(invoking).toHaveLength(1);
  });

  it("reads and writes the app's tables and their indexes through the user-data key, never the vault", () => {
    const tables = statements.get("ReadAndWriteTheUserTables");
    expect(list(tables?.Resource)).toEqual(
      Object.values(TABLES).flatMap((t) => [t.arn, `${t.arn}/index/*`]),
    );
    expect(list(tables?.Action)).not.toContain("dynamodb:Scan");
    expect(list(tables?.Action)).not.toContain("dynamodb:DeleteTable");
    expect(JSON.stringify([...statements.values()])).not.toContain("pii-vault");
    expect(statements.get("UserTablesAreEncrypted")).toMatchObject({
      Resource: [USER_KEY],
      Condition: { StringEquals: { "kms:ViaService": "dynamodb.me-south-1.amazonaws.com" } },
    });
    expect(statements.has("ConnectToTheUserStore")).toBe(false);
  });

  it("learns each backend's and table's name from its environment", () => {
    expect(poolEnvironment(recorded)).toEqual({
      KC_STACK: "me-south-1",
      KC_REGION: "me-south-1",
      KC_WORK_QUEUE_URL: stringMatching(/^https:\/\/sqs\.me-south-1\.amazonaws\.com\//),
      KC_NOTIFICATIONS_TOPIC_ARN: stringMatching(/^arn:aws:sns:me-south-1:111122223333:/),
      KC_FUNCTION_UPLOAD_URL: "kc-upload-url-1a2b3c4",
      KC_FUNCTION_PLAYBACK_AUTH: "kc-playback-auth-1a2b3c4",
      KC_FUNCTION_TOKENIZE: "kc-pii-tokenize-1a2b3c4",
      KC_FUNCTION_DETOKENIZE: "kc-pii-detokenize-1a2b3c4",
      KC_FUNCTION_HOME_REGION: "kc-home-region-1a2b3c4",
      KC_USER_STORE: "dynamodb",
      KC_TABLE_USERS: "kc-users-users-5d6e7f8",
      KC_TABLE_ENROLMENTS: "kc-users-enrolments-5d6e7f8",
      KC_TABLE_PROGRESS: "kc-users-progress-5d6e7f8",
    });
  });

  it("opens no database port when the store is DynamoDB", () => {
    const group = recorded.named("aws:ec2/securityGroup:SecurityGroup", "app-app");
    expect(list(group.inputs.egress).map((rule) => record(rule).fromPort)).toEqual([443]);
  });
});

describe("The monolith's backends and user store (Aurora)", async () => {
  const partial: MonolithBackends = {
    "playback-auth": BACKENDS["playback-auth"],
    tokenize: BACKENDS.tokenize,
    detokenize: BACKENDS.detokenize,
  };
  const recorded = Recorded.of(await run({ userStore: AURORA_STORE, backends: partial }));
  const statements = instanceStatements(recorded);

  it("signs in to its own cluster as the app user with IAM database authentication", () => {
    expect(statements.get("ConnectToTheUserStore")).toEqual({
      Sid: "ConnectToTheUserStore",
      Effect: "Allow",
      Action: ["rds-db:connect"],
      Resource: [
        "arn:aws:rds-db:me-south-1:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1/kc_app",
      ],
    });
    expect(statements.has("ReadAndWriteTheUserTables")).toBe(false);
  });

  it("invokes only the functions the stack has", () => {
    expect(list(statements.get("InvokeTheBackends")?.Resource)).toEqual([
      BACKENDS["playback-auth"]?.arn,
      BACKENDS.tokenize.arn,
      BACKENDS.detokenize.arn,
    ]);
    const environment = poolEnvironment(recorded);
    expect(environment.KC_FUNCTION_UPLOAD_URL).toBeUndefined();
    expect(environment.KC_FUNCTION_HOME_REGION).toBeUndefined();
    // One shard: the environment it had before shards existed, no shard list.
    expect(Object.keys(environment).filter((name) => name.startsWith("KC_DB_"))).toEqual([
      "KC_DB_HOST",
      "KC_DB_NAME",
      "KC_DB_PORT",
      "KC_DB_USER",
    ]);
    expect(environment).toMatchObject({
      KC_USER_STORE: "aurora-postgresql",
      KC_DB_HOST: "kc-users.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      KC_DB_PORT: "5432",
      KC_DB_NAME: "knowledgecity",
      KC_DB_USER: "kc_app",
    });
  });

  it("reaches the database's port in the VPC", () => {
    const group = recorded.named("aws:ec2/securityGroup:SecurityGroup", "app-app");
    expect(list(group.inputs.egress).map(record)).toContainEqual(
      expect.objectContaining({ fromPort: 5432, toPort: 5432, cidrBlocks: ["10.20.0.0/16"] }),
    );
  });
});

describe("The monolith's user store (Aurora, two shards)", async () => {
  const recorded = Recorded.of(await run({ userStore: TWO_SHARD_STORE, backends: BACKENDS }));
  const statements = instanceStatements(recorded);

  it("signs in to every shard of its region as the app user, and to nothing else", () => {
    expect(statements.get("ConnectToTheUserStore")).toEqual({
      Sid: "ConnectToTheUserStore",
      Effect: "Allow",
      Action: ["rds-db:connect"],
      Resource: [
        "arn:aws:rds-db:me-south-1:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1/kc_app",
        "arn:aws:rds-db:me-south-1:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2/kc_app",
      ],
    });
  });

  it("names every shard and its host, the first as KC_DB_HOST, and asks the directory", () => {
    const environment = poolEnvironment(recorded);
    expect(environment).toMatchObject({
      KC_DB_HOST: "kc-users.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      KC_DB_SHARDS: "s1:s2",
      KC_DB_HOST_S1: "kc-users.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      KC_DB_HOST_S2: "kc-users-s2.cluster-c9akciq32.me-south-1.rds.amazonaws.com",
      KC_FUNCTION_HOME_REGION: "kc-home-region-1a2b3c4",
    });
  });
});
