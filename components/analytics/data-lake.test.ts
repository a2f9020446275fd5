import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { LEARNING_EVENT_LAKE_COLUMNS, LEARNING_EVENT_TYPES } from "../../contracts/analytics";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { evaluate } from "../../policy/rules";
import { DataKeys } from "../security/data-keys";
import { DataLake, LEARNING_EVENTS_ETL_SCRIPT, type DataLakeArgs } from "./data-lake";

const DATA_KEY = "arn:aws:kms:me-south-1:111122223333:key/user-data";
const TELEMETRY_KEY = "arn:aws:kms:me-south-1:111122223333:key/telemetry";
const WRITER = "arn:aws:iam::111122223333:role/monolith-instance";

function run(overrides: Partial<DataLakeArgs> = {}) {
  return runComponent(
    (provider) => {
      const keys = new DataKeys(
        "keys",
        { context: TEST_CONTEXT, stack: "me-south-1" },
        { providers: [provider] },
      );
      new DataLake(
        "lake",
        {
          context: TEST_CONTEXT,
          stack: "me-south-1",
          dataKeyArn: DATA_KEY,
          telemetryKeyArn: TELEMETRY_KEY,
          keys,
          exportWriterRoleArns: [WRITER],
          etl: {},
          ...overrides,
        },
        { providers: [provider] },
      );
      keys.seal();
    },
    { knownPrincipals: [WRITER] },
  );
}

const statementsOf = (resource: RecordedResource | undefined) =>
  list(json(resource?.inputs.policy).Statement).map(record);
const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map((item) => String(item));

/** Runs python3, failing with a clear message when it is not installed. */
function python(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync("python3", args, { encoding: "utf8", env, stdio: "pipe" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("python3 is required to check the Glue script and was not found on PATH", {
        cause: error,
      });
    }
    throw error;
  }
}

describe("DataLake", async () => {
  const recorded = Recorded.of(await run());
  const bucket = recorded.named("aws:s3/bucket:Bucket", "lake-lake");
  const bucketName = String(bucket.id);
  const bucketArn = `arn:aws:s3:::${bucketName}`;
  const job = recorded.named("aws:glue/job:Job", "lake-etl");
  const jobArguments = record(job.inputs.defaultArguments);
  const security = recorded.named(
    "aws:glue/securityConfiguration:SecurityConfiguration",
    "lake-security",
  );
  const jobRole = recorded.named("aws:iam/role:Role", "lake-etl");
  const crawlerRole = recorded.named("aws:iam/role:Role", "lake-crawler");
  const jobPolicy = statementsOf(recorded.named("aws:iam/rolePolicy:RolePolicy", "lake-etl"));
  const crawlerPolicy = statementsOf(
    recorded.named("aws:iam/rolePolicy:RolePolicy", "lake-crawler"),
  );
  const bucketPolicy = statementsOf(
    recorded.named("aws:s3/bucketPolicy:BucketPolicy", "lake-lake"),
  );

  it("keeps the lake in a private bucket encrypted with the user-data key and tagged as user data", () => {
    expect(
      recorded.named(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "lake-lake",
      ).inputs.rules,
    ).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: DATA_KEY },
        bucketKeyEnabled: true,
      },
    ]);
    expect(record(bucket.inputs.tags).DataClass).toBe("user-data");
    expect(bucket.protect).toBe(true);
    expect(
      recorded.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "lake-lake").inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      record(recorded.named("aws:glue/catalogDatabase:CatalogDatabase", "lake-catalog").inputs.tags)
        .DataClass,
    ).toBe("user-data");
  });

  it("expires raw exports, temp data, dead letters and old versions, and keeps curated Parquet", () => {
    const rules = list(
      recorded.named(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "lake-lake",
      ).inputs.rules,
    ).map(record);
    const byId = Object.fromEntries(rules.map((rule) => [String(rule.id), rule]));
    expect(byId["expire-raw-exports"]).toMatchObject({
      filter: { prefix: "exports/" },
      expiration: { days: 90 },
    });
    expect(byId["expire-dead-letters"]).toMatchObject({
      filter: { prefix: "dead-letter/" },
      expiration: { days: 90 },
    });
    expect(byId["expire-noncurrent-versions"]?.noncurrentVersionExpiration).toEqual({
      noncurrentDays: 30,
    });
    // Only rules scoped to other prefixes expire current objects.
    for (const rule of rules.filter((r) => r.expiration !== undefined)) {
      const { prefix } = record(rule.filter);
      expect(typeof prefix).toBe("string");
      expect(prefix).not.toBe("");
      expect("curated/learning-events/".startsWith(String(prefix))).toBe(false);
    }
  });

  it("uploads the script encrypted with the data key and runs it as a FLEX Glue 5.0 job", () => {
    const script = recorded.named("aws:s3/bucketObjectv2:BucketObjectv2", "lake-etl-script");
    expect(script.inputs).toMatchObject({
      bucket: bucketName,
      key: "scripts/learning-events-etl.py",
      serverSideEncryption: "aws:kms",
      kmsKeyId: DATA_KEY,
    });
    expect(job.inputs).toMatchObject({
      glueVersion: "5.0",
      executionClass: "FLEX",
      workerType: "G.1X",
      numberOfWorkers: 2,
      timeout: 120,
      maxRetries: 1,
      command: {
        name: "glueetl",
        pythonVersion: "3",
        scriptLocation: `s3://${String(script.inputs.bucket)}/${String(script.inputs.key)}`,
      },
    });
    expect(recorded.referencedBy(job.inputs.securityConfiguration)).toBe(security);
    expect(recorded.referencedBy(String(job.inputs.roleArn).split("/").pop())).toBe(jobRole);
  });

  it("hands the job the column contract, the event types and the lake's paths", () => {
    expect(jobArguments).toMatchObject({
      "--job-bookmark-option": "job-bookmark-enable",
      "--enable-metrics": "true",
      "--enable-continuous-cloudwatch-log": "true",
      "--TempDir": `s3://${bucketName}/tmp/`,
      "--source-path": `s3://${bucketName}/exports/learning-events/`,
      "--target-path": `s3://${bucketName}/curated/learning-events/`,
    });
    expect(jobArguments["--columns"]).toBe(JSON.stringify(LEARNING_EVENT_LAKE_COLUMNS));
    expect(JSON.parse(String(jobArguments["--event-types"]))).toEqual([...LEARNING_EVENT_TYPES]);
  });

  it("runs the job daily on a schedule and crawls only new curated folders into the database", () => {
    const trigger = recorded.named("aws:glue/trigger:Trigger", "lake-etl-schedule");
    expect(trigger.inputs).toMatchObject({
      type: "SCHEDULED",
      schedule: "cron(15 2 * * ? *)",
      startOnCreation: true,
    });
    expect(recorded.referencedBy(record(list(trigger.inputs.actions)[0]).jobName)).toBe(job);
    const crawler = recorded.named("aws:glue/crawler:Crawler", "lake-crawler");
    expect(crawler.inputs).toMatchObject({
      databaseName: "me_south_1_learning",
      schedule: "cron(15 4 * * ? *)",
      recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
      schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
    });
    expect(record(list(crawler.inputs.s3Targets)[0]).path).toBe(
      `s3://${bucketName}/curated/learning-events/`,
    );
    expect(recorded.referencedBy(crawler.inputs.securityConfiguration)).toBe(security);
    expect(String(crawler.inputs.role)).toContain(String(crawlerRole.id));
  });

  it("encrypts the job's S3 data and bookmarks with the data key and its logs with the telemetry key", () => {
    expect(security.inputs.encryptionConfiguration).toEqual({
      s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: DATA_KEY },
      cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: TELEMETRY_KEY },
      jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: DATA_KEY },
    });
  });

  it("creates the log groups Glue writes to, each with retention and the telemetry key", () => {
    const groups = recorded.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(groups.map((group) => String(group.inputs.name)).sort()).toEqual(
      [
        `/aws-glue/crawlers-role/${String(crawlerRole.id)}-${String(security.id)}`,
        `/aws-glue/jobs/${String(security.id)}-role/${String(jobRole.id)}/error`,
        `/aws-glue/jobs/${String(security.id)}-role/${String(jobRole.id)}/output`,
      ].sort(),
    );
    for (const group of groups) {
      expect(group.inputs).toMatchObject({ retentionInDays: 365, kmsKeyId: TELEMETRY_KEY });
      expect(record(group.inputs.tags).DataClass).toBe("telemetry");
    }
  });

  it("grants explicit actions only, and '*' as a resource only where AWS has no resource-level permission", () => {
    for (const statement of [...jobPolicy, ...crawlerPolicy]) {
      for (const action of strings(statement.Action)) {
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      }
      if (strings(statement.Resource).includes("*")) {
        expect(statement).toMatchObject({
          Sid: "PublishGlueMetrics",
          Action: ["cloudwatch:PutMetricData"],
          Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
        });
      }
    }
    for (const statement of bucketPolicy.filter((s) => s.Effect === "Allow")) {
      expect(strings(statement.Action)).not.toContain("*");
    }
  });

  it("lets the job read exports but write only curated and temp data", () => {
    const writes = jobPolicy.filter((s) =>
      strings(s.Action).some((action) => /^s3:(Put|Delete)/.test(action)),
    );
    const written = writes.flatMap((s) => strings(s.Resource));
    expect(written.sort()).toEqual(
      [`${bucketArn}/curated/learning-events/*`, `${bucketArn}/tmp/*`].sort(),
    );
    const reads = jobPolicy.filter((s) => strings(s.Action).includes("s3:GetObject"));
    expect(reads.flatMap((s) => strings(s.Resource))).toContain(
      `${bucketArn}/exports/learning-events/*`,
    );
    const crawlerReads = crawlerPolicy.flatMap((s) =>
      strings(s.Action).some((a) => a.startsWith("s3:")) ? strings(s.Resource) : [],
    );
    expect(crawlerReads.sort()).toEqual([bucketArn, `${bucketArn}/curated/learning-events/*`]);
    expect(crawlerPolicy.flatMap((s) => strings(s.Action))).not.toContain("s3:PutObject");
  });

  it("lets export writers put objects under exports/learning-events/ and nothing else", () => {
    const granted = bucketPolicy.filter((s) => JSON.stringify(s.Principal).includes(WRITER));
    expect(granted).toEqual([
      {
        Sid: "ExportWritersPutLearningEvents",
        Effect: "Allow",
        Principal: { AWS: [WRITER] },
        Action: ["s3:PutObject"],
        Resource: [`${bucketArn}/exports/learning-events/*`],
      },
    ]);
  });

  it("names the job, crawler and writer roles in the user-data key's policy and leaves the telemetry key alone", () => {
    const userData = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data"));
    const sid = (name: string) => userData.find((s) => s.Sid === name);
    expect(sid("LakeEtlJobUsesTheLakeKey")).toMatchObject({
      Principal: { AWS: `arn:aws:iam::111122223333:role/${String(jobRole.id)}` },
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
    });
    expect(sid("LakeCrawlerReadsTheLake")).toMatchObject({
      Principal: { AWS: `arn:aws:iam::111122223333:role/${String(crawlerRole.id)}` },
      Action: ["kms:Decrypt", "kms:DescribeKey"],
    });
    expect(sid("LakeExportWriter1")).toMatchObject({
      Principal: { AWS: WRITER },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Condition: {
        StringEquals: { "kms:ViaService": "s3.me-south-1.amazonaws.com" },
        ArnEquals: { "kms:EncryptionContext:aws:s3:arn": bucketArn },
      },
    });
    const telemetry = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry"));
    expect(telemetry.filter((s) => String(s.Sid).startsWith("Lake"))).toEqual([]);
  });

  it("passes the platform's residency, tagging and security rules", () => {
    const violations = evaluate(recorded.resources, {
      stack: "test",
      allowedRegions: ["me-south-1"],
    }).filter((violation) => violation.rule !== "provider-default-tags");
    expect(violations).toEqual([]);
  });

  it("takes the job's size, class, schedule and timeout from its args", async () => {
    const sized = Recorded.of(
      await run({
        etl: {
          workerType: "G.2X",
          workers: 10,
          executionClass: "STANDARD",
          schedule: "cron(0 * * * ? *)",
          timeoutMinutes: 60,
        },
        exportRetentionDays: 30,
        logRetentionDays: 90,
      }),
    );
    expect(sized.named("aws:glue/job:Job", "lake-etl").inputs).toMatchObject({
      workerType: "G.2X",
      numberOfWorkers: 10,
      executionClass: "STANDARD",
      timeout: 60,
    });
    expect(sized.named("aws:glue/trigger:Trigger", "lake-etl-schedule").inputs.schedule).toBe(
      "cron(0 * * * ? *)",
    );
    for (const group of sized.ofType("aws:cloudwatch/logGroup:LogGroup")) {
      expect(group.inputs.retentionInDays).toBe(90);
    }
  });

  it.each([
    [{ etl: { workers: 1 } }, /etl\.workers = 1: expected an integer from 2 to 100/],
    [{ etl: { workers: 2.5 } }, /etl\.workers = 2\.5: expected an integer from 2 to 100/],
    [
      { etl: { timeoutMinutes: 5 } },
      /etl\.timeoutMinutes = 5: expected an integer from 10 to 2880/,
    ],
    [{ etl: { timeoutMinutes: 3000 } }, /etl\.timeoutMinutes = 3000/],
    [{ etl: { schedule: "rate(1 day)" } }, /etl\.schedule = "rate\(1 day\)": expected a Glue cron/],
    [{ crawlerSchedule: "daily" }, /crawlerSchedule = "daily": expected a Glue cron/],
    [{ exportRetentionDays: 0 }, /exportRetentionDays = 0: expected a positive whole number/],
    [{ logRetentionDays: 42 as 30 }, /logRetentionDays = 42: expected a CloudWatch retention/],
    [
      { etl: { workerType: "G.8X" as "G.2X" } },
      /etl\.workerType = "G\.8X": expected one of G\.1X, G\.2X/,
    ],
    [{ etl: { executionClass: "SPOT" as "FLEX" } }, /etl\.executionClass = "SPOT"/],
    [{ stack: "--" }, /stack = "--": expected letters or digits/],
  ] satisfies [Partial<DataLakeArgs>, RegExp][])("refuses %j", async (overrides, message) => {
    await expect(run(overrides)).rejects.toThrow(message);
  });
});

describe("the ETL script", () => {
  const source = readFileSync(LEARNING_EVENTS_ETL_SCRIPT, "utf8");

  it("exists, reads every argument the component passes, and keeps job bookmarks", () => {
    expect(existsSync(LEARNING_EVENTS_ETL_SCRIPT)).toBe(true);
    expect(source).toMatch(/^"""/);
    expect(source).toContain("getResolvedOptions");
    for (const argument of ["JOB_NAME", "source-path", "target-path", "columns", "event-types"]) {
      expect(source).toContain(`"${argument}"`);
    }
    expect(source).toContain("transformation_ctx=");
    expect(source).toContain("job.commit()");
    expect(source).toContain("partitionBy(PARTITION_COLUMN)");
    expect(source).toContain('"snappy"');
  });

  it("compiles", () => {
    // Byte code goes to a temporary folder, never beside the script.
    const cache = mkdtempSync(join(tmpdir(), "etl-pycache-"));
    try {
      python(["-m", "py_compile", LEARNING_EVENTS_ETL_SCRIPT], {
        ...process.env,
        PYTHONPYCACHEPREFIX: cache,
      });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("turns the --columns the component passes into one cast per column, in order", () => {
    const probe = [
      "import json, sys",
      "sys.path.insert(0, sys.argv[1])",
      "import job",
      "columns = job.parse_columns(sys.argv[2])",
      "print(json.dumps(job.select_expressions(columns, {'event_id', 'occurred_at', 'event_type'})))",
    ].join("\n");
    const expressions = JSON.parse(
      python([
        "-B",
        "-c",
        probe,
        dirname(LEARNING_EVENTS_ETL_SCRIPT),
        JSON.stringify(LEARNING_EVENT_LAKE_COLUMNS),
      ]),
    ) as string[];
    expect(expressions.map((e) => /AS `([a-z_]+)`$/.exec(e)?.[1])).toEqual(
      LEARNING_EVENT_LAKE_COLUMNS.map((column) => column.name),
    );
    expect(expressions).toContain("TRY_CAST(`occurred_at` AS TIMESTAMP) AS `occurred_at`");
    expect(expressions).toContain("TRY_CAST(NULL AS INT) AS `watch_seconds`");
    expect(expressions).toContain("TO_DATE(TRY_CAST(`occurred_at` AS TIMESTAMP)) AS `event_date`");
  });
});
