/**
 * The security rules against deliberately bad resources: encryption at rest, private buckets, no
 * wildcard IAM and no ingress open to the world.
 */
import { describe, expect, it } from "vitest";
import { encryptionAtRest, noPublicBuckets, noWildcardIam, noWorldOpenIngress } from "./security";
import { messages, resource } from "./rules.fixtures";

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
