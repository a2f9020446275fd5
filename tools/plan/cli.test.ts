/** `npm run plan` run as a user would, and its exit status and failure lines. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./engine";
import { EngineRuleError } from "./engine/strict-rules";
import { exitStatus, failureLines } from "./cli";
import { planStack, type PlanDocument, type StackPlan } from "./document";

const run = promisify(execFile);
const TSX = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const CLI = join(PROJECT_ROOT, "tools", "plan", "cli.ts");

/** Runs the plan command as a user would, with no AWS credentials in its environment. */
async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("AWS_") && !key.startsWith("PULUMI_"),
    ),
  );
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { cwd: PROJECT_ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run plan", () => {
  it("writes the JSON contract of every stack, every resource with a region", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "plan-")), "plan.json");
    const result = await plan("--format", "json", "--out", out);
    expect(result.code).toBe(0);
    const documents = JSON.parse(readFileSync(out, "utf8")) as PlanDocument[];
    expect(documents.map((d) => d.stack)).toEqual(["me-south-1", "us-east-1"]);
    for (const document of documents) {
      expect(document.resources.length).toBeGreaterThan(50);
      expect(document.resources.every((r) => typeof r.region === "string" && r.region !== "")).toBe(
        true,
      );
    }
    const saudi = documents.find((d) => d.stack === "me-south-1");
    // Only what CloudFront requires in us-east-1 lies outside, holding no data: its certificate,
    // and its 5xx alarm with that alarm's topic and key (its metrics exist only there), and its
    // Lambda@Edge function with the function's role.
    const outside = saudi?.resources.filter((r) => !saudi.allowedRegions.includes(r.region)) ?? [];
    expect([...new Set(outside.map((r) => r.type))].sort()).toEqual([
      "aws:acm/certificate:Certificate",
      "aws:acm/certificateValidation:CertificateValidation",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:kms/alias:Alias",
      "aws:kms/key:Key",
      "aws:lambda/function:Function",
      "aws:sns/topic:Topic",
      "aws:sns/topicPolicy:TopicPolicy",
      "pulumi:providers:aws",
    ]);
  });

  it("prints one stack's report with --stack", async () => {
    const result = await plan("--stack", "me-south-1");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("== Stack me-south-1 ==");
    expect(result.stdout).not.toContain("== Stack us-east-1 ==");
  });

  it.each([
    [
      ["--stack", "eu-west-9"],
      /--stack eu-west-9: no Pulumi.<stack>.yaml; known stacks: me-south-1, us-east-1/,
    ],
    [["--format", "xml"], /--format xml: expected one of text, json, mermaid/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j with status 2 and a clear message", async (args, message) => {
    const result = await plan(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe("exitStatus", () => {
  let clean: StackPlan;
  beforeAll(async () => {
    clean = await planStack("me-south-1");
  });

  it("is 0 for clean plans and 1 as soon as one plan has a mandatory violation", () => {
    const violation = {
      rule: "user-data-residency",
      urn: "urn:x",
      message: "m",
      enforcement: "mandatory" as const,
    };
    const advisory = { ...violation, enforcement: "advisory" as const };
    const withViolations = (violations: PlanDocument["violations"]): StackPlan => ({
      ...clean,
      document: { ...clean.document, violations },
    });
    expect(exitStatus([clean])).toBe(0);
    expect(exitStatus([clean, withViolations([advisory])])).toBe(0);
    expect(exitStatus([clean, withViolations([advisory, violation])])).toBe(1);
  });
});

describe("failureLines", () => {
  it("reports each refusal of the engine on its own line, naming the stack and the resource", () => {
    const error = new EngineRuleError("me-south-1", [
      {
        rule: "default-provider",
        subject:
          "urn:pulumi:me-south-1::knowledgecity::random:index/randomPassword:RandomPassword::db",
        message:
          "Default provider for 'random' disabled. 'random:index/randomPassword:RandomPassword' must use an explicit provider.",
      },
      {
        rule: "unstable-invoke",
        subject: "Invoke aws:secretsmanager/getRandomPassword:getRandomPassword",
        message: "its answer changes on every run",
      },
    ]);
    expect(failureLines("me-south-1", error)).toEqual([
      "plan failed: me-south-1: urn:pulumi:me-south-1::knowledgecity::random:index/randomPassword:RandomPassword::db: Default provider for 'random' disabled. 'random:index/randomPassword:RandomPassword' must use an explicit provider.",
      "plan failed: me-south-1: Invoke aws:secretsmanager/getRandomPassword:getRandomPassword: its answer changes on every run",
    ]);
  });

  it("reports a config error as one line", () => {
    expect(failureLines("us-east-1", new Error("Invalid config for stack us-east-1: x"))).toEqual([
      "plan failed: us-east-1: Invalid config for stack us-east-1: x",
    ]);
  });
});
