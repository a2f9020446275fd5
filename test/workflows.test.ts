/**
 * The GitHub workflows cannot run here, so their structure is checked: the deploy order, the
 * pinned CLI, the policy pack on every Pulumi command, OIDC permissions, the image builds of a
 * pull request, a comment on a failed preview, the plan diff's comment without credentials, the Node.js of `.node-version`, and the daily drift
 * check.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ANALYTICS_API_IMAGE } from "../components/analytics/analytics-api";
import { TRICK_PLAY_IMAGE } from "../components/video/video-task-image";
import { COMMENT_MARKER } from "../tools/plan/diff/render-markdown";
import { PROJECT_ROOT } from "../tools/plan/engine";

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
}
interface Job {
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly "runs-on"?: string;
  readonly container?: string;
  readonly steps?: readonly Step[];
}
interface Workflow {
  readonly on: Readonly<Record<string, unknown>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

const WORKFLOWS = join(PROJECT_ROOT, ".github", "workflows");
const workflow = (file: string): Workflow =>
  parse(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;
const allWorkflows = readdirSync(WORKFLOWS)
  .filter((file) => file.endsWith(".yml"))
  .map((file) => [file, workflow(file)] as const);
const needsOf = (job: Job | undefined): readonly string[] =>
  job?.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : job.needs;

describe("workflows", () => {
  it("pin the Pulumi CLI to the SDK the program is locked to", () => {
    const pinned = readFileSync(join(PROJECT_ROOT, ".pulumi-version"), "utf8").trim();
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    expect(lock.packages["node_modules/@pulumi/pulumi"]?.version).toBe(pinned);
    const pulumiSteps = allWorkflows.flatMap(([file, flow]) =>
      Object.values(flow.jobs).flatMap((job) =>
        (job.steps ?? [])
          .filter((step) => step.uses?.startsWith("pulumi/actions@") === true)
          .map((step) => [file, step] as const),
      ),
    );
    expect(pulumiSteps.map(([file]) => file).sort()).toEqual([
      "drift.yml",
      "preview.yml",
      "pulumi-up.yml",
    ]);
    for (const [file, step] of pulumiSteps) {
      expect(step.with?.["pulumi-version-file"], file).toBe(".pulumi-version");
      expect(step.with?.policyPacks, file).toBe("policy");
      // Without its config the pack cannot know the stack's allowed regions.
      expect(step.with?.policyPackConfigs, file).toBe("${{ steps.prepare.outputs.policy-config }}");
      expect(step.with?.refresh, file).toBe(true);
    }
  });

  it("give every job that logs in through OIDC the id-token permission and a runner per stack", () => {
    for (const [file, flow] of allWorkflows) {
      for (const [name, job] of Object.entries(flow.jobs)) {
        const prepares = (job.steps ?? []).some(
          (step) => step.uses === "./.github/actions/pulumi-prepare",
        );
        if (prepares) {
          expect(job.permissions?.["id-token"], `${file} ${name}`).toBe("write");
          // A private EKS endpoint is reached only from a runner inside the stack's VPC.
          expect(job["runs-on"], `${file} ${name}`).toContain("vars.PULUMI_RUNNER_PREFIX");
          expect(job["runs-on"], `${file} ${name}`).toContain("matrix.stack");
        }
      }
    }
  });

  it("run the tests as .ci/run does: root on a fresh Debian, whose setups install the servers and tools", () => {
    for (const file of ["preview.yml", "deploy.yml"]) {
      const test = workflow(file).jobs.test;
      // As a non-root user on the runner's Ubuntu, the setups could not install clickhouse-server,
      // PostgreSQL, chromium or ffmpeg, and those tests would fail.
      expect(test?.container, file).toMatch(/^debian:\d+$/);
      const runs = (test?.steps ?? []).flatMap((step) => step.run ?? []);
      expect(runs.at(-1), file).toBe("bash .ci/run");
      expect(
        runs.some((run) => run.includes("apt-get install") && run.includes("git")),
        file,
      ).toBe(true);
    }
  });

  it("deploy the primary stack first and the others only after it", () => {
    const deploy = workflow("deploy.yml");
    const primary = deploy.jobs["deploy-primary"];
    const secondary = deploy.jobs["deploy-secondary"];
    expect(primary?.with?.stacks).toBe("${{ needs.stacks.outputs.primary }}");
    expect(secondary?.with?.stacks).toBe("${{ needs.stacks.outputs.secondary }}");
    expect(needsOf(secondary)).toContain("deploy-primary");
    expect(secondary?.if).toContain("needs.deploy-primary.result == 'success'");
    expect(needsOf(primary)).toContain("test");
  });

  it("log Docker in to the stack's registry before `pulumi up` builds and pushes images", () => {
    const steps = workflow("pulumi-up.yml").jobs.up?.steps ?? [];
    const login = steps.findIndex((step) => step.run?.includes("docker login") === true);
    const up = steps.findIndex((step) => step.uses?.startsWith("pulumi/actions@") === true);
    expect(login).toBeGreaterThan(-1);
    expect(login).toBeLessThan(up);
    expect(steps[login]?.run).toContain("aws ecr get-login-password");
  });

  it("build every image the program pushes in the pull-request job, for its platform, never pushing", () => {
    const steps = workflow("preview.yml").jobs["charts-and-image"]?.steps ?? [];
    const buildOf = (dockerfile: string): number =>
      steps.findIndex(
        (step) =>
          step.run?.includes(`docker buildx build`) === true &&
          step.run.includes(`-f ${dockerfile} `),
      );
    for (const image of [ANALYTICS_API_IMAGE, TRICK_PLAY_IMAGE]) {
      const build = steps[buildOf(image.dockerfile)];
      expect(build?.run, image.dockerfile).toContain(`--platform ${image.platforms.join(",")} `);
      expect(build?.run, image.dockerfile).not.toMatch(/--push|--output|-o /);
    }
    // The trick-play image installs ffmpeg in its arm64 stage: emulation is set up before it.
    const qemu = steps.findIndex(
      (step) => step.uses?.startsWith("docker/setup-qemu-action@") === true,
    );
    expect(qemu).toBeGreaterThan(-1);
    expect(steps[qemu]?.with?.platforms).toBe("arm64");
    expect(qemu).toBeLessThan(buildOf(TRICK_PLAY_IMAGE.dockerfile));
    // And before `pulumi up` builds and pushes it.
    const up = workflow("pulumi-up.yml").jobs.up?.steps ?? [];
    const deployQemu = up.findIndex((step) => step.uses === steps[qemu]?.uses);
    expect(deployQemu).toBeGreaterThan(-1);
    expect(up[deployQemu]?.with?.platforms).toBe("arm64");
    expect(deployQemu).toBeLessThan(
      up.findIndex((step) => step.uses?.startsWith("pulumi/actions@") === true),
    );
  });

  it("comment on the pull request when a preview fails", () => {
    const steps = workflow("preview.yml").jobs.preview?.steps ?? [];
    const preview = steps.find((step) => step.uses?.startsWith("pulumi/actions@") === true);
    const onFailure = steps.find((step) => step.if?.includes("failure()") === true);
    expect(preview?.id).toBe("preview");
    expect(onFailure?.if).toContain("steps.preview.outcome == 'failure'");
    expect(onFailure?.run).toContain("gh pr comment");
  });

  it("compare the plan with the base branch in a job with no credentials, commenting once", () => {
    const preview = workflow("preview.yml");
    const job = preview.jobs["plan-diff"];
    const steps = job?.steps ?? [];
    // Only the comment is written; no OIDC token, no stored secret but the job's own token.
    expect(job?.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const text = JSON.stringify(job);
    expect([...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1])).toEqual(["GITHUB_TOKEN"]);
    expect(text).not.toContain("vars.");
    expect(steps.some((step) => step.uses === "./.github/actions/pulumi-prepare")).toBe(false);
    // The base branch is in the clone, and the diff is taken against it as Markdown.
    const checkout = steps.find((step) => step.uses?.startsWith("actions/checkout@") === true);
    expect(checkout?.with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    const diff = steps.find((step) => step.id === "diff");
    expect(diff?.run).toContain(
      'npm run plan -- --diff "origin/${BASE_REF}" --format markdown --out diff.md',
    );
    expect(diff?.env?.BASE_REF).toBe("${{ github.base_ref }}");
    // The summary always; the comment only where the token may write, found again by its marker.
    const summary = steps.find((step) => step.run?.includes("$GITHUB_STEP_SUMMARY") === true);
    expect(summary?.if).toContain("always()");
    const comment = steps.find((step) => step.run?.includes("gh api") === true);
    expect(comment?.if).toContain("always()");
    expect(comment?.if).toContain(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(comment?.env?.MARKER).toBe(COMMENT_MARKER);
    expect(comment?.run).toContain("--method PATCH");
    // The job fails on a new mandatory violation (status 1), after the comment.
    const gate = steps[steps.length - 1];
    expect(gate?.if).toBe("steps.diff.outputs.status == '1'");
    expect(gate?.run).toContain("exit 1");
    expect(steps.indexOf(comment ?? {})).toBeLessThan(steps.length - 1);
  });

  it("set up the Node.js of .node-version (the one the tests run on) in every workflow and action", () => {
    const prepare = parse(
      readFileSync(
        join(PROJECT_ROOT, ".github", "actions", "pulumi-prepare", "action.yml"),
        "utf8",
      ),
    ) as { readonly runs: { readonly steps: readonly Step[] } };
    const setups = [
      ...allWorkflows.flatMap(([, flow]) =>
        Object.values(flow.jobs).flatMap((job) => job.steps ?? []),
      ),
      ...prepare.runs.steps,
    ].filter((step) => step.uses?.startsWith("actions/setup-node@") === true);
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) {
      // The Pulumi CLI runs the program and the pack with the `node` on PATH, so a job on another
      // version would deploy with a runtime the tests never ran on.
      expect(step.with?.["node-version-file"]).toBe(".node-version");
      expect(step.with?.["node-version"]).toBeUndefined();
    }
  });

  it("check every stack for drift on a schedule, failing on any change", () => {
    const drift = workflow("drift.yml");
    const schedule = drift.on.schedule as readonly { readonly cron?: string }[];
    expect(schedule).toHaveLength(1);
    expect(schedule[0]?.cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(
      drift.jobs.drift?.steps?.find((s) => s.uses?.startsWith("pulumi/actions@"))?.with,
    ).toMatchObject({ command: "preview", "expect-no-changes": true, refresh: true });
  });
});
