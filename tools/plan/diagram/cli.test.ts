/** `npm run plan -- --format mermaid [--component NAME]` run as a user would. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../engine";

const run = promisify(execFile);
const TSX = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const CLI = join(PROJECT_ROOT, "tools", "plan", "cli.ts");

async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run plan -- --format mermaid --component NAME", () => {
  it("draws the named component in detail", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "diagram-")), "video.mmd");
    const result = await plan(
      "--stack",
      "me-south-1",
      "--format",
      "mermaid",
      "--component",
      "VideoPipeline",
      "--out",
      out,
    );
    expect(result.code).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.startsWith("flowchart TB\n")).toBe(true);
    expect(text).toContain('["VideoPipeline kc-video, 88 resources"]');
    expect(text).toContain('["SecureBucket kc-video-raw, 7 resources"]');
    expect(text).not.toContain("stack us-east-1");
  });

  it("refuses an unknown component with status 2, listing the known ones", async () => {
    const result = await plan(
      "--stack",
      "me-south-1",
      "--format",
      "mermaid",
      "--component",
      "Nope",
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^--component Nope: no component has that class, type or name in stack me-south-1; known components: .*\bVideoPipeline\b/m,
    );
    expect(result.stderr).not.toContain("plan failed");
  });

  it("refuses --component without --format mermaid, before planning", async () => {
    const result = await plan("--format", "json", "--component", "VideoPipeline");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--component draws a diagram: use it with --format mermaid");
  });
});
