import { describe, expect, it } from "vitest";
import type { VideoPipelineArgs } from "./video-pipeline";
import { resolveVideoPipelineArgs, videoPipelineArgsProblems } from "./video-pipeline-args";

// Only the tunable fields are read; the rest of the arguments is irrelevant here.
const argsWith = (overrides: Partial<VideoPipelineArgs>): VideoPipelineArgs =>
  overrides as VideoPipelineArgs;

describe("The video pipeline's resolved arguments", () => {
  it("applies the documented defaults", () => {
    expect(resolveVideoPipelineArgs(argsWith({}))).toEqual({
      maxUploadBytes: 5 * 1024 ** 3,
      rawUploads: { afterEncode: "expire", days: 30 },
      infrequentAccessAfterDays: 30,
      intelligentTieringAfterDays: 90,
      hotTtlSeconds: 86_400,
      staleWhileRevalidateSeconds: 86_400,
      staleIfErrorSeconds: 604_800,
      realtimeLogSamplingRate: 100,
      playbackSessionSeconds: 3600,
      maxConcurrentSubmissions: 5,
      logRetentionDays: 365,
    });
  });

  it("accepts the defaults", () => {
    expect(videoPipelineArgsProblems(resolveVideoPipelineArgs(argsWith({})))).toEqual([]);
  });

  it("reports every problem at once, each with its value and what would be right", () => {
    const resolved = resolveVideoPipelineArgs(
      argsWith({
        infrequentAccessAfterDays: 10,
        intelligentTieringAfterDays: 10,
        realtimeLogSamplingRate: 2.5,
        maxConcurrentSubmissions: 1,
        rawUploads: { afterEncode: "archive", days: 0 },
      }),
    );
    expect(videoPipelineArgsProblems(resolved)).toEqual([
      "infrequentAccessAfterDays 10: S3 moves objects to Standard-IA after 30 days at the earliest",
      "intelligentTieringAfterDays 10 must come after infrequentAccessAfterDays 10",
      "realtimeLogSamplingRate 2.5: expected an integer from 1 to 100",
      "maxConcurrentSubmissions 1: expected 2 to 1000 (SQS's minimum is 2)",
      "rawUploads.days 0: expected at least 1",
    ]);
  });

  it("bounds the sampling rate and the submissions on both sides", () => {
    const problems = (overrides: Partial<VideoPipelineArgs>) =>
      videoPipelineArgsProblems(resolveVideoPipelineArgs(argsWith(overrides)));
    expect(problems({ realtimeLogSamplingRate: 1 })).toEqual([]);
    expect(problems({ realtimeLogSamplingRate: 101 })).toHaveLength(1);
    expect(problems({ maxConcurrentSubmissions: 1000 })).toEqual([]);
    expect(problems({ maxConcurrentSubmissions: 1001 })).toHaveLength(1);
  });
});
