import { readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  runTrickPlay,
  requestProblems,
  trackKeys,
  type ExtractRequest,
  type FrameExtractor,
} from "./core";
import { TrickPlayError, deadLetterBody } from "./errors";
import { planTrickPlay, webVtt } from "./plan";
import {
  CMAF_PREFIX,
  COURSE_ID,
  JOB_ID,
  MANIFEST_KEY,
  MULTIVARIANT,
  MemoryStore,
  TRACK_PREFIX,
  VIDEO_ID,
  jpegHeader,
  mediaPlaylist,
} from "./test-support";

const REQUEST = {
  courseId: COURSE_ID,
  videoId: VIDEO_ID,
  jobId: JOB_ID,
  manifestKey: MANIFEST_KEY,
};
const VARIANT = `${CMAF_PREFIX}index_360p_365k`;
const SEGMENTS = [6, 6, 6, 6, 1];

/** The bucket after a job: playlists, the 360p init section and segments (the 720p is absent). */
function bucket(): MemoryStore {
  const store = new MemoryStore();
  store.set(MANIFEST_KEY, MULTIVARIANT);
  store.set(`${VARIANT}.m3u8`, mediaPlaylist(SEGMENTS));
  store.set(`${VARIANT}_init.cmfv`, "init;");
  SEGMENTS.forEach((_, index) => {
    store.set(`${VARIANT}_0000${index + 1}.cmfv`, `segment ${index + 1};`);
  });
  return store;
}

/** An extractor that records its input and writes the planned sheets as JPEG headers. */
function fakeExtractor(seen: { input?: string; request?: ExtractRequest } = {}): FrameExtractor {
  return async (request) => {
    seen.input = await readFile(request.inputPath, "utf8");
    seen.request = request;
    for (let index = 0; index < request.plan.sheetCount; index += 1) {
      const { width, height } = request.plan.sheet;
      await writeFile(join(request.outputDir, `sprite-${index}.jpg`), jpegHeader(width, height));
    }
  };
}

function run(store: MemoryStore, extract: FrameExtractor = fakeExtractor(), deadlineMs = 10_000) {
  return runTrickPlay(REQUEST, { store, extract, workRoot: tmpdir(), deadlineMs });
}

describe("runTrickPlay", () => {
  it("feeds the lowest variant's init section and segments, in order, to the extractor", async () => {
    const seen: { input?: string; request?: ExtractRequest } = {};
    const result = await run(bucket(), fakeExtractor(seen));
    expect(seen.input).toBe("init;segment 1;segment 2;segment 3;segment 4;segment 5;");
    expect(seen.request?.plan).toEqual(planTrickPlay(25_000, { width: 640, height: 360 }));
    expect(result).toEqual({
      kind: "written",
      indexKey: `${TRACK_PREFIX}thumbnails.vtt`,
      sheetKeys: [`${TRACK_PREFIX}sprite-0.jpg`],
      durationMs: 25_000,
      intervalSeconds: 2,
      thumbnailCount: 13,
      variantKey: `${VARIANT}.m3u8`,
    });
  });

  it("writes the sheets, then the index last, with their content types", async () => {
    const store = bucket();
    await run(store);
    const puts = store.calls.filter((call) => call.startsWith("put "));
    expect(puts).toEqual([`put ${TRACK_PREFIX}sprite-0.jpg`, `put ${TRACK_PREFIX}thumbnails.vtt`]);
    expect(store.objects.get(`${TRACK_PREFIX}sprite-0.jpg`)?.contentType).toBe("image/jpeg");
    expect(store.text(`${TRACK_PREFIX}thumbnails.vtt`)).toBe(
      webVtt(planTrickPlay(25_000, { width: 640, height: 360 })),
    );
  });

  it("skips a complete track without reading segments or running the extractor", async () => {
    const store = bucket();
    await run(store);
    store.calls.length = 0;
    let extracted = false;
    const result = await run(store, async () => {
      extracted = true;
      return Promise.resolve();
    });
    expect(result.kind).toBe("skipped");
    expect(extracted).toBe(false);
    expect(store.calls.filter((call) => call.includes(".cmfv") || call.startsWith("put"))).toEqual(
      [],
    );
  });

  it("runs again when a sheet is missing or the index differs", async () => {
    for (const damage of [
      (store: MemoryStore) => store.objects.delete(`${TRACK_PREFIX}sprite-0.jpg`),
      (store: MemoryStore) => {
        store.set(`${TRACK_PREFIX}thumbnails.vtt`, "WEBVTT\n");
      },
    ]) {
      const store = bucket();
      await run(store);
      damage(store);
      expect((await run(store)).kind).toBe("written");
      expect(store.objects.has(`${TRACK_PREFIX}sprite-0.jpg`)).toBe(true);
    }
  });

  it("removes its work folder whatever happens", async () => {
    let workDir = "";
    await run(bucket(), async (request) => {
      workDir = join(request.inputPath, "..");
      return Promise.reject(new TrickPlayError("ffmpeg-failed", "boom"));
    });
    expect(workDir).not.toBe("");
    await expect(readdir(workDir)).rejects.toThrow(/ENOENT/);
  });

  it("reports a work folder it cannot create as internal-error", async () => {
    const result = await runTrickPlay(REQUEST, {
      store: bucket(),
      extract: fakeExtractor(),
      workRoot: "/nonexistent/work",
      deadlineMs: 10_000,
    });
    expect(result).toMatchObject({ kind: "failed", reason: "internal-error", retryable: false });
    expect(result.kind === "failed" ? result.detail : "").toMatch(/ENOENT/);
  });

  it("refuses a manifest outside the video's folder before any call", async () => {
    const store = bucket();
    const result = await runTrickPlay(
      { ...REQUEST, manifestKey: `courses/${COURSE_ID}/another-video/x/index.m3u8` },
      { store, extract: fakeExtractor(), workRoot: tmpdir(), deadlineMs: 1000 },
    );
    expect(result).toMatchObject({ kind: "failed", reason: "invalid-request", retryable: false });
    expect(store.calls).toEqual([]);
    expect(
      requestProblems({ ...REQUEST, manifestKey: `courses/${COURSE_ID}/${VIDEO_ID}/../x.m3u8` }),
    ).toHaveLength(1);
    expect(requestProblems(REQUEST)).toEqual([]);
  });

  it.each([
    [
      "the multivariant playlist is missing",
      (s: MemoryStore) => s.objects.delete(MANIFEST_KEY),
      "input-missing",
      MANIFEST_KEY,
    ],
    [
      "a segment is missing",
      (s: MemoryStore) => s.objects.delete(`${VARIANT}_00003.cmfv`),
      "input-missing",
      `${VARIANT}_00003.cmfv does not exist`,
    ],
    [
      "the media playlist is unfinished",
      (s: MemoryStore) => {
        s.set(`${VARIANT}.m3u8`, mediaPlaylist(SEGMENTS).replace("#EXT-X-ENDLIST\n", ""));
      },
      "input-invalid",
      "EXT-X-ENDLIST",
    ],
    [
      "no variant has a resolution",
      (s: MemoryStore) => {
        s.set(MANIFEST_KEY, MULTIVARIANT.replace(/RESOLUTION=\d+x\d+,/g, ""));
      },
      "input-invalid",
      "RESOLUTION",
    ],
  ] as const)("reports %s with its reason", async (_, damage, reason, detail) => {
    const store = bucket();
    damage(store);
    const result = await run(store);
    expect(result).toMatchObject({ kind: "failed", reason });
    expect(result.kind === "failed" ? result.detail : "").toContain(detail);
    expect([...store.objects.keys()].some((key) => key.startsWith(TRACK_PREFIX))).toBe(false);
  });

  it("reports a failing bucket as store-failed, retryable, naming the operation and key", async () => {
    const store = bucket();
    store.failOn = (operation, key) => operation === "put" && key.endsWith(".vtt");
    const result = await run(store);
    expect(result).toEqual({
      kind: "failed",
      reason: "store-failed",
      retryable: true,
      detail: `put ${TRACK_PREFIX}thumbnails.vtt failed: InternalError: We encountered an internal error. Please try again.`,
    });
  });

  it("reports sheets that are not the planned ones as output-invalid", async () => {
    const wrongSize: FrameExtractor = async (request) => {
      await writeFile(join(request.outputDir, "sprite-0.jpg"), jpegHeader(160, 90));
    };
    const tooMany: FrameExtractor = async (request) => {
      await fakeExtractor()(request);
      await writeFile(join(request.outputDir, "sprite-1.jpg"), jpegHeader(1600, 180));
    };
    expect(await run(bucket(), wrongSize)).toMatchObject({
      reason: "output-invalid",
      detail: "sprite-0.jpg: expected a 1600x180 JPEG, found 160x90",
    });
    expect(await run(bucket(), tooMany)).toMatchObject({
      reason: "output-invalid",
      detail: "expected sheets sprite-0.jpg, found sprite-0.jpg, sprite-1.jpg",
    });
  });

  it("stops at its deadline and aborts the extractor", async () => {
    let aborted = false;
    const hanging: FrameExtractor = (request) =>
      new Promise((_, reject) => {
        request.signal.addEventListener("abort", () => {
          aborted = true;
          reject(new TrickPlayError("deadline-exceeded", "stopped"));
        });
      });
    const store = bucket();
    const result = await run(store, hanging, 200);
    expect(aborted).toBe(true);
    expect(result).toEqual({
      kind: "failed",
      reason: "deadline-exceeded",
      retryable: true,
      detail: "no result within 200 ms",
    });
    expect(store.calls.some((call) => call.startsWith("put"))).toBe(false);
  });

  it("names the dead letter's reason and request", () => {
    const body = JSON.parse(
      deadLetterBody(
        { ...REQUEST },
        { kind: "failed", reason: "input-missing", detail: "x", retryable: false },
      ),
    ) as Record<string, unknown>;
    expect(body).toEqual({
      deadLetteredBy: "trick-play",
      reason: "input-missing",
      detail: "x",
      retryable: false,
      request: REQUEST,
    });
  });
});

describe("trackKeys", () => {
  it("puts the track in trickplay/ beside the manifest", () => {
    expect(trackKeys(MANIFEST_KEY, 2)).toEqual({
      indexKey: `${TRACK_PREFIX}thumbnails.vtt`,
      sheetKeys: [`${TRACK_PREFIX}sprite-0.jpg`, `${TRACK_PREFIX}sprite-1.jpg`],
    });
  });
});
