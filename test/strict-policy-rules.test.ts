/**
 * The strict mock engine's policy rules: a resource a service checks against a KMS key policy is
 * refused when created before that policy, and a policy naming a principal nobody creates, looks
 * up or declares is refused.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runComponent } from "../tools/plan/engine";
import { stableHex } from "../tools/plan/engine/aws-data";
import { group, home, only, refusal, run, STRICT } from "./strict-run";

/** The statement a key policy starts with: the account may do everything with the key. */
const ACCOUNT_ROOT_STATEMENT = {
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:root" },
  Action: "kms:*",
  Resource: "*",
};

describe("resources a service checks against a KMS key policy when it creates them", () => {
  function keyWithPolicy(name: string, provider: aws.Provider) {
    const key = new aws.kms.Key(name, {}, { provider });
    const policy = new aws.kms.KeyPolicy(
      name,
      {
        keyId: key.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [ACCOUNT_ROOT_STATEMENT],
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
            ACCOUNT_ROOT_STATEMENT,
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
