/**
 * The base of a plan diff: a saved plan (`npm run plan -- --format json --out FILE`), or a git
 * commit planned by its own code. A commit is checked out into a temporary worktree
 * (`git worktree add --detach`), which leaves the working tree, the index and the branch alone,
 * and is removed afterwards, on failure and on Ctrl-C too (a run killed before it could clean up
 * leaves it to the next run, which removes it). The worktree shares this checkout's
 * `node_modules` when its `package-lock.json` is the same, else runs `npm ci` of its own. Its own
 * `tools/plan/cli.ts --format json --out` plans it; that plan exits 1 on a mandatory violation or
 * a failed IAM path and still writes its JSON, so the JSON is read whatever the status, and the
 * IAM failure lines are taken from its stderr. Only status 2 (or no JSON) is a failed base.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { PlanDocument } from "../document";
import type { PlanSide } from "./plan-diff";

/** A base that cannot be read or planned: the diff exits 2 with this one line. */
export class BaseError extends Error {}

/** A planned base: its documents, its IAM failure lines, and how to name it. */
export interface BasePlan extends PlanSide {
  /** `origin/main (1a2b3c4)`, or the saved plan's path. */
  readonly label: string;
}

/** Reads a saved plan, checking it is one (an array of plan documents). */
export function readSavedPlan(path: string): PlanDocument[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (error) {
    throw new BaseError(`${path}: not a JSON plan: ${(error as Error).message}`);
  }
  const isDocument = (value: unknown): value is PlanDocument => {
    const d = value as Partial<Record<keyof PlanDocument, unknown>> | null;
    return (
      typeof d === "object" &&
      d !== null &&
      typeof d.stack === "string" &&
      Array.isArray(d.resources) &&
      Array.isArray(d.violations)
    );
  };
  if (!Array.isArray(parsed) || !parsed.every(isDocument)) {
    throw new BaseError(
      `${path}: not a plan: expected the array \`npm run plan -- --format json\` writes`,
    );
  }
  return parsed;
}

/** The commit a ref names, or undefined when it names none. */
export function resolveCommit(ref: string, root: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Options of `planCommit`. */
export interface PlanCommitOptions {
  /** The checkout whose git repository and `node_modules` are used. */
  readonly root: string;
  /** The stacks to plan; undefined plans every stack file the commit has. */
  readonly stacks?: readonly string[];
  /** Where progress notes go (a worktree made, `npm ci` run). */
  readonly log: (line: string) => void;
  /** Stops the base's plan (its process is killed) and cleans up. */
  readonly signal?: AbortSignal;
}

/** Plans a commit with its own code, in a temporary worktree. */
export async function planCommit(
  ref: string,
  commit: string,
  options: PlanCommitOptions,
): Promise<BasePlan> {
  const { root } = options;
  const short = git(root, ["rev-parse", "--short", commit]).trim();
  const label = `${ref} (${short})`;
  removeAbandonedWorktrees(root, options.log);
  const scratch = mkdtempSync(join(tmpdir(), SCRATCH_PREFIX));
  // Whose worktree this is: a later run removes it if this process is killed before cleaning up.
  writeFileSync(join(scratch, "pid"), String(process.pid));
  const tree = join(scratch, "tree");
  const out = join(scratch, "base.json");
  let added = false;
  const cleanUp = (): void => {
    const modules = join(tree, "node_modules");
    // The shared node_modules is a link: remove the link itself, never what it points at.
    if (isLink(modules)) {
      unlinkSync(modules);
    }
    if (added) {
      try {
        git(root, ["worktree", "remove", "--force", tree]);
      } catch {
        // Removing the directory below and pruning leave no worktree behind either.
      }
    }
    rmSync(scratch, { recursive: true, force: true });
    if (added) {
      git(root, ["worktree", "prune"]);
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    options.log(`planning the base ${label} in a temporary worktree`);
    git(root, ["worktree", "add", "--detach", "--quiet", tree, commit]);
    added = true;
    if (!existsSync(join(tree, "tools", "plan", "cli.ts"))) {
      throw new BaseError(`base ${label} has no offline plan (tools/plan/cli.ts)`);
    }
    await installModules(root, tree, label, options);
    const stacks = options.stacks?.filter((stack) =>
      existsSync(join(tree, `Pulumi.${stack}.yaml`)),
    );
    if (stacks !== undefined && stacks.length === 0) {
      // None of the stacks existed at the base: every one is new.
      return { label, documents: [], iamFailures: {} };
    }
    const args = [
      "tools/plan/cli.ts",
      "--format",
      "json",
      "--out",
      out,
      ...(stacks ?? []).flatMap((stack) => ["--stack", stack]),
    ];
    const run = await runProcess(join(tree, "node_modules", ".bin", "tsx"), args, tree, options);
    if (run.status === 2 || !existsSync(out)) {
      throw new BaseError(`base ${label} did not plan: ${firstProblem(run.stderr, run.status)}`);
    }
    return { label, documents: readSavedPlan(out), iamFailures: iamFailureLines(run.stderr) };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    cleanUp();
  }
}

/** The scratch directories' prefix (in the system's temporary directory). */
const SCRATCH_PREFIX = "plan-base-";

/**
 * Removes the worktrees of runs that were killed before they cleaned up (Ctrl-C under `tsx`,
 * whose launcher kills a busy process 60 ms after relaying the signal): every worktree `tree` in
 * a `plan-base-` directory whose `pid` file names a process that no longer runs.
 */
export function removeAbandonedWorktrees(root: string, log: (line: string) => void): void {
  const trees = git(root, ["worktree", "list", "--porcelain"])
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => line.slice("worktree ".length))
    .filter(
      (path) => basename(path) === "tree" && basename(dirname(path)).startsWith(SCRATCH_PREFIX),
    );
  for (const tree of trees) {
    const pidFile = join(dirname(tree), "pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : NaN;
    if (!Number.isInteger(pid) || isRunning(pid)) {
      continue;
    }
    if (isLink(join(tree, "node_modules"))) {
      unlinkSync(join(tree, "node_modules"));
    }
    try {
      git(root, ["worktree", "remove", "--force", tree]);
    } catch {
      // Pruned below once its directory is gone.
    }
    rmSync(dirname(tree), { recursive: true, force: true });
    git(root, ["worktree", "prune"]);
    log(`removed ${tree}, the worktree of an interrupted diff`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The shared `node_modules` when the lock files agree, else `npm ci` in the worktree. */
async function installModules(
  root: string,
  tree: string,
  label: string,
  options: PlanCommitOptions,
): Promise<void> {
  const lock = (dir: string): Buffer | undefined => {
    const path = join(dir, "package-lock.json");
    return existsSync(path) ? readFileSync(path) : undefined;
  };
  const ours = lock(root);
  const theirs = lock(tree);
  if (ours !== undefined && theirs !== undefined && ours.equals(theirs)) {
    symlinkSync(join(root, "node_modules"), join(tree, "node_modules"), "dir");
    return;
  }
  options.log(`base ${label}: its package-lock.json differs from this checkout's; running npm ci`);
  const run = await runProcess("npm", ["ci", "--no-audit", "--no-fund"], tree, options);
  if (run.status !== 0) {
    throw new BaseError(`base ${label}: npm ci failed: ${firstProblem(run.stderr, run.status)}`);
  }
}

/**
 * `IAM <stack>: ...` failure lines of a plan's stderr, per stack (the summary lines, `N paths
 * allowed, M denied as required`, are not failures).
 */
export function iamFailureLines(stderr: string): Record<string, string[]> {
  const failures: Record<string, string[]> = {};
  for (const line of stderr.split("\n")) {
    const match = /^IAM ([^:\s]+): (.+)$/.exec(line);
    if (
      match?.[1] === undefined ||
      /^\d+ paths allowed, \d+ denied as required/.test(match[2] ?? "")
    ) {
      continue;
    }
    (failures[match[1]] ??= []).push(line);
  }
  return failures;
}

/** The line that says why a process failed: its first `plan failed` line, else its last line. */
function firstProblem(stderr: string, status: number | null): string {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  const line = lines.find((l) => l.startsWith("plan failed")) ?? lines[lines.length - 1];
  return line ?? `exit status ${status ?? "none (killed)"}`;
}

interface ProcessRun {
  readonly status: number | null;
  readonly stderr: string;
}

/** Runs a process to its end, keeping its stderr; its stdout goes to our stderr as progress. */
function runProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  options: PlanCommitOptions,
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      resolve({ status, stderr });
    });
  });
}

function git(root: string, args: readonly string[]): string {
  return execFileSync("git", [...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Whether a path is a symbolic link (lstat: the link itself, whatever it points at). */
function isLink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
}
