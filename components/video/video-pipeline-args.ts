/**
 * The arguments of `VideoPipeline` resolved: its defaults applied in one place and every impossible value
 * reported at once, kept apart from the component so the rules can be tested on their own.
 */
import type { NodeFunctionArgs } from "../shared/node-function";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { VIDEO_DEFAULTS } from "./settings";
import type { VideoPipelineArgs } from "./video-pipeline";

/** What happens to a raw upload once it is encoded. */
export type RawUploadPolicy = { readonly afterEncode: "expire" | "archive"; readonly days: number };

const GIB = 1024 ** 3;

/** The tunable arguments of a `VideoPipeline`, every default applied. */
export interface ResolvedVideoPipelineArgs {
  /** See the `VideoPipelineArgs` field of the same name for each. */
  readonly maxUploadBytes: number;
  readonly rawUploads: RawUploadPolicy;
  readonly infrequentAccessAfterDays: number;
  readonly intelligentTieringAfterDays: number;
  readonly hotTtlSeconds: number;
  readonly staleWhileRevalidateSeconds: number;
  readonly staleIfErrorSeconds: number;
  readonly realtimeLogSamplingRate: number;
  readonly playbackSessionSeconds: number;
  readonly maxConcurrentSubmissions: number;
  readonly logRetentionDays: LogRetentionDays;
}

/** What every function of the pipeline shares: its context and where and how long it logs. */
export type VideoFunctionDefaults = Required<
  Pick<NodeFunctionArgs, "context" | "kmsKeyArn" | "logRetentionDays">
>;

/** The settings `args` asks for, with the documented default for each one it leaves out. */
export function resolveVideoPipelineArgs(args: VideoPipelineArgs): ResolvedVideoPipelineArgs {
  return {
    maxUploadBytes: args.maxUploadBytes ?? VIDEO_DEFAULTS.maxUploadGiB * GIB,
    rawUploads: args.rawUploads ?? VIDEO_DEFAULTS.rawUploads,
    infrequentAccessAfterDays:
      args.infrequentAccessAfterDays ?? VIDEO_DEFAULTS.infrequentAccessAfterDays,
    intelligentTieringAfterDays:
      args.intelligentTieringAfterDays ?? VIDEO_DEFAULTS.intelligentTieringAfterDays,
    hotTtlSeconds: args.hotTtlSeconds ?? 86_400,
    staleWhileRevalidateSeconds: args.staleWhileRevalidateSeconds ?? 86_400,
    staleIfErrorSeconds: args.staleIfErrorSeconds ?? 604_800,
    realtimeLogSamplingRate: args.realtimeLogSamplingRate ?? VIDEO_DEFAULTS.realtimeLogSamplingRate,
    playbackSessionSeconds: args.playbackSessionSeconds ?? VIDEO_DEFAULTS.playbackSessionSeconds,
    maxConcurrentSubmissions:
      args.maxConcurrentSubmissions ?? VIDEO_DEFAULTS.maxConcurrentSubmissions,
    logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
  };
}

/** Every impossible value in `settings`, each with what would be right; empty when all are fine. */
export function videoPipelineArgsProblems(settings: ResolvedVideoPipelineArgs): string[] {
  return [
    settings.infrequentAccessAfterDays < 30
      ? `infrequentAccessAfterDays ${settings.infrequentAccessAfterDays}: S3 moves objects to Standard-IA after 30 days at the earliest`
      : undefined,
    settings.intelligentTieringAfterDays <= settings.infrequentAccessAfterDays
      ? `intelligentTieringAfterDays ${settings.intelligentTieringAfterDays} must come after infrequentAccessAfterDays ${settings.infrequentAccessAfterDays}`
      : undefined,
    settings.realtimeLogSamplingRate < 1 ||
    settings.realtimeLogSamplingRate > 100 ||
    !Number.isInteger(settings.realtimeLogSamplingRate)
      ? `realtimeLogSamplingRate ${settings.realtimeLogSamplingRate}: expected an integer from 1 to 100`
      : undefined,
    settings.maxConcurrentSubmissions < 2 || settings.maxConcurrentSubmissions > 1000
      ? `maxConcurrentSubmissions ${settings.maxConcurrentSubmissions}: expected 2 to 1000 (SQS's minimum is 2)`
      : undefined,
    settings.rawUploads.days < 1
      ? `rawUploads.days ${settings.rawUploads.days}: expected at least 1`
      : undefined,
  ].filter((problem): problem is string => problem !== undefined);
}
