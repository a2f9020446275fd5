import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { VIDEO_TASK_SCRATCH_PATH } from "../../contracts/video-tasks";
import { dockerignoreFor, imageSourceFiles } from "../shared/image-repository";
import { TRICK_PLAY_IMAGE } from "./video-task-image";

const REPOSITORY_ROOT = resolve(__dirname, "..", "..");
const dockerfile = readFileSync(join(REPOSITORY_ROOT, TRICK_PLAY_IMAGE.dockerfile), "utf8");

describe("the trick-play image's sources", () => {
  const files = imageSourceFiles(TRICK_PLAY_IMAGE);

  it("hold every file its bundle reads, and no test", async () => {
    const result = await build({
      entryPoints: [join(REPOSITORY_ROOT, "functions/video/trick-play/main.ts")],
      bundle: true,
      platform: "node",
      target: "node22",
      mainFields: ["module", "main"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const read = Object.keys(result.metafile.inputs)
      .map((input) => relative(REPOSITORY_ROOT, resolve(input)))
      .filter((path) => !path.startsWith("node_modules/"));
    expect(read).toContain("functions/video/trick-play/settle.ts");
    expect(read).toContain("contracts/video-tasks.ts");
    expect(read.filter((path) => !files.includes(path))).toEqual([]);
    expect(files.filter((path) => path.endsWith(".test.ts"))).toEqual([]);
  });

  it("are what the Dockerfile copies, and the build context its .dockerignore leaves", () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? "").split(/\s+/),
    );
    expect(copied.sort()).toEqual([...TRICK_PLAY_IMAGE.include].sort());
    const ignore = readFileSync(
      join(REPOSITORY_ROOT, `${TRICK_PLAY_IMAGE.dockerfile}.dockerignore`),
      "utf8",
    );
    expect(ignore).toBe(dockerignoreFor(TRICK_PLAY_IMAGE));
  });

  it("give user 1000 a scratch folder at the path the task definition mounts", () => {
    // Fargate copies a VOLUME path of the image, owner included, into the bind mount there.
    expect(dockerfile).toContain(`chown 1000:1000 ${VIDEO_TASK_SCRATCH_PATH}`);
    expect(dockerfile).toContain(`VOLUME ["${VIDEO_TASK_SCRATCH_PATH}"]`);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
  });
});
