/**
 * `npm run plan -- --diff BASE` end to end, on one stack to stay fast: against a saved plan, and
 * against a git commit (HEAD), which must print what the saved plan of that commit gives and
 * leave no worktree behind. The commit's saved plan is made apart from the command: its files
 * taken with `git archive` and planned by its own `tools/plan/cli.ts`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../engine";
import { runDiffCommand } from "./command";
import { COMMENT_MARKER } from "./render-markdown";

const STACK = "me-south-1";
const scratch = mkdtempSync(join(tmpdir(), "plan-diff-test-"));
const savedBase = join(scratch, "head-commit.json");

/** Runs the command, collecting what it writes. */
async function run(
  argv: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await runDiffCommand(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

const git = (...args: string[]): string =>
  execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" });
const planBases = (): string[] =>
  readdirSync(tmpdir()).filter((name) => name.startsWith("plan-base-"));

beforeAll(() => {
  // HEAD's files, planned by HEAD's own code, with this checkout's dependencies.
  const tree = join(scratch, "tree");
  execFileSync("mkdir", [tree]);
  execFileSync("sh", ["-c", `git archive HEAD | tar -x -C "${tree}"`], { cwd: PROJECT_ROOT });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  execFileSync(
    join(tree, "node_modules", ".bin", "tsx"),
    ["tools/plan/cli.ts", "--stack", STACK, "--format", "json", "--out", savedBase],
    { cwd: tree, stdio: "ignore" },
  );
}, 180_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("npm run plan -- --diff", () => {
  let fromSaved: { status: number; markdown: string };

  it("compares this checkout with a saved plan", async () => {
    const out = join(scratch, "saved.md");
    const result = await run([
      "--diff",
      savedBase,
      "--stack",
      STACK,
      "--format",
      "markdown",
      "--out",
      out,
    ]);
    const markdown = readFileSync(out, "utf8");
    expect(result.stdout).toBe(`wrote the markdown diff against ${savedBase} to ${out}\n`);
    expect(
      markdown.startsWith(`${COMMENT_MARKER}\n### Offline plan compared with \`${savedBase}\``),
    ).toBe(true);
    expect(markdown).toContain(`- \`${STACK}\`: `);
    fromSaved = { status: result.status, markdown };
  }, 180_000);

  it("plans a git commit in a worktree of its own and prints what its saved plan gives", async () => {
    const worktrees = git("worktree", "list", "--porcelain");
    const scratchBefore = planBases();
    const head = git("rev-parse", "--short", "HEAD").trim();
    const out = join(scratch, "git.md");
    const started = Date.now();
    const result = await run([
      "--diff",
      "HEAD",
      "--stack",
      STACK,
      "--format",
      "markdown",
      "--out",
      out,
    ]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`--diff HEAD --stack ${STACK}: ${seconds.toFixed(1)} s`);
    expect(result.stderr).toContain(`planning the base HEAD (${head}) in a temporary worktree`);
    const markdown = readFileSync(out, "utf8");
    expect(markdown.replace(`HEAD (${head})`, savedBase)).toBe(fromSaved.markdown);
    expect(result.status).toBe(fromSaved.status);
    // The worktree and its directory are gone; the checkout's own worktree list is as it was.
    expect(git("worktree", "list", "--porcelain")).toBe(worktrees);
    expect(planBases()).toEqual(scratchBefore);
  }, 300_000);

  it("refuses a base that is neither a file nor a commit, and a saved plan without the stack", async () => {
    const nothing = await run(["--diff", "no-such-ref-or-file", "--stack", STACK]);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain("--diff no-such-ref-or-file: neither a file nor a git commit");
    const other = await run(["--diff", savedBase, "--stack", "us-east-1"]);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain(`the saved plan has no stack us-east-1 (it has ${STACK})`);
    const format = await run(["--diff", savedBase, "--format", "json"]);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain("--format json: with --diff, one of text, markdown");
  });
});
