import { describe, expect, it } from "vitest";
import { videoProblems, videoSettingsSchema } from "./settings";

describe("video settings", () => {
  it("resolves the storage, playback and upload defaults", () => {
    expect(videoSettingsSchema.parse(undefined)).toEqual({
      enabled: true,
      maxUploadGiB: 5,
      rawUploads: { afterEncode: "expire", days: 30 },
      infrequentAccessAfterDays: 30,
      intelligentTieringAfterDays: 90,
      realtimeLogSamplingRate: 100,
      playbackSessionSeconds: 3600,
      maxConcurrentSubmissions: 5,
      tasks: [],
      trickPlay: { enabled: true, cpu: 1024, memoryMb: 2048, deadlineSeconds: 900 },
    });
  });

  it("turns the trick-play task off, and finds a memory Fargate does not pair with its CPU", () => {
    expect(videoSettingsSchema.parse({ trickPlay: { enabled: false } }).trickPlay).toEqual({
      enabled: false,
      cpu: 1024,
      memoryMb: 2048,
      deadlineSeconds: 900,
    });
    const settings = videoSettingsSchema.parse({ trickPlay: { cpu: 2048, memoryMb: 2048 } });
    expect(videoProblems(settings)).toEqual([
      {
        path: ["trickPlay", "memoryMb"],
        input: 2048,
        message: "expected 4096 to 16384 MiB, what Fargate pairs with 2048 CPU units",
      },
    ]);
    expect(videoSettingsSchema.safeParse({ trickPlay: { deadlineSeconds: 10 } }).success).toBe(
      false,
    );
  });

  it("finds storage classes out of order and a ladder that goes down or is odd", () => {
    const settings = videoSettingsSchema.parse({
      infrequentAccessAfterDays: 60,
      intelligentTieringAfterDays: 60,
      ladder: [
        { width: 1280, height: 720, maxBitrateKbps: 2500 },
        { width: 641, height: 360, maxBitrateKbps: 400 },
      ],
    });
    expect(videoProblems(settings).map((problem) => problem.path)).toEqual([
      ["intelligentTieringAfterDays"],
      ["ladder", 1, "maxBitrateKbps"],
      ["ladder", 1],
    ]);
    expect(videoProblems(videoSettingsSchema.parse({}))).toEqual([]);
  });
});
