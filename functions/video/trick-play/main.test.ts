import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const MAIN = join(__dirname, "main.ts");

describe("main", () => {
  it("exits with 2 and one log line naming every missing variable when unconfigured", () => {
    const result = spawnSync(TSX, [MAIN], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "error",
      event: "trick_play.configuration",
      message:
        "invalid configuration: missing environment variables: COURSE_ID, VIDEO_ID, JOB_ID, RENDITIONS_BUCKET, PLAYLIST_URIS, CATALOG_TABLE, DEAD_LETTER_QUEUE_URL",
    });
  });
});
