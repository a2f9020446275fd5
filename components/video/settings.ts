import { z } from "zod";
import { flag, integer, type SettingsIssue } from "../shared/settings";

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
     * Container tasks run on Fargate after each completed encode (transcripts, sprites), each
     * `{ name, image, cpu?, memoryMb? }`. Off until listed. @default []
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
          cpu: z
            .union(
              [z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)],
              {
                error: "expected a Fargate CPU size: 256, 512, 1024, 2048 or 4096",
              },
            )
            .optional(),
          memoryMb: integer(512, 30720).optional(),
        }),
      )
      .default([]),
  })
  .prefault({});

/** The video pipeline's settings, every default resolved. */
export type VideoSettings = z.output<typeof videoSettingsSchema>;

/** The video pipeline's defaults: what the schema gives a stack that sets nothing. */
export const VIDEO_DEFAULTS: VideoSettings = videoSettingsSchema.parse(undefined);

/**
 * What is wrong between the video settings: storage classes out of order, a ladder whose bitrates
 * do not go up, or a rung with an odd dimension.
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
