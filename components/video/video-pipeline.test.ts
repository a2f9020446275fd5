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
import { PLAYBACK_LOG_FIELDS } from "../../contracts/playback-logs";
import { VideoPipeline, type VideoPipelineArgs } from "./video-pipeline";

function run(overrides: Partial<VideoPipelineArgs> = {}) {
  return runComponent((provider, providerFor) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: [provider] },
    );
    new VideoPipeline(
      "video",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        keys,
        domain: "knowledgecity.com",
        hostname: "video.sa.knowledgecity.com",
        hostedZoneId: "Z0ZONE0000",
        usEast1Provider: providerFor("us-east-1"),
        ...overrides,
      },
      { providers: [provider] },
    );
    keys.seal();
  });
}

const statementsOf = (resource: RecordedResource | undefined, field = "policy") =>
  list(json(resource?.inputs[field]).Statement).map(record);

/** The distinct actions of a function's role (one action may appear under two conditions). */
const actionsOf = (recorded: Recorded, fn: string): string[] => [
  ...new Set(
    statementsOf(recorded.named("aws:iam/rolePolicy:RolePolicy", `video-${fn}-policy`))
      .filter((s) => !["WriteOwnLogs", "Tracing"].includes(String(s.Sid)))
      .flatMap((s) => list(s.Action).map(String))
      .sort(),
  ),
];

/** A policy value that may be one string or a list of them, as a list. */
const valuesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

describe("VideoPipeline", async () => {
  const recorded = Recorded.of(await run());

  it("keeps raw uploads and renditions in private, KMS-encrypted, TLS-only, versioned buckets", () => {
    for (const bucket of ["video-raw", "video-processed"]) {
      expect(
        JSON.stringify(
          recorded.named(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
          ).inputs.rules,
        ),
      ).toContain("aws:kms");
      expect(
        recorded.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).inputs
          .restrictPublicBuckets,
      ).toBe(true);
      expect(
        recorded.named("aws:s3/bucketVersioning:BucketVersioning", bucket).inputs
          .versioningConfiguration,
      ).toEqual({ status: "Enabled" });
      expect(
        statementsOf(recorded.named("aws:s3/bucketPolicy:BucketPolicy", bucket))[0],
      ).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("moves renditions to Standard-IA after 30 days and Intelligent-Tiering later; expires raw uploads; aborts unfinished uploads", () => {
    const processed = list(
      recorded.named(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "video-processed",
      ).inputs.rules,
    ).map(record);
    expect(processed.find((r) => r.id === "renditions-tiering")?.transitions).toEqual([
      { days: 30, storageClass: "STANDARD_IA" },
      { days: 90, storageClass: "INTELLIGENT_TIERING" },
    ]);
    const raw = list(
      recorded.named(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "video-raw",
      ).inputs.rules,
    ).map(record);
    expect(raw.find((r) => r.id === "raw-after-encode")).toMatchObject({
      filter: { prefix: "uploads/" },
      expiration: { days: 30 },
    });
    for (const rules of [processed, raw]) {
      expect(
        rules.find((r) => r.id === "abort-incomplete-multipart-uploads")
          ?.abortIncompleteMultipartUpload,
      ).toEqual({ daysAfterInitiation: 7 });
    }
  });

  it("archives raw uploads to Deep Archive when told to", async () => {
    const archived = Recorded.of(await run({ rawUploads: { afterEncode: "archive", days: 14 } }));
    const rules = list(
      archived.named(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "video-raw",
      ).inputs.rules,
    ).map(record);
    expect(rules.find((r) => r.id === "raw-after-encode")?.transitions).toEqual([
      { days: 14, storageClass: "DEEP_ARCHIVE" },
    ]);
  });

  it("notifies the ingest queue of new uploads, which only the raw bucket may feed, and redrives to a dead-letter queue", () => {
    const [notification] = recorded.ofType("aws:s3/bucketNotification:BucketNotification");
    const [queue] = list(notification?.inputs.queues).map(record);
    expect(queue).toMatchObject({ events: ["s3:ObjectCreated:*"], filterPrefix: "uploads/" });
    const ingest = recorded.named("aws:sqs/queue:Queue", "video-ingest");
    expect(queue?.queueArn).toMatch(/:video-ingest-/);
    const redrive = json(ingest.inputs.redrivePolicy);
    expect(redrive.maxReceiveCount).toBe(5);
    expect(String(redrive.deadLetterTargetArn)).toMatch(/:video-ingest-dlq-/);
    expect(ingest.inputs.visibilityTimeoutSeconds).toBe(360);
    const policy = statementsOf(recorded.named("aws:sqs/queuePolicy:QueuePolicy", "video-ingest"));
    expect(policy[0]).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
    });
    const mapping = recorded.ofType("aws:lambda/eventSourceMapping:EventSourceMapping")[0];
    expect(mapping?.inputs).toMatchObject({
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 5 },
    });
  });

  it("writes the upload notification only once S3 may send to the queue and encrypt with its key", () => {
    // S3 sends the queue a test message when the notification is written, so the queue policy and
    // the content key's policy must exist first.
    const notification = recorded.named(
      "aws:s3/bucketNotification:BucketNotification",
      "video-raw",
    );
    const contentPolicy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-content");
    expect(notification.dependsOn).toContain(contentPolicy.urn);
    expect(notification.dependsOn).toContain(
      recorded.named("aws:sqs/queuePolicy:QueuePolicy", "video-ingest").urn,
    );
    expect(
      statementsOf(contentPolicy).find((s) => s.Sid === "S3NotifiesTheIngestQueue"),
    ).toMatchObject({ Principal: { Service: "s3.amazonaws.com" } });
  });

  it("creates every encrypted log group, the tasks' included, only once CloudWatch Logs may use the key", async () => {
    const withTasks = Recorded.of(
      await run({
        tasks: [
          { name: "transcripts", image: "111122223333.dkr.ecr.me-south-1.amazonaws.com/t:1" },
        ],
        network: { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] },
      }),
    );
    const telemetryPolicy = withTasks.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry");
    const logGroups = withTasks.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroups.map((group) => group.name)).toContain("video-tasks-logs");
    expect(logGroups).toHaveLength(5);
    for (const group of logGroups) {
      expect(group.inputs.kmsKeyId, group.name).toMatch(/^arn:aws:kms:me-south-1:/);
      expect(group.dependsOn, group.name).toContain(telemetryPolicy.urn);
    }
  });

  it("runs the trick-play task by default where it has a network, its dead letters encrypted with a key EventBridge may use", async () => {
    const network = { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] };
    const withNetwork = Recorded.of(await run({ network }));
    const definition = withNetwork.named(
      "aws:ecs/taskDefinition:TaskDefinition",
      "video-tasks-trick-play",
    );
    expect(definition.inputs.family).toBe("video-tasks-trick-play");
    // The content key, as the catalog's.
    const catalog = withNetwork.named("aws:dynamodb/table:Table", "video-catalog");
    const queue = withNetwork.named("aws:sqs/queue:Queue", "video-tasks-trick-play-dlq");
    expect(queue.inputs.kmsMasterKeyId).toBe(record(catalog.inputs.serverSideEncryption).kmsKeyArn);
    const eventBridge = statementsOf(
      withNetwork.named("aws:kms/keyPolicy:KeyPolicy", "keys-content"),
    ).find((s) => s.Sid === "EventBridgeParksUndeliveredEvents");
    expect(eventBridge?.Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(valuesOf(eventBridge?.Action)).toContain("kms:GenerateDataKey");
    // Off by config; and no task where there is no network to run it in.
    const off = Recorded.of(await run({ network, trickPlay: { enabled: false } }));
    expect(off.ofType("aws:ecs/taskDefinition:TaskDefinition")).toEqual([]);
    expect(recorded.ofType("aws:ecs/taskDefinition:TaskDefinition")).toEqual([]);
    await expect(run({ trickPlay: { enabled: true } })).rejects.toThrow(
      "video tasks need the network to run in",
    );
  });

  it("routes this queue's MediaConvert job state changes to encode-status, with retries and a dead-letter queue", () => {
    const [rule] = recorded.ofType("aws:cloudwatch/eventRule:EventRule");
    const pattern = json(rule?.inputs.eventPattern);
    expect(pattern.source).toEqual(["aws.mediaconvert"]);
    expect(pattern["detail-type"]).toEqual(["MediaConvert Job State Change"]);
    expect(String(list(record(pattern.detail).queue)[0])).toMatch(
      /^arn:aws:mediaconvert:me-south-1:/,
    );
    const [target] = recorded.ofType("aws:cloudwatch/eventTarget:EventTarget");
    expect(record(target?.inputs.deadLetterConfig).arn).toMatch(/:video-status-dlq-/);
    expect(record(target?.inputs.retryPolicy)).toEqual({
      maximumRetryAttempts: 20,
      maximumEventAgeInSeconds: 86_400,
    });
  });

  it("keeps events encode-status fails on in the dead-letter queue instead of dropping them", () => {
    const [config] = recorded.ofType(
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    );
    expect(config?.inputs).toMatchObject({ maximumRetryAttempts: 2 });
    expect(String(record(record(config?.inputs.destinationConfig).onFailure).destination)).toMatch(
      /:video-status-dlq-/,
    );
  });

  it("leaves its alarms to Observability, over the signals it exposes", () => {
    expect(recorded.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")).toEqual([]);
  });

  it("gives every role exactly the actions it needs", () => {
    expect(actionsOf(recorded, "encode-submit")).toEqual(
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "iam:PassRole",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "mediaconvert:CreateJob",
        "mediaconvert:Probe",
        "mediaconvert:TagResource",
        "s3:GetObject",
        "s3:ListBucket",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ].sort(),
    );
    expect(actionsOf(recorded, "encode-status")).toEqual([
      "dynamodb:UpdateItem",
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "sns:Publish",
      "sqs:SendMessage",
    ]);
    expect(actionsOf(recorded, "upload-url")).toEqual(["kms:GenerateDataKey", "s3:PutObject"]);
    expect(actionsOf(recorded, "playback-auth")).toEqual([
      "kms:Decrypt",
      "secretsmanager:GetSecretValue",
    ]);
    const media = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "video-mediaconvert"),
    );
    expect(media.map((s) => [s.Action, s.Resource])).toEqual([
      [["s3:GetObject"], [expect.stringMatching(/video-raw-[0-9a-f]+\/uploads\/\*$/)]],
      [["s3:PutObject"], [expect.stringMatching(/video-processed-[0-9a-f]+\/courses\/\*$/)]],
      [["kms:Decrypt", "kms:GenerateDataKey"], [expect.stringMatching(/:key\//)]],
    ]);
    const passRole = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "video-encode-submit-policy"),
    ).find((s) => s.Sid === "HandMediaConvertItsRole");
    expect(passRole?.Condition).toEqual({
      StringEquals: { "iam:PassedToService": "mediaconvert.amazonaws.com" },
    });
  });

  it("lets encode-submit park poison messages in exactly the ingest DLQ, through its key", () => {
    const dlq = recorded.named("aws:sqs/queue:Queue", "video-ingest-dlq");
    expect(dlq.state.url).toMatch(
      /^https:\/\/sqs\.me-south-1\.amazonaws\.com\/\d{12}\/video-ingest-dlq-/,
    );
    expect(dlq.state.arn).toMatch(/^arn:aws:sqs:me-south-1:\d{12}:video-ingest-dlq-/);
    expect(dlq.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:me-south-1:\d{12}:key\//);
    const fn = recorded.named("aws:lambda/function:Function", "video-encode-submit-fn");
    expect(record(record(fn.inputs.environment).variables).DLQ_URL).toBe(dlq.state.url);
    const statements = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "video-encode-submit-policy"),
    );
    const senders = statements.filter((s) => list(s.Action).includes("sqs:SendMessage"));
    expect(senders.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ["Allow", ["sqs:SendMessage"], [dlq.state.arn]],
    ]);
    // SendMessage to a KMS-encrypted queue needs the queue's key, through SQS only.
    const key = statements.find((s) => list(s.Action).includes("kms:GenerateDataKey"));
    expect(key?.Resource).toEqual([dlq.inputs.kmsMasterKeyId]);
    expect(list(record(record(key?.Condition).StringEquals)["kms:ViaService"])).toContain(
      "sqs.me-south-1.amazonaws.com",
    );
  });

  it("lets encode-submit tell a deleted upload (404) from a denied one, listing only its bucket", () => {
    const raw = recorded.named("aws:s3/bucket:Bucket", "video-raw");
    const statements = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "video-encode-submit-policy"),
    );
    const listing = statements.filter((s) => list(s.Action).includes("s3:ListBucket"));
    expect(listing.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ["Allow", ["s3:ListBucket"], [raw.state.arn]],
    ]);
  });

  it("lets encode-submit probe uploads: Probe on every resource, reading uploads/* through S3 with the content key", () => {
    const statements = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "video-encode-submit-policy"),
    );
    // Probe has no resource type, so "*" is the only resource it can be granted on.
    const probe = statements.filter((s) => list(s.Action).includes("mediaconvert:Probe"));
    expect(probe.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ["Allow", ["mediaconvert:Probe"], ["*"]],
    ]);
    // MediaConvert reads the probed object with the caller's credentials: the function's role
    // must be able to read the upload and decrypt it, the decryption only through S3.
    const raw = recorded.named("aws:s3/bucket:Bucket", "video-raw");
    const readers = statements.filter((s) => list(s.Action).includes("s3:GetObject"));
    expect(readers.map((s) => s.Resource)).toEqual([[`${String(raw.state.arn)}/uploads/*`]]);
    const encryption = recorded.named(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "video-raw",
    );
    const rawKey = record(
      record(list(encryption.inputs.rules)[0]).applyServerSideEncryptionByDefault,
    ).kmsMasterKeyId;
    expect(rawKey).toMatch(/^arn:aws:kms:me-south-1:\d{12}:key\//);
    const decryptsUploads = statements.filter(
      (s) =>
        list(s.Action).includes("kms:Decrypt") &&
        valuesOf(s.Resource).includes(rawKey) &&
        valuesOf(record(record(s.Condition).StringEquals)["kms:ViaService"]).includes(
          "s3.me-south-1.amazonaws.com",
        ),
    );
    expect(decryptsUploads.map((s) => s.Action)).toEqual([["kms:Decrypt"]]);
    // The key's own policy lets the account's principals use it through S3.
    const keyUse = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-content")).find(
      (s) => s.Sid === "AccountUsesTheKeyThroughItsStores",
    );
    expect(valuesOf(record(record(keyUse?.Condition).StringEquals)["kms:ViaService"])).toContain(
      "s3.me-south-1.amazonaws.com",
    );
  });

  it("caps the submitter's concurrency to protect MediaConvert", () => {
    expect(
      recorded.named("aws:lambda/function:Function", "video-encode-submit-fn").inputs
        .reservedConcurrentExecutions,
    ).toBe(5);
  });

  it("serves renditions through CloudFront with OAC, signed by the key group, a day of edge caching and real-time logs", () => {
    const [distribution] = recorded.ofType("aws:cloudfront/distribution:Distribution");
    const behaviour = record(distribution?.inputs.defaultCacheBehavior);
    const [keyGroup] = recorded.ofType("aws:cloudfront/keyGroup:KeyGroup");
    expect(behaviour.trustedKeyGroups).toEqual([keyGroup?.id]);
    expect(behaviour.viewerProtocolPolicy).toBe("https-only");
    expect(list(distribution?.inputs.origins).map(record)[0]?.originAccessControlId).toBeDefined();
    expect(distribution?.inputs.aliases).toEqual(["video.sa.knowledgecity.com"]);
    const [cache] = recorded.ofType("aws:cloudfront/cachePolicy:CachePolicy");
    expect(cache?.inputs.defaultTtl).toBe(86_400);
    const [headers] = recorded.ofType("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy");
    const cacheControl = list(record(headers?.inputs.customHeadersConfig).items).map(record)[0];
    expect(cacheControl?.value).toBe(
      "private, max-age=86400, stale-while-revalidate=86400, stale-if-error=604800",
    );
    expect(record(record(headers?.inputs.corsConfig).accessControlAllowOrigins).items).toEqual([
      "https://knowledgecity.com",
      "https://www.knowledgecity.com",
    ]);
    const processedPolicy = statementsOf(
      recorded.named("aws:s3/bucketPolicy:BucketPolicy", "video-processed"),
    );
    expect(processedPolicy[1]).toMatchObject({
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Condition: {
        StringEquals: {
          "AWS:SourceArn": `arn:aws:cloudfront::111122223333:distribution/${distribution?.id ?? ""}`,
        },
      },
    });
  });

  it("logs playback-quality fields, nothing personal, to an encrypted Kinesis stream", () => {
    const [config] = recorded.ofType("aws:cloudfront/realtimeLogConfig:RealtimeLogConfig");
    expect(config?.inputs.fields).toEqual([...PLAYBACK_LOG_FIELDS]);
    // The players' CMCD reports, for buffer rates per session.
    expect(config?.inputs.fields).toEqual(
      expect.arrayContaining([
        "cmcd-buffer-starvation",
        "cmcd-buffer-length",
        "cmcd-encoded-bitrate",
        "cmcd-measured-throughput",
        "cmcd-session-id",
        "cmcd-startup",
      ]),
    );
    expect(config?.inputs.fields).not.toContain("c-ip");
    expect(config?.inputs.fields).not.toContain("cs-uri-query");
    expect(config?.inputs.samplingRate).toBe(100);
    const [stream] = recorded.ofType("aws:kinesis/stream:Stream");
    expect(stream?.inputs).toMatchObject({
      encryptionType: "KMS",
      streamModeDetails: { streamMode: "ON_DEMAND" },
    });
  });

  it("keeps the signing key's private half in Secrets Manager and its public half in the key group", () => {
    const [publicKey] = recorded.ofType("aws:cloudfront/publicKey:PublicKey");
    expect(String(publicKey?.inputs.encodedKey)).toContain("BEGIN PUBLIC KEY");
    const version = recorded.named(
      "aws:secretsmanager/secretVersion:SecretVersion",
      "video-signing-key",
    );
    expect(version.inputs.secretString).toBe("[secret]");
    const fn = recorded.named("aws:lambda/function:Function", "video-playback-auth-fn");
    expect(record(record(fn.inputs.environment).variables)).toMatchObject({
      PLAYBACK_DOMAIN: "video.sa.knowledgecity.com",
      COOKIE_DOMAIN: "sa.knowledgecity.com",
      KEY_PAIR_ID: publicKey?.id,
    });
  });

  it("creates the CDN's certificate in us-east-1, as CloudFront requires", () => {
    const [certificate] = recorded.ofType("aws:acm/certificate:Certificate");
    expect(certificate?.region).toBe("us-east-1");
    expect(certificate?.inputs.domainName).toBe("video.sa.knowledgecity.com");
  });

  it("rejects impossible settings", async () => {
    await expect(run({ infrequentAccessAfterDays: 10 })).rejects.toThrow(
      /infrequentAccessAfterDays 10: S3 moves objects to Standard-IA after 30 days at the earliest/,
    );
    await expect(run({ realtimeLogSamplingRate: 0 })).rejects.toThrow(
      /realtimeLogSamplingRate 0: expected an integer from 1 to 100/,
    );
  });
});
