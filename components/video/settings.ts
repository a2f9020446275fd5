import { z } from "zod";
import { flag, integer, type SettingsIssue } from "../shared/settings";

/**
 * The memory, in MiB, Fargate pairs with each CPU size (smallest, largest)
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
 */
export const FARGATE_MEMORY_RANGES: Readonly<Record<number, readonly [number, number]>> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

/** A Fargate task size's CPU units. */
const fargateCpu = z.union(
  [z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)],
  { error: "expected a Fargate CPU size: 256, 512, 1024, 2048 or 4096" },
);

/** The video pipeline of a stack: encoding ladder, uploads, storage classes, playback, tasks. */
export const videoSettingsSchema = z
  .strictObject({
    /** Whether the stack runs the video pipeline. @default true */
    enabled: flag.default(true),
    /**
     * Encoding ladder for lectures, lowest rung first; each rung `{ width, height, maxBitrateKbps,
     * qvbrQualityLevel? }`. @default the lecture ladder of functions/video/encode-submit
     */
    ladder: z
      .array(
        z.strictObject({
          width: integer(128, 3840),
          height: integer(72, 2160),
          maxBitrateKbps: integer(100, 20000),
          qvbrQualityLevel: integer(1, 10).optional(),
        }),
      )
      .min(1, { error: "expected 1 to 10 rungs" })
      .max(10, { error: "expected 1 to 10 rungs" })
      .optional(),
    /** Largest upload, in GiB (a presigned POST is one request; S3 takes at most 5 GiB). @default 5 */
    maxUploadGiB: integer(1, 5).default(5),
    /** Raw uploads once encoded: expired, or archived to Glacier Deep Archive. @default expire after 30 days */
    rawUploads: z
      .strictObject({
        afterEncode: z.enum(["expire", "archive"], { error: 'expected "expire" or "archive"' }),
        days: integer(1, 3650),
      })
      .default({ afterEncode: "expire", days: 30 }),
    /** Days before renditions move to Standard-IA (at least 30). @default 30 */
    infrequentAccessAfterDays: integer(30, 3650).default(30),
    /** Days before renditions move to Intelligent-Tiering. @default 90 */
    intelligentTieringAfterDays: integer(31, 3650).default(90),
    /** Percent of playback requests logged in real time. @default 100 */
    realtimeLogSamplingRate: integer(1, 100).default(100),
    /** Lifetime of playback cookies, in seconds. @default 3600 */
    playbackSessionSeconds: integer(60, 14400).default(3600),
    /** MediaConvert submissions in flight at most. @default 5 */
    maxConcurrentSubmissions: integer(2, 1000).default(5),
    /**
     * Further container tasks run on Fargate after each completed encode (transcripts), each
     * `{ name, image, cpu?, memoryMb? }`, images built elsewhere. @default []
     */
    tasks: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
            error: "expected lower-case letters, digits and dashes",
          }),
          image: z
            .string()
            .regex(
              /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
              {
                error: "expected an ECR image URI with a tag or digest",
              },
            ),
          cpu: fargateCpu.optional(),
          memoryMb: integer(512, 30720).optional(),
        }),
      )
      .default([]),
    /**
     * The trick-play task after each completed encode (seek thumbnails: sprite sheets and a
     * WebVTT index beside the renditions, recorded in the catalog), `{ enabled, cpu, memoryMb,
     * deadlineSeconds }`. Its image is built from this repository. @default on, 1024 CPU units,
     * 2048 MiB, 900 s
     */
    trickPlay: z
      .strictObject({
        enabled: flag.default(true),
        cpu: fargateCpu.default(1024),
        memoryMb: integer(512, 30720).default(2048),
        deadlineSeconds: integer(30, 14400).default(900),
      })
      .prefault({}),
  })
  .prefault({});

/** The video pipeline's settings, every default resolved. */
export type VideoSettings = z.output<typeof videoSettingsSchema>;

/** The video pipeline's defaults: what the schema gives a stack that sets nothing. */
export const VIDEO_DEFAULTS: VideoSettings = videoSettingsSchema.parse(undefined);

/**
 * What is wrong between the video settings: storage classes out of order, a ladder whose bitrates
 * do not go up, a rung with an odd dimension, or a trick-play memory Fargate does not pair with
 * its CPU.
 */
export function videoProblems(video: VideoSettings): SettingsIssue[] {
  const problems: SettingsIssue[] = [];
  if (video.intelligentTieringAfterDays <= video.infrequentAccessAfterDays) {
    problems.push({
      path: ["intelligentTieringAfterDays"],
      input: video.intelligentTieringAfterDays,
      message: `expected more than infrequentAccessAfterDays (${video.infrequentAccessAfterDays})`,
    });
  }
  const { cpu, memoryMb } = video.trickPlay;
  const range = FARGATE_MEMORY_RANGES[cpu];
  if (range !== undefined && (memoryMb < range[0] || memoryMb > range[1])) {
    problems.push({
      path: ["trickPlay", "memoryMb"],
      input: memoryMb,
      message: `expected ${range[0]} to ${range[1]} MiB, what Fargate pairs with ${cpu} CPU units`,
    });
  }
  const rungs = video.ladder ?? [];
  rungs.forEach((rung, index) => {
    const previous = rungs[index - 1];
    if (previous !== undefined && rung.maxBitrateKbps <= previous.maxBitrateKbps) {
      problems.push({
        path: ["ladder", index, "maxBitrateKbps"],
        input: rung.maxBitrateKbps,
        message: `expected more than the rung below (${previous.maxBitrateKbps}): rungs go up in bitrate`,
      });
    }
    if (rung.width % 2 !== 0 || rung.height % 2 !== 0) {
      problems.push({
        path: ["ladder", index],
        input: rung,
        message: "expected an even width and height (H.264 4:2:0)",
      });
    }
  });
  return problems;
}
