/**
 * The base's housekeeping, in a scratch repository of its own: a worktree left by a diff that was
 * killed is removed by the next run, one whose diff still runs is not; a file that is no plan is
 * refused.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BaseError, readSavedPlan, removeAbandonedWorktrees } from "./base";

const scratch = mkdtempSync(join(tmpdir(), "plan-base-test-"));
const repo = join(scratch, "repo");

const git = (...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd: repo,
    encoding: "utf8",
  });

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A worktree as `planCommit` makes one, owned by `pid`. */
function worktreeOwnedBy(name: string, pid: number): string {
  const dir = join(scratch, `plan-base-${name}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "pid"), String(pid));
  const tree = join(dir, "tree");
  git("worktree", "add", "--detach", "--quiet", tree, "HEAD");
  return tree;
}

describe("removeAbandonedWorktrees", () => {
  it("removes the worktree of a diff that no longer runs, and keeps a running one's", () => {
    mkdirSync(repo);
    git("init", "--quiet");
    writeFileSync(join(repo, "file.txt"), "x\n");
    git("add", "file.txt");
    git("commit", "--quiet", "-m", "one");
    const exited = spawnSync(process.execPath, ["-e", "0"]).pid;
    if (exited === undefined) {
      throw new Error("no process started");
    }
    const abandoned = worktreeOwnedBy("gone", exited);
    const running = worktreeOwnedBy("running", process.pid);
    const logged: string[] = [];
    removeAbandonedWorktrees(repo, (line) => logged.push(line));
    expect(logged).toEqual([`removed ${abandoned}, the worktree of an interrupted diff`]);
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(running)).toBe(true);
    const listed = git("worktree", "list", "--porcelain");
    expect(listed).not.toContain(abandoned);
    expect(listed).toContain(running);
  });
});

describe("readSavedPlan", () => {
  it("refuses a file that is not a plan, saying what a plan is", () => {
    const notJson = join(scratch, "not.json");
    writeFileSync(notJson, "{");
    expect(() => readSavedPlan(notJson)).toThrow(BaseError);
    const notPlan = join(scratch, "object.json");
    writeFileSync(notPlan, JSON.stringify({ stack: "me-south-1" }));
    expect(() => readSavedPlan(notPlan)).toThrow(
      `${notPlan}: not a plan: expected the array \`npm run plan -- --format json\` writes`,
    );
  });
});
