/**
 * MediaConvert job settings for one lecture video (pure: no AWS calls).
 *
 * One input, two output groups:
 * - a CMAF group: one set of fragmented-MP4 segments that both an HLS playlist (`index.m3u8`) and
 *   a DASH manifest (`index.mpd`) describe; one H.264 QVBR video output per ladder rung and one
 *   AAC stereo audio output;
 * - a file group with one frame-capture output: JPEG thumbnails every few seconds, the first of
 *   which serves as the poster frame.
 *
 * Under the output prefix (`s3://<processed>/courses/<courseId>/<videoId>/<source version token>/`):
 * - `cmaf/index.m3u8` and `cmaf/index.mpd`: the manifests players open;
 * - `cmaf/index_<height>p_<kbps>k*` and `cmaf/index_audio_96k*`: each rendition's playlist and
 *   segments (`.cmfv` video, `.cmfa` audio), named by MediaConvert from the name modifiers
 *   (`<height>` is the rendition's encoded height: `1920p` for an upright phone video);
 * - `thumbnails/thumb.0000000.jpg`, `thumb.0000001.jpg`, ...: frame captures.
 */
import type { JobSettings, Output, OutputGroup } from "@aws-sdk/client-mediaconvert";
import { z } from "zod";
import { InvalidJobOptionsError, InvalidLadderError } from "./errors";
import {
  displayedSize,
  fitInto,
  planRenditions,
  sourceProblems,
  type FrameSize,
  type Rendition,
  type SourceVideo,
} from "./renditions";

export { planRenditions, type Rendition, type SourceVideo } from "./renditions";

// ---------------------------------------------------------------------------------------------
// Ladder
// ---------------------------------------------------------------------------------------------

/** One rung of the encoding ladder: an H.264 rendition. */
export interface LadderRung {
  /** Output width in pixels (even, 128-3840). */
  readonly width: number;
  /** Output height in pixels (even, 72-2160). */
  readonly height: number;
  /** Peak bitrate in kbps (100-20000); QVBR spends less where the picture allows. */
  readonly maxBitrateKbps: number;
  /** QVBR quality level, 1-10. @default 7 */
  readonly qvbrQualityLevel?: number;
}

/** An encoding ladder: rungs in strictly increasing bitrate order. */
export type Ladder = readonly LadderRung[];

/** The bounds a ladder is checked against. */
export const LADDER_LIMITS = {
  minRungs: 1,
  maxRungs: 10,
  width: { min: 128, max: 3840 },
  height: { min: 72, max: 2160 },
  maxBitrateKbps: { min: 100, max: 20_000 },
  qvbrQualityLevel: { min: 1, max: 10 },
} as const;

/** QVBR quality level of a rung that does not set one. */
export const DEFAULT_QVBR_QUALITY_LEVEL = 7;

/**
 * The default ladder for lectures. A talking head in front of slides has little motion and large
 * flat areas, so it compresses well: the rungs follow the low end of Apple's HLS authoring ladder
 * and stop at 1080p at 4.5 Mbps.
 */
export const DEFAULT_LECTURE_LADDER: Ladder = [
  { width: 416, height: 234, maxBitrateKbps: 145 },
  { width: 640, height: 360, maxBitrateKbps: 365 },
  { width: 960, height: 540, maxBitrateKbps: 1200 },
  { width: 1280, height: 720, maxBitrateKbps: 2500 },
  { width: 1920, height: 1080, maxBitrateKbps: 4500 },
];

/** A value as it appears in a problem: JSON, shortened if long. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length <= 60 ? text : `${text.slice(0, 60)}...`;
}

const rangeText = (min: number, max: number): string => `between ${min} and ${max}`;

/** An integer field in `[min, max]`, optionally even, with problems that quote the value. */
function integerField(min: number, max: number, even: boolean) {
  const outOfRange = (issue: { input?: unknown }): string =>
    `must be ${rangeText(min, max)}, got ${show(issue.input)}`;
  const base = z
    .number({
      error: (issue) =>
        issue.input === undefined ? "is required" : `must be an integer, got ${show(issue.input)}`,
    })
    .int({ error: (issue) => `must be an integer, got ${show(issue.input)}` })
    .min(min, { error: outOfRange })
    .max(max, { error: outOfRange });
  return even
    ? base.refine((value) => value % 2 === 0, {
        error: (issue) => `must be even, got ${show(issue.input)}`,
      })
    : base;
}

/** One rung, as JSON gives it. Unknown fields are rejected so that typos do not pass silently. */
export const ladderRungSchema = z.strictObject(
  {
    width: integerField(LADDER_LIMITS.width.min, LADDER_LIMITS.width.max, true),
    height: integerField(LADDER_LIMITS.height.min, LADDER_LIMITS.height.max, true),
    maxBitrateKbps: integerField(
      LADDER_LIMITS.maxBitrateKbps.min,
      LADDER_LIMITS.maxBitrateKbps.max,
      false,
    ),
    qvbrQualityLevel: integerField(
      LADDER_LIMITS.qvbrQualityLevel.min,
      LADDER_LIMITS.qvbrQualityLevel.max,
      false,
    ).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.map((key) => `"${key}"`).join(", ")}`
        : "must be an object with width, height and maxBitrateKbps",
  },
);

/**
 * A ladder given as JSON: 1 to 10 rungs, each valid on its own, in strictly increasing bitrate
 * order. Every problem is reported, each with its path (`ladder[2].width`).
 */
export const ladderSchema = z
  .array(z.unknown(), { error: "must be an array of rungs" })
  .transform((rungs, context): Ladder => {
    if (rungs.length < LADDER_LIMITS.minRungs || rungs.length > LADDER_LIMITS.maxRungs) {
      context.issues.push({
        code: "custom",
        input: rungs,
        path: [],
        message: `must have ${rangeText(LADDER_LIMITS.minRungs, LADDER_LIMITS.maxRungs)} rungs, got ${rungs.length}`,
      });
    }
    const valid: LadderRung[] = [];
    let previous: { index: number; maxBitrateKbps: number } | undefined;
    rungs.forEach((raw, index) => {
      const parsed = ladderRungSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          context.issues.push({
            code: "custom",
            input: raw,
            path: [index, ...issue.path.map((part) => (typeof part === "symbol" ? "?" : part))],
            message: issue.message,
          });
        }
      } else {
        valid.push(parsed.data);
      }
      const bitrate = (raw as { maxBitrateKbps?: unknown } | null)?.maxBitrateKbps;
      if (typeof bitrate !== "number") return;
      if (previous !== undefined && bitrate <= previous.maxBitrateKbps) {
        context.issues.push({
          code: "custom",
          input: bitrate,
          path: [index, "maxBitrateKbps"],
          message: `must be greater than ladder[${previous.index}].maxBitrateKbps (${previous.maxBitrateKbps}), got ${bitrate}`,
        });
      }
      previous = { index, maxBitrateKbps: bitrate };
    });
    return valid;
  });

/** `ladder`, `ladder[2]`, `ladder[2].width`. */
function ladderPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`),
    "ladder",
  );
}

/** Every problem of a ladder, each as `<path> <what is wrong>, got <value>`; empty when valid. */
export function ladderProblems(input: unknown): string[] {
  const parsed = ladderSchema.safeParse(input);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${ladderPath(issue.path)} ${issue.message}`);
}

/** The ladder `input` describes; throws `InvalidLadderError` listing every problem. */
export function parseLadder(input: unknown): Ladder {
  const parsed = ladderSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidLadderError(
      parsed.error.issues.map((issue) => `${ladderPath(issue.path)} ${issue.message}`),
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Job settings
// ---------------------------------------------------------------------------------------------

/** Segment length when none is given, in seconds. */
export const DEFAULT_SEGMENT_SECONDS = 6;
/** Seconds between thumbnails when none is given. */
export const DEFAULT_THUMBNAIL_INTERVAL_SECONDS = 10;
/** Length of each fMP4 fragment (the unit a low-latency player can fetch), in seconds. */
export const FRAGMENT_SECONDS = 2;
/** Keyframe interval, in seconds. Segments are whole GOPs, so they start on a keyframe. */
export const GOP_SECONDS = 2;
/** Bounds of the segment length, in seconds. */
export const SEGMENT_SECONDS_LIMITS = { min: 2, max: 30 } as const;
/** Bounds of the thumbnail interval, in seconds. */
export const THUMBNAIL_INTERVAL_LIMITS = { min: 1, max: 3600 } as const;
/** AAC stereo audio: 96 kbps at 48 kHz. */
export const AUDIO_BITRATE_BPS = 96_000;
export const AUDIO_SAMPLE_RATE_HZ = 48_000;
/** Most thumbnails one job writes. */
export const MAX_THUMBNAILS = 100;
/**
 * Thumbnail size in pixels and JPEG quality. With a known source the size is a box the source is
 * fitted into, like a rung: never larger than the source, portrait for a portrait source.
 */
export const THUMBNAIL = { width: 640, height: 360, quality: 80 } as const;

/** The input's audio selector that the audio output reads. */
export const AUDIO_SELECTOR_NAME = "Audio Selector 1";
/** The HLS audio rendition group that every video rendition refers to. */
export const AUDIO_GROUP_ID = "program_audio";

/** Folder of the CMAF package under the output prefix, and its manifests' base name. */
export const STREAMING_FOLDER = "cmaf/";
export const MANIFEST_BASENAME = "index";
/** Folder of the thumbnails under the output prefix, and their base name. */
export const THUMBNAILS_FOLDER = "thumbnails/";
export const THUMBNAIL_BASENAME = "thumb";
/** Name modifier of the audio output. */
export const AUDIO_NAME_MODIFIER = `_audio_${AUDIO_BITRATE_BPS / 1000}k`;

/** The files a finished job leaves under the output prefix that other parts of the platform open. */
export function outputFiles(outputPrefix: string): {
  readonly hlsManifest: string;
  readonly dashManifest: string;
  readonly poster: string;
} {
  const base = `${outputPrefix}${STREAMING_FOLDER}${MANIFEST_BASENAME}`;
  return {
    hlsManifest: `${base}.m3u8`,
    dashManifest: `${base}.mpd`,
    poster: `${outputPrefix}${THUMBNAILS_FOLDER}${THUMBNAIL_BASENAME}.0000000.jpg`,
  };
}

/** What `buildJobSettings` needs. */
export interface JobSettingsOptions {
  /** The source object, `s3://<bucket>/<key>`. */
  readonly inputUri: string;
  /** Where the outputs go, ending in `/`: `s3://<bucket>/courses/<courseId>/<videoId>/`. */
  readonly outputPrefix: string;
  readonly ladder: Ladder;
  /** Segment length, in seconds: a multiple of the 2 s GOP, 2-30. @default 6 */
  readonly segmentSeconds?: number;
  /** Seconds between thumbnails, 1-3600. @default 10 */
  readonly thumbnailIntervalSeconds?: number;
  /**
   * The source's stored size and rotation, when known. The ladder is then fitted to it (no
   * rendition or thumbnail wider or taller than the source as shown, portrait for a portrait
   * source, never an empty ladder: see `planRenditions`). @default unknown: every rung at its own
   * size, as MediaConvert scales whatever arrives to it
   */
  readonly source?: SourceVideo;
}

const S3_OBJECT_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/;
const S3_PREFIX_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(?:[^/]+\/)*$/;

/**
 * The name modifier of a rendition: its encoded height and its rung's peak bitrate. Unique within
 * a job, since bitrates strictly increase.
 */
export function renditionNameModifier(rendition: {
  readonly height: number;
  readonly maxBitrateKbps: number;
}): string {
  return `_${rendition.height}p_${rendition.maxBitrateKbps}k`;
}

function optionProblems(options: JobSettingsOptions, segment: number, interval: number): string[] {
  const problems: string[] = [];
  if (!S3_OBJECT_URI.test(options.inputUri)) {
    problems.push(`inputUri must be s3://<bucket>/<key>, got ${show(options.inputUri)}`);
  }
  if (!S3_PREFIX_URI.test(options.outputPrefix)) {
    problems.push(
      `outputPrefix must be s3://<bucket>/<folder>/ ending in "/", got ${show(options.outputPrefix)}`,
    );
  }
  if (
    !Number.isInteger(segment) ||
    segment < SEGMENT_SECONDS_LIMITS.min ||
    segment > SEGMENT_SECONDS_LIMITS.max ||
    segment % GOP_SECONDS !== 0
  ) {
    problems.push(
      `segmentSeconds must be a multiple of ${GOP_SECONDS} ${rangeText(SEGMENT_SECONDS_LIMITS.min, SEGMENT_SECONDS_LIMITS.max)}, got ${show(segment)}`,
    );
  }
  if (
    !Number.isInteger(interval) ||
    interval < THUMBNAIL_INTERVAL_LIMITS.min ||
    interval > THUMBNAIL_INTERVAL_LIMITS.max
  ) {
    problems.push(
      `thumbnailIntervalSeconds must be an integer ${rangeText(THUMBNAIL_INTERVAL_LIMITS.min, THUMBNAIL_INTERVAL_LIMITS.max)}, got ${show(interval)}`,
    );
  }
  return [
    ...problems,
    ...ladderProblems(options.ladder),
    ...(options.source === undefined ? [] : sourceProblems(options.source)),
  ];
}

function videoOutput({ rung, width, height }: Rendition): Output {
  return {
    NameModifier: renditionNameModifier({ height, maxBitrateKbps: rung.maxBitrateKbps }),
    ContainerSettings: {
      Container: "CMFC",
      CmfcSettings: { AudioRenditionSets: AUDIO_GROUP_ID },
    },
    VideoDescription: {
      Width: width,
      Height: height,
      // Fit with padding: sizes fitted to a known source carry its aspect ratio, so no bars.
      ScalingBehavior: "DEFAULT",
      CodecSettings: {
        Codec: "H_264",
        H264Settings: {
          RateControlMode: "QVBR",
          QvbrSettings: {
            QvbrQualityLevel: rung.qvbrQualityLevel ?? DEFAULT_QVBR_QUALITY_LEVEL,
          },
          MaxBitrate: rung.maxBitrateKbps * 1000,
          SceneChangeDetect: "TRANSITION_DETECTION",
          GopSize: GOP_SECONDS,
          GopSizeUnits: "SECONDS",
          GopClosedCadence: 1,
          CodecProfile: "HIGH",
          CodecLevel: "AUTO",
          QualityTuningLevel: "SINGLE_PASS_HQ",
        },
      },
    },
  };
}

function audioOutput(): Output {
  return {
    NameModifier: AUDIO_NAME_MODIFIER,
    ContainerSettings: {
      Container: "CMFC",
      CmfcSettings: {
        AudioGroupId: AUDIO_GROUP_ID,
        AudioTrackType: "ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT",
      },
    },
    AudioDescriptions: [
      {
        AudioSourceName: AUDIO_SELECTOR_NAME,
        CodecSettings: {
          Codec: "AAC",
          AacSettings: {
            Bitrate: AUDIO_BITRATE_BPS,
            SampleRate: AUDIO_SAMPLE_RATE_HZ,
            CodingMode: "CODING_MODE_2_0",
            CodecProfile: "LC",
            RateControlMode: "CBR",
            Specification: "MPEG4",
          },
        },
      },
    ],
  };
}

function streamingGroup(
  outputPrefix: string,
  renditions: readonly Rendition[],
  segmentSeconds: number,
): OutputGroup {
  return {
    Name: "CMAF",
    CustomName: "streaming",
    OutputGroupSettings: {
      Type: "CMAF_GROUP_SETTINGS",
      CmafGroupSettings: {
        Destination: `${outputPrefix}${STREAMING_FOLDER}${MANIFEST_BASENAME}`,
        WriteHlsManifest: "ENABLED",
        WriteDashManifest: "ENABLED",
        SegmentControl: "SEGMENTED_FILES",
        SegmentLength: segmentSeconds,
        SegmentLengthControl: "GOP_MULTIPLE",
        FragmentLength: FRAGMENT_SECONDS,
        StreamInfResolution: "INCLUDE",
        CodecSpecification: "RFC_6381",
        MpdProfile: "MAIN_PROFILE",
      },
    },
    Outputs: [...renditions.map(videoOutput), audioOutput()],
  };
}

function thumbnailGroup(
  outputPrefix: string,
  intervalSeconds: number,
  size: FrameSize,
): OutputGroup {
  return {
    Name: "File Group",
    CustomName: "thumbnails",
    OutputGroupSettings: {
      Type: "FILE_GROUP_SETTINGS",
      FileGroupSettings: {
        Destination: `${outputPrefix}${THUMBNAILS_FOLDER}${THUMBNAIL_BASENAME}`,
      },
    },
    Outputs: [
      {
        Extension: "jpg",
        ContainerSettings: { Container: "RAW" },
        VideoDescription: {
          Width: size.width,
          Height: size.height,
          ScalingBehavior: "DEFAULT",
          CodecSettings: {
            Codec: "FRAME_CAPTURE",
            // One frame every `intervalSeconds` (denominator / numerator seconds).
            FrameCaptureSettings: {
              FramerateNumerator: 1,
              FramerateDenominator: intervalSeconds,
              MaxCaptures: MAX_THUMBNAILS,
              Quality: THUMBNAIL.quality,
            },
          },
        },
      },
    ],
  };
}

/**
 * The `Settings` of a CreateJob request for one source video. Throws `InvalidJobOptionsError`
 * listing every problem with the options and the ladder.
 */
export function buildJobSettings(options: JobSettingsOptions): JobSettings {
  const segmentSeconds = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const intervalSeconds = options.thumbnailIntervalSeconds ?? DEFAULT_THUMBNAIL_INTERVAL_SECONDS;
  const problems = optionProblems(options, segmentSeconds, intervalSeconds);
  if (problems.length > 0) {
    throw new InvalidJobOptionsError(problems);
  }
  const { source } = options;
  const thumbnail: FrameSize =
    source === undefined ? THUMBNAIL : fitInto(THUMBNAIL, displayedSize(source));
  return {
    TimecodeConfig: { Source: "ZEROBASED" },
    Inputs: [
      {
        FileInput: options.inputUri,
        TimecodeSource: "ZEROBASED",
        AudioSelectors: { [AUDIO_SELECTOR_NAME]: { DefaultSelection: "DEFAULT" } },
        // AUTO applies the rotation metadata of .mov and .mp4 sources, so video filmed upright
        // plays upright; without metadata nothing turns. By default MediaConvert ignores it.
        // https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-rotate.html
        VideoSelector: { Rotate: "AUTO" },
      },
    ],
    OutputGroups: [
      streamingGroup(options.outputPrefix, planRenditions(options.ladder, source), segmentSeconds),
      thumbnailGroup(options.outputPrefix, intervalSeconds, thumbnail),
    ],
  };
}
