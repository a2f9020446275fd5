import { describe, expect, it } from "vitest";
import { evaluate, RULES, type PlannedResource, type ResourceRule } from ".";
import { directoryResidency, userDataResidency } from "./residency";
import { UNKNOWN } from "./resource-facts";
import { encryptionAtRest, noPublicBuckets, noWildcardIam, noWorldOpenIngress } from "./security";
import { dataClassTag, providerDefaultTagsRule } from "./tagging";

const PROVIDER_URN = "urn:pulumi:me-south-1::knowledgecity::pulumi:providers:aws::aws-me-south-1";

function resource(
  overrides: Partial<PlannedResource> & Pick<PlannedResource, "type" | "name">,
): PlannedResource {
  return {
    urn: `urn:pulumi:me-south-1::knowledgecity::${overrides.type}::${overrides.name}`,
    region: "me-south-1",
    inputs: {},
    dependsOn: [],
    provider: PROVIDER_URN,
    ...overrides,
  };
}

const provider: PlannedResource = {
  urn: PROVIDER_URN,
  type: "pulumi:providers:aws",
  name: "aws-me-south-1",
  region: "me-south-1",
  // Providers receive nested inputs as JSON text.
  inputs: {
    region: "me-south-1",
    defaultTags: JSON.stringify({
      tags: { Project: "knowledgecity", Stack: "me-south-1", Jurisdiction: "SA" },
    }),
  },
  dependsOn: [],
};

const settings = { stack: "me-south-1", allowedRegions: ["me-south-1"] };

/** Messages of one rule over the given resources (the provider is always present). */
function messages(rule: ResourceRule, ...resources: PlannedResource[]): string[] {
  return evaluate([provider, ...resources], settings, [rule]).map((v) => v.message);
}

const userData = { DataClass: "user-data" };

describe("user-data-residency", () => {
  it("catches user data outside the allowed regions, naming the resource and the region", () => {
    const replica = resource({
      type: "aws:rds/cluster:Cluster",
      name: "users-replica",
      region: "eu-west-1",
      inputs: { tags: userData },
    });
    expect(evaluate([provider, replica], settings, [userDataResidency])).toEqual([
      {
        rule: "user-data-residency",
        urn: replica.urn,
        enforcement: "mandatory",
        message:
          "aws:rds/cluster:Cluster users-replica holds user data in eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)",
      },
    ]);
  });

  it("catches a global-table replica in another jurisdiction", () => {
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: userData, replicas: [{ regionName: "us-east-1" }] },
    });
    expect(messages(userDataResidency, table)).toEqual([
      "aws:dynamodb/table:Table users sends a global-table replica to us-east-1, outside the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches a backup copy to another region", () => {
    const plan = resource({
      type: "aws:backup/plan:Plan",
      name: "user-data",
      inputs: {
        rules: [
          {
            ruleName: "daily",
            copyActions: [
              { destinationVaultArn: "arn:aws:backup:eu-central-1:111122223333:backup-vault:dr" },
            ],
          },
        ],
      },
    });
    expect(messages(userDataResidency, plan)).toEqual([
      "aws:backup/plan:Plan user-data sends a backup copy to eu-central-1, outside the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches S3 replication of user data to a bucket whose region cannot be proven", () => {
    const bucket = resource({
      type: "aws:s3/bucket:Bucket",
      name: "exports",
      inputs: { tags: userData },
    });
    const replication = resource({
      type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
      name: "exports",
      dependsOn: [bucket.urn],
      inputs: { rules: [{ destination: { bucket: "arn:aws:s3:::somewhere-else" } }] },
    });
    expect(messages(userDataResidency, bucket, replication)).toEqual([
      "aws:s3/bucket:Bucket exports sends an S3 replication target to a region that cannot be proven to be in the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches a secret of user data replicated abroad", () => {
    const secret = resource({
      type: "aws:secretsmanager/secret:Secret",
      name: "db",
      inputs: { tags: userData, replicas: [{ region: "us-east-1" }] },
    });
    expect(messages(userDataResidency, secret)).toHaveLength(1);
  });

  it("accepts user data and its replicas in allowed regions, and other data classes anywhere", () => {
    const settingsUs = { stack: "us-east-1", allowedRegions: ["us-east-1", "us-west-2"] };
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      region: "us-east-1",
      inputs: { tags: userData, replicas: [{ regionName: "us-west-2" }] },
    });
    const logs = resource({
      type: "aws:s3/bucket:Bucket",
      name: "edge-logs",
      region: "eu-west-1",
      inputs: { tags: { DataClass: "telemetry" } },
    });
    expect(evaluate([provider, table, logs], settingsUs, [userDataResidency])).toEqual([]);
  });
});

describe("directory-residency", () => {
  const home = { stack: "us-east-1", allowedRegions: ["us-east-1", "us-west-2"] };
  const withHome = { ...home, homeRegions: ["me-south-1", "us-east-1"] };
  const usProvider: PlannedResource = {
    ...provider,
    urn: PROVIDER_URN.replace(/me-south-1/g, "us-east-1"),
    region: "us-east-1",
  };
  const directory = (replicas: readonly string[], type = "aws:dynamodb/table:Table") =>
    resource({
      type,
      name: "home-region-directory",
      region: "us-east-1",
      provider: usProvider.urn,
      inputs: {
        tags: { DataClass: "pseudonymous-directory" },
        replicas: replicas.map((regionName) => ({ regionName })),
      },
    });
  const found = (subject: PlannedResource, context: typeof home): string[] =>
    evaluate([usProvider, subject], context, [directoryResidency, userDataResidency]).map(
      (v) => `${v.rule}: ${v.message}`,
    );

  it("allows the directory in every home region, outside the stack's allowed regions, and nothing else", () => {
    expect(found(directory(["me-south-1"]), withHome)).toEqual([]);
    expect(found(directory(["me-south-1", "us-west-2", "eu-west-1"]), withHome)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to us-west-2, outside the home regions (me-south-1, us-east-1)",
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to eu-west-1, outside the home regions (me-south-1, us-east-1)",
    ]);
  });

  it("fails closed without the home regions, and on a replica whose region is unknown", () => {
    expect(found(directory(["me-south-1"]), home)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory holds the home-region directory, but the home regions of stack us-east-1 are not known (homeRegions in the policy config); nothing can place it",
    ]);
    const unknown = resource({
      ...directory([]),
      inputs: {
        tags: { DataClass: "pseudonymous-directory" },
        replicas: [{ regionName: UNKNOWN }],
      },
    });
    expect(found(unknown, withHome)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to a region that cannot be proven to be in the home regions (me-south-1, us-east-1)",
    ]);
  });

  it("lets no store but the directory's DynamoDB table use the class to leave its allowed regions", () => {
    const bucket = resource({
      type: "aws:s3/bucket:Bucket",
      name: "exports",
      region: "me-south-1",
      provider: usProvider.urn,
      inputs: { tags: { DataClass: "pseudonymous-directory" } },
    });
    expect(found(bucket, withHome)).toEqual([
      "directory-residency: aws:s3/bucket:Bucket exports has DataClass=pseudonymous-directory, which only the home-region directory (a aws:dynamodb/table:Table) may carry; tag it user-data or what it holds",
    ]);
  });

  it("keeps user data to the allowed regions even where the directory may go", () => {
    const users = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      region: "us-east-1",
      provider: usProvider.urn,
      inputs: { tags: userData, replicas: [{ regionName: "me-south-1" }] },
    });
    expect(found(users, withHome)).toEqual([
      "user-data-residency: aws:dynamodb/table:Table users sends a global-table replica to me-south-1, outside the allowed regions of stack us-east-1 (us-east-1, us-west-2)",
    ]);
  });
});

describe("data-class-tag", () => {
  it("catches a store with no DataClass tag and one with an unknown class", () => {
    const untagged = resource({ type: "aws:dynamodb/table:Table", name: "progress" });
    const wrong = resource({
      type: "aws:s3/bucket:Bucket",
      name: "uploads",
      inputs: { tags: { DataClass: "secret" } },
    });
    expect(messages(dataClassTag, untagged, wrong)).toEqual([
      "aws:dynamodb/table:Table progress stores data but has no DataClass tag; set one of user-data, pseudonymous-directory, content, telemetry, none",
      'aws:s3/bucket:Bucket uploads has a malformed data-class tag: DataClass="secret" is no data class; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
    ]);
  });

  it("catches a data-class tag spelled another way, on any resource", () => {
    const lower = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: { dataclass: "user-data" } },
    });
    const padded = resource({
      type: "aws:lambda/function:Function",
      name: "worker",
      inputs: { tags: { DataClass: " user-data" } },
    });
    expect(messages(dataClassTag, lower, padded)).toEqual([
      'aws:dynamodb/table:Table users has a malformed data-class tag: tag key "dataclass" is not DataClass; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
      'aws:lambda/function:Function worker has a malformed data-class tag: DataClass=" user-data" is not spelled user-data; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
    ]);
  });

  it("ignores resources that store nothing", () => {
    expect(
      messages(dataClassTag, resource({ type: "aws:ec2/routeTable:RouteTable", name: "rt" })),
    ).toEqual([]);
  });
});

describe("provider-default-tags", () => {
  it("catches an AWS resource on the default provider", () => {
    const orphan = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", provider: undefined });
    expect(messages(providerDefaultTagsRule, orphan)).toEqual([
      "aws:ec2/vpc:Vpc vpc uses the default AWS provider; pass the stack's provider so its default tags apply",
    ]);
  });

  it("catches a provider whose default tags lack the required keys", () => {
    const bare: PlannedResource = {
      ...provider,
      urn: `${PROVIDER_URN}-bare`,
      name: "bare",
      inputs: { region: "me-south-1" },
    };
    const vpc = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", provider: bare.urn });
    expect(
      evaluate([provider, bare, vpc], settings, [providerDefaultTagsRule]).map((v) => v.message),
    ).toEqual([
      "aws:ec2/vpc:Vpc vpc uses provider bare, whose default tags lack Project, Stack, Jurisdiction",
    ]);
  });

  it("does not judge non-AWS resources", () => {
    const component = resource({
      type: "knowledgecity:network:Network",
      name: "net",
      provider: undefined,
    });
    expect(messages(providerDefaultTagsRule, component)).toEqual([]);
  });
});

describe("encryption-at-rest", () => {
  it("catches an unencrypted table, cluster, log group, queue and secret", () => {
    const stores = [
      resource({
        type: "aws:dynamodb/table:Table",
        name: "users",
        inputs: { serverSideEncryption: { enabled: false } },
      }),
      resource({ type: "aws:rds/cluster:Cluster", name: "db", inputs: { storageEncrypted: true } }),
      resource({ type: "aws:cloudwatch/logGroup:LogGroup", name: "logs" }),
      resource({
        type: "aws:sqs/queue:Queue",
        name: "work",
        inputs: { sqsManagedSseEnabled: true },
      }),
      resource({ type: "aws:secretsmanager/secret:Secret", name: "db-user" }),
    ];
    expect(messages(encryptionAtRest, ...stores)).toEqual(
      stores.map(
        (s) => `${s.type} ${s.name} is not encrypted at rest with a customer-managed KMS key`,
      ),
    );
  });

  it("accepts stores encrypted with a customer-managed key", () => {
    const key = "arn:aws:kms:me-south-1:111122223333:key/1";
    expect(
      messages(
        encryptionAtRest,
        resource({
          type: "aws:dynamodb/table:Table",
          name: "users",
          inputs: { serverSideEncryption: { enabled: true, kmsKeyArn: key } },
        }),
        resource({
          type: "aws:rds/cluster:Cluster",
          name: "db",
          inputs: { storageEncrypted: true, kmsKeyId: key },
        }),
      ),
    ).toEqual([]);
  });

  it("requires a bucket's SSE-KMS configuration, found through its dependencies", () => {
    const bucket = resource({ type: "aws:s3/bucket:Bucket", name: "uploads" });
    const sse = (algorithm: string) =>
      resource({
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        name: `uploads-${algorithm}`,
        dependsOn: [bucket.urn],
        inputs: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }] },
      });
    expect(messages(encryptionAtRest, bucket)).toEqual([
      "aws:s3/bucket:Bucket uploads has no default SSE-KMS encryption",
    ]);
    expect(messages(encryptionAtRest, bucket, sse("AES256"))).toHaveLength(1);
    expect(messages(encryptionAtRest, bucket, sse("aws:kms"))).toEqual([]);
  });

  it("accepts SSE-S3 only for a bucket marked as receiving load balancer logs", () => {
    const logs = resource({
      type: "aws:s3/bucket:Bucket",
      name: "alb-logs",
      inputs: { tags: { DataClass: "telemetry", LogDelivery: "elb" } },
    });
    const sse = resource({
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      name: "alb-logs",
      dependsOn: [logs.urn],
      inputs: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    });
    expect(messages(encryptionAtRest, logs, sse)).toEqual([]);
  });
});

describe("no-public-buckets", () => {
  const bucket = resource({ type: "aws:s3/bucket:Bucket", name: "spa" });
  const block = (flags: Record<string, boolean>) =>
    resource({
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      name: "spa",
      dependsOn: [bucket.urn],
      inputs: flags,
    });
  const allBlocked = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  };

  it("catches a bucket whose public access is not fully blocked", () => {
    expect(
      messages(noPublicBuckets, bucket, block({ ...allBlocked, restrictPublicBuckets: false })),
    ).toEqual([
      "aws:s3/bucket:Bucket spa does not block all public access (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)",
    ]);
  });

  it("catches a policy that lets everyone read", () => {
    const policy = resource({
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: "spa-policy",
      dependsOn: [bucket.urn],
      inputs: {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: "arn:aws:s3:::spa/*",
            },
          ],
        }),
      },
    });
    expect(messages(noPublicBuckets, bucket, block(allBlocked), policy)).toEqual([
      "aws:s3/bucket:Bucket spa has a policy statement allowing everyone (spa-policy)",
    ]);
  });

  it("accepts a private bucket with a TLS-only deny for everyone and a conditioned service grant", () => {
    const policy = resource({
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: "spa-policy",
      dependsOn: [bucket.urn],
      inputs: {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Condition: {
                StringEquals: {
                  "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1",
                },
              },
            },
          ],
        }),
      },
    });
    expect(messages(noPublicBuckets, bucket, block(allBlocked), policy)).toEqual([]);
  });
});

describe("no-wildcard-iam", () => {
  it("catches a statement allowing every action on every resource", () => {
    const policy = resource({
      type: "aws:iam/rolePolicy:RolePolicy",
      name: "app",
      inputs: {
        policy: JSON.stringify({
          Statement: [
            { Sid: "Fine", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
            { Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" },
          ],
        }),
      },
    });
    expect(messages(noWildcardIam, policy)).toEqual([
      'aws:iam/rolePolicy:RolePolicy app allows "*" actions on "*" resources (statement Everything)',
    ]);
  });

  it("catches AdministratorAccess attached to a role", () => {
    const role = resource({
      type: "aws:iam/role:Role",
      name: "ops",
      inputs: { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
    });
    expect(messages(noWildcardIam, role)).toEqual([
      "aws:iam/role:Role ops attaches AdministratorAccess",
    ]);
  });

  it("accepts scoped wildcards and denies", () => {
    const policy = resource({
      type: "aws:iam/policy:Policy",
      name: "scoped",
      inputs: {
        policy: {
          Statement: [
            {
              Effect: "Allow",
              Action: "kms:*",
              Resource: "arn:aws:kms:me-south-1:111122223333:key/1",
            },
            { Effect: "Deny", Action: "*", Resource: "*" },
          ],
        },
      },
    });
    expect(messages(noWildcardIam, policy)).toEqual([]);
  });
});

describe("no-world-open-ingress", () => {
  const group = (ingress: Record<string, unknown>[]) =>
    resource({ type: "aws:ec2/securityGroup:SecurityGroup", name: "app", inputs: { ingress } });

  it("catches SSH open to the world", () => {
    expect(
      messages(
        noWorldOpenIngress,
        group([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }]),
      ),
    ).toEqual([
      "aws:ec2/securityGroup:SecurityGroup app opens port 22 (tcp) to the whole internet; only 80 and 443 may be",
    ]);
  });

  it("catches all traffic from the world over IPv6, and a range that spans the web ports", () => {
    const rule = resource({
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: "all",
      inputs: { ipProtocol: "-1", cidrIpv6: "::/0" },
    });
    const range = resource({
      type: "aws:ec2/securityGroupRule:SecurityGroupRule",
      name: "range",
      inputs: {
        type: "ingress",
        protocol: "tcp",
        fromPort: 80,
        toPort: 443,
        cidrBlocks: ["0.0.0.0/0"],
      },
    });
    expect(messages(noWorldOpenIngress, rule, range)).toEqual([
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule all opens all ports (-1) to the whole internet; only 80 and 443 may be",
      "aws:ec2/securityGroupRule:SecurityGroupRule range opens ports 80-443 (tcp) to the whole internet; only 80 and 443 may be",
    ]);
  });

  it("accepts HTTPS from the world and anything from inside the VPC", () => {
    expect(
      messages(
        noWorldOpenIngress,
        group([
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.20.0.0/16"] },
        ]),
      ),
    ).toEqual([]);
  });
});

describe("the rule set", () => {
  it("has unique names, every rule mandatory", () => {
    const names = RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      "user-data-residency",
      "directory-residency",
      "residency-routing-fails-closed",
      "data-class-tag",
      "provider-default-tags",
      "encryption-at-rest",
      "no-public-buckets",
      "no-wildcard-iam",
      "no-world-open-ingress",
    ]);
    expect(RULES.every((rule) => rule.enforcement === "mandatory")).toBe(true);
  });
});

describe("where each check runs", () => {
  // CrossGuard runs `checkResource` before a resource is created or updated, with nothing but the
  // resource and its provider; `checkStack` runs once over the whole stack.
  const alone = (rule: ResourceRule, subject: PlannedResource): readonly string[] =>
    rule.checkResource(subject, { ...settings, provider });

  it("decides from the resource and its provider alone whatever the resource itself shows", () => {
    const cases: [ResourceRule, PlannedResource][] = [
      [
        userDataResidency,
        resource({
          type: "aws:dynamodb/table:Table",
          name: "users",
          inputs: { tags: userData, replicas: [{ regionName: "eu-west-1" }] },
        }),
      ],
      [dataClassTag, resource({ type: "aws:sqs/queue:Queue", name: "jobs" })],
      [encryptionAtRest, resource({ type: "aws:dynamodb/table:Table", name: "plain" })],
      [
        noPublicBuckets,
        resource({ type: "aws:s3/bucket:Bucket", name: "open", inputs: { acl: "public-read" } }),
      ],
      [
        noWildcardIam,
        resource({
          type: "aws:iam/policy:Policy",
          name: "admin",
          inputs: {
            policy: JSON.stringify({
              Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
            }),
          },
        }),
      ],
      [
        noWorldOpenIngress,
        resource({
          type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
          name: "ssh",
          inputs: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
        }),
      ],
    ];
    for (const [rule, subject] of cases) {
      expect(alone(rule, subject), rule.name).toHaveLength(1);
    }
    // The provider comes with the resource: a resource without one is caught on its own.
    const queue = resource({ type: "aws:sqs/queue:Queue", name: "jobs", provider: undefined });
    expect(providerDefaultTagsRule.checkResource(queue, settings)).toEqual([
      "aws:sqs/queue:Queue jobs uses the default AWS provider; pass the stack's provider so its default tags apply",
    ]);
  });

  it("leaves to the stack check only what other resources decide", () => {
    expect(RULES.filter((rule) => rule.checkStack !== undefined).map((rule) => rule.name)).toEqual([
      "user-data-residency",
      "encryption-at-rest",
      "no-public-buckets",
    ]);
    const bucket = resource({ type: "aws:s3/bucket:Bucket", name: "raw" });
    expect(alone(encryptionAtRest, bucket)).toEqual([]);
    expect(alone(noPublicBuckets, bucket)).toEqual([]);
    const context = { ...settings, resources: new Map([[bucket.urn, bucket]]) };
    expect(encryptionAtRest.checkStack?.(bucket, context)).toEqual([
      "aws:s3/bucket:Bucket raw has no default SSE-KMS encryption",
    ]);
    expect(noPublicBuckets.checkStack?.(bucket, context)).toEqual([
      "aws:s3/bucket:Bucket raw does not block all public access (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)",
    ]);
  });

  it("reads a replica region unknown during preview as unproven, never as allowed", () => {
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: userData, replicas: [{ regionName: UNKNOWN }] },
    });
    expect(alone(userDataResidency, table)).toEqual([
      "aws:dynamodb/table:Table users sends a global-table replica to a region that cannot be proven to be in the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });
});
