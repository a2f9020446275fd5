/** The IAM check over the real stacks' plans: required paths allowed, must-deny paths denied. */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import "../engine"; // loads the program before the plan, as the plan command does
import { PROJECT_ROOT, type RecordedResource } from "../engine";
import { planStack, type StackPlan } from "../document";
import { checkStackIam, failureLines, passed, summaryLine, type IamReport } from "./check";
import type { PolicyDocument, PolicyStatement } from "./model";
import { MONOLITH_ROLE, requiredPaths } from "./paths";

/** A copy of the plan's resources with one resource's inputs changed. */
function plant(
  recorded: readonly RecordedResource[],
  type: string,
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): RecordedResource[] {
  let found = false;
  const planted = recorded.map((resource) => {
    if (resource.type !== type || resource.name !== name) {
      return resource;
    }
    found = true;
    return { ...resource, inputs: change({ ...resource.inputs }) };
  });
  expect(found, `${type} ${name} is in the plan`).toBe(true);
  return planted;
}

/** Changes the statements of a resource's `policy` input. */
function editPolicy(
  recorded: readonly RecordedResource[],
  type: string,
  name: string,
  edit: (statements: PolicyStatement[]) => PolicyStatement[],
): RecordedResource[] {
  return plant(recorded, type, name, (inputs) => {
    const document = JSON.parse(String(inputs.policy)) as PolicyDocument;
    return {
      ...inputs,
      policy: JSON.stringify({ ...document, Statement: edit([...document.Statement]) }),
    };
  });
}

function failed(report: IamReport): string[] {
  return failureLines(report);
}

describe("IAM proven in the plan", () => {
  const plans = new Map<string, StackPlan>();
  const reports = new Map<string, IamReport>();

  beforeAll(async () => {
    for (const stack of ["us-east-1", "me-south-1"]) {
      const plan = await planStack(stack);
      plans.set(stack, plan);
      reports.set(stack, await checkStackIam(stack, plan.config.region, plan.recorded));
    }
  }, 120_000);

  const us = (): StackPlan => plans.get("us-east-1") as StackPlan;
  const check = (recorded: readonly RecordedResource[]): Promise<IamReport> =>
    checkStackIam("us-east-1", us().config.region, recorded);

  it.each(["us-east-1", "me-south-1"])(
    "%s: every required path is allowed and every must-deny path denied",
    (stack) => {
      const report = reports.get(stack) as IamReport;
      expect(failed(report)).toEqual([]);
      expect(passed(report)).toBe(true);
      expect(report.results.filter((r) => r.expectation === "allow").length).toBeGreaterThan(40);
      expect(report.results.filter((r) => r.expectation === "deny").length).toBeGreaterThan(60);
      expect(summaryLine(report)).toMatch(
        new RegExp(`^IAM ${stack}: \\d+ paths allowed, \\d+ denied as required$`),
      );
    },
  );

  it("evaluates the KMS call behind an encrypted resource against the key policy too", () => {
    const report = reports.get("us-east-1") as IamReport;
    const upload = report.results.filter(
      (r) => r.caller === "kc-video-upload-url-role" && r.expectation === "allow",
    );
    expect(upload.map((r) => r.action)).toEqual(["s3:PutObject", "kms:GenerateDataKey"]);
    expect(upload[1]?.resource).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    expect(upload.every((r) => r.decision === "Allowed")).toBe(true);
  });

  it("keeps vault values from every role but detokenize, the Glue and EKS roles included", () => {
    for (const stack of ["us-east-1", "me-south-1"]) {
      const report = reports.get(stack) as IamReport;
      const decrypts = report.results.filter(
        (r) => r.expectation === "deny" && r.action === "kms:Decrypt",
      );
      for (const caller of [
        "kc-analytics-lake-etl",
        "kc-analytics-lake-crawler",
        "kc-analytics-eks-cluster",
        "kc-pii-tokenize-role",
      ]) {
        const result = decrypts.find((r) => r.caller === caller);
        expect(result?.decision, `${stack} ${caller}`).toBe("ExplicitlyDenied");
      }
    }
  });

  it("requires and allows the monolith's paths: its backends and its region's user store", () => {
    for (const [stack, store] of [
      ["us-east-1", /^dynamodb:GetItem table\/kc-users-users-/],
      ["me-south-1", /^rds-db:connect dbuser:cluster-[A-Z0-9]+\/kc_app$/],
    ] as const) {
      const report = reports.get(stack) as IamReport;
      const monolith = report.results.filter((r) => r.caller === MONOLITH_ROLE);
      expect(
        monolith.map((r) => `${r.action} ${r.resource.split(":").slice(5).join(":")}`),
      ).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^lambda:InvokeFunction function:kc-pii-detokenize-fn-/),
          expect.stringMatching(/^lambda:InvokeFunction function:kc-video-upload-url-fn-/),
          expect.stringMatching(store),
        ]),
      );
      expect(monolith.filter((r) => r.expectation === "allow" && !r.passed)).toEqual([]);
    }
  });

  it("fails a required path when its grant is removed, naming caller, action and resource", async () => {
    const recorded = editPolicy(
      us().recorded,
      "aws:iam/rolePolicy:RolePolicy",
      "kc-video-upload-url-policy",
      (statements) => statements.filter((s) => s.Sid !== "SignUploads"),
    );
    const lines = failed(await check(recorded));
    expect(lines).toEqual([
      expect.stringMatching(
        /^IAM us-east-1: kc-video-upload-url-role s3:PutObject on arn:aws:s3:::kc-video-raw-\w+\/uploads\/course-1\/[0-9a-f-]{36}\/source\.mp4: ImplicitlyDenied, must be allowed \(upload-url: createPresignedPost/,
      ),
    ]);
  });

  it("allows detokenize through the key policy that names it, even without its own grant", async () => {
    // A key policy naming a role is enough on its own (no IAM grant needed): the simulator
    // knows KMS's rule, so removing the role's own statement changes nothing.
    const recorded = editPolicy(
      us().recorded,
      "aws:iam/rolePolicy:RolePolicy",
      "kc-pii-detokenize-policy",
      (statements) => statements.filter((s) => s.Sid !== "DecryptFromTheVault"),
    );
    expect(failed(await check(recorded))).toEqual([]);
  });

  it("fails when the key policy lets other roles decrypt vault values (the guard removed)", async () => {
    const recorded = editPolicy(
      us().recorded,
      "aws:kms/keyPolicy:KeyPolicy",
      "kc-keys-user-data",
      (statements) => statements.filter((s) => s.Sid !== "OnlyTheVaultReaderDecryptsVaultValues"),
    );
    const lines = failed(await check(recorded));
    for (const caller of [
      "kc-analytics-lake-etl",
      "kc-analytics-lake-crawler",
      "kc-analytics-eks-cluster",
    ]) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^IAM us-east-1: ${caller} kms:Decrypt on .*: Allowed, must be denied \\(only detokenize decrypts vault values`,
          ),
        ),
      );
    }
  });

  it("fails when a user table loses its resource policy: a broad principal reads it", async () => {
    const recorded = us().recorded.filter(
      (r) =>
        !(
          r.type === "aws:dynamodb/resourcePolicy:ResourcePolicy" &&
          r.name.endsWith("-users-access")
        ),
    );
    const lines = failed(await check(recorded));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: an account administrator \(\* on \*\) dynamodb:GetItem on arn:aws:dynamodb:us-east-1:\d{12}:table\/kc-users-users-\w+: Allowed, must be denied/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: kc-analytics-lake-etl dynamodb:GetItem on .*table\/kc-users-users-\w+: Allowed, must be denied/,
      ),
    );
  });

  it("fails when a user table's stream (or its replica's) loses its policy: its changes are readable", async () => {
    const recorded = us().recorded.filter(
      (r) =>
        !(
          r.type === "aws:dynamodb/resourcePolicy:ResourcePolicy" &&
          /-users-stream(-us-west-2)?$/.test(r.name)
        ),
    );
    const lines = failed(await check(recorded));
    for (const region of ["us-east-1", "us-west-2"]) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^IAM us-east-1: an account administrator \\(\\* on \\*\\) dynamodb:GetRecords on arn:aws:dynamodb:${region}:\\d{12}:table/kc-users-users-\\w+/stream/[\\d:.T-]+: Allowed, must be denied`,
          ),
        ),
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: kc-monolith-instance dynamodb:GetRecords on .*table\/kc-users-users-\w+\/stream\/.*: Allowed, must be denied/,
      ),
    );
    // The tables' own policies still hold.
    expect(lines.filter((line) => / dynamodb:GetItem /.test(line))).toEqual([]);
  });

  it("fails when the Saudi vault roles' secrets lose their policies: other roles read the passwords", async () => {
    const saudi = plans.get("me-south-1") as StackPlan;
    const recorded = saudi.recorded.filter(
      (r) => r.type !== "aws:secretsmanager/secretPolicy:SecretPolicy",
    );
    const lines = failureLines(await checkStackIam("me-south-1", saudi.config.region, recorded));
    for (const fn of ["tokenize", "detokenize"]) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^IAM me-south-1: an account administrator \\(\\* on \\*\\) secretsmanager:GetSecretValue on arn:aws:secretsmanager:me-south-1:\\d{12}:secret:kc-users-vault-${fn}-[\\w-]+: Allowed, must be denied`,
          ),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^IAM me-south-1: kc-monolith-instance secretsmanager:GetSecretValue on .*secret:kc-users-vault-${fn}-.*: Allowed, must be denied`,
          ),
        ),
      );
    }
  });

  it("fails when a broad grant lets tokenize read the vault back", async () => {
    const recorded = editPolicy(
      us().recorded,
      "aws:iam/rolePolicy:RolePolicy",
      "kc-pii-tokenize-policy",
      (statements) => [
        ...statements,
        { Sid: "ReadsEverything", Effect: "Allow", Action: "dynamodb:*", Resource: "*" },
      ],
    );
    const lines = failed(await check(recorded));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: kc-pii-tokenize-role dynamodb:BatchGetItem on .*table\/kc-users-pii-vault-\w+: Allowed, must be denied \(tokenize writes vault records and never reads them/,
      ),
    );
  });

  it("fails when a bucket policy lets anyone outside the account read", async () => {
    const recorded = editPolicy(
      us().recorded,
      "aws:s3/bucketPolicy:BucketPolicy",
      "kc-video-processed",
      (statements) => [
        ...statements,
        {
          Sid: "Public",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::*/*",
        },
      ],
    );
    const lines = failed(await check(recorded));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: a role of another account s3:GetObject on arn:aws:s3:::kc-video-processed-\w+\/any\/object: Allowed, must be denied/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^IAM us-east-1: an anonymous request s3:GetObject on arn:aws:s3:::kc-video-processed-\w+\/any\/object: Allowed, must be denied/,
      ),
    );
  });

  it("refuses an unknown action, an unknown condition key and a malformed ARN, naming the statement", async () => {
    const recorded = editPolicy(
      us().recorded,
      "aws:iam/rolePolicy:RolePolicy",
      "kc-video-upload-url-policy",
      (statements) => [
        ...statements,
        { Sid: "Typo", Effect: "Allow", Action: "s3:PutObjects", Resource: "arn:aws:s3:::b/*" },
        {
          Sid: "BadKey",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaServices": "s3.us-east-1.amazonaws.com" } },
        },
        { Sid: "BadArn", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:bucket" },
        {
          Sid: "WrongType",
          Effect: "Allow",
          Action: "dynamodb:GetItem",
          Resource: "arn:aws:dynamodb:us-east-1:111122223333:tables/users",
        },
      ],
    );
    const withBadPrincipal = editPolicy(
      recorded,
      "aws:s3/bucketPolicy:BucketPolicy",
      "kc-video-raw",
      (statements) => [
        ...statements,
        {
          Sid: "BadPrincipal",
          Effect: "Deny",
          Principal: { AWS: "arn:aws:iam::1111:role/x" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        },
      ],
    );
    const report = await check(withBadPrincipal);
    expect(passed(report)).toBe(false);
    const prefix =
      "IAM us-east-1: IAM catalogue: aws:iam/rolePolicy:RolePolicy kc-video-upload-url-policy, statement";
    expect(failed(report)).toEqual(
      expect.arrayContaining([
        `${prefix} Typo: action s3:PutObjects matches no action of s3 in the IAM catalogue`,
        `${prefix} BadKey: condition key kms:ViaServices (under StringEquals) does not exist in the IAM catalogue`,
        `${prefix} BadArn: resource "arn:aws:s3:bucket" is not an ARN (arn:partition:service:region:account:resource)`,
        "IAM us-east-1: IAM catalogue: aws:s3/bucketPolicy:BucketPolicy kc-video-raw, statement BadPrincipal: principal AWS arn:aws:iam::1111:role/x is not a principal IAM accepts",
        `${prefix} WrongType: resource arn:aws:dynamodb:us-east-1:111122223333:tables/users matches no resource type of dynamodb in the IAM catalogue`,
      ]),
    );
  });

  it("names a path whose caller or target the plan lacks instead of passing it", async () => {
    const report = await checkStackIam("us-east-1", us().config.region, us().recorded, {
      required: (model) => [
        ...requiredPaths(model).slice(0, 1),
        {
          caller: { role: "kc-no-such-role" },
          action: "s3:GetObject",
          target: { type: "bucket", name: "kc-video-raw", suffix: "/x" },
          why: "a path to a role that is gone",
        },
      ],
      mustDeny: () => [],
    });
    expect(failed(report)).toEqual([
      "IAM us-east-1: path s3:GetObject (a path to a role that is gone): caller kc-no-such-role is no role of the plan",
    ]);
  });

  it("runs in `npm run plan`, which prints one summary line per stack", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "plan-iam-")), "plan.json");
    const { stdout } = await promisify(execFile)(
      join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
      [
        join(PROJECT_ROOT, "tools", "plan", "cli.ts"),
        "--stack",
        "me-south-1",
        "--format",
        "json",
        "--out",
        out,
      ],
      { cwd: PROJECT_ROOT },
    );
    const saudi = reports.get("me-south-1") as IamReport;
    expect(stdout.split("\n")).toContain(summaryLine(saudi));
  }, 120_000);
});
