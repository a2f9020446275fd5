/**
 * Which renditions of the ladder a source gets, and at what size (pure: no AWS calls).
 *
 * MediaConvert scales every output to the `Width` and `Height` it is given, up as readily as
 * down: with the default scaling behaviour a 640x360 source asked for 1920x1080 comes out as a
 * 1920x1080 rendition that costs the top rung's bits and shows nothing the 360p one does not
 * ([video scaling](https://docs.aws.amazon.com/mediaconvert/latest/ug/video-scaling-default.html)).
 * So, when the source's size is known, the ladder is fitted to it, the way the AWS Video on Demand
 * solution picks its job template by the source's height:
 *
 * - the source is measured as it is shown: a quarter-turn rotation (90 or 270 degrees in the
 *   container's rotation metadata) swaps its width and height, and the ladder turns portrait with
 *   it, so a phone video filmed upright gets upright renditions at full resolution;
 * - each rung is a bounding box: the source is scaled down into it keeping its own aspect ratio
 *   (a 4:3 source gets 4:3 renditions, without black bars);
 * - a rung the whole source already fits in would need upscaling: the first such rung (the lowest
 *   bitrate) encodes the source at its own size, and the rungs above it are dropped. So the
 *   ladder is never empty: a source smaller than the lowest rung gets that one rung, at most the
 *   source's size.
 *
 * Rotation itself is applied by MediaConvert (`VideoSelector.Rotate: AUTO` reads the rotation
 * metadata of .mov and .mp4 inputs:
 * [automatic rotation](https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-rotate.html)).
 */
import type { Ladder, LadderRung } from "./job-settings";

/** What is known of the source's picture, as stored in the file (before rotation). */
export interface SourceVideo {
  /** Stored width in pixels, 32-8192. */
  readonly width: number;
  /** Stored height in pixels, 32-8192. */
  readonly height: number;
  /**
   * The clockwise rotation the container's metadata asks players to apply, in degrees: a multiple
   * of 90 (negative values count from 360, so -90 is 270). Only a quarter turn matters here: it
   * makes the picture portrait. It must be the rotation MediaConvert will apply, that is the
   * metadata of a .mov or .mp4 file; give 0 for other containers. @default 0
   */
  readonly rotationDegrees?: number;
}

/** A picture size in pixels. */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** One rendition to encode: a rung of the ladder and the size it is encoded at. */
export interface Rendition extends FrameSize {
  readonly rung: LadderRung;
}

/**
 * Bounds of a source's stored width and height, in pixels: the range of sizes MediaConvert's
 * `VideoDescription` takes for an output, so that a source's own size is always one it can encode.
 */
export const SOURCE_DIMENSION_LIMITS = { min: 32, max: 8192 } as const;
/**
 * The smallest side a rendition gets, even for a very wide or tall source (padded by the default
 * scaling then). Sources are at least this large, so it never makes a rendition exceed one.
 */
export const MIN_OUTPUT_SIDE = SOURCE_DIMENSION_LIMITS.min;

/** Every problem of a source description, each naming the field, the value and what is allowed. */
export function sourceProblems(source: SourceVideo): string[] {
  const problems: string[] = [];
  for (const field of ["width", "height"] as const) {
    const value = source[field];
    if (
      !Number.isInteger(value) ||
      value < SOURCE_DIMENSION_LIMITS.min ||
      value > SOURCE_DIMENSION_LIMITS.max
    ) {
      problems.push(
        `source.${field} must be an integer between ${SOURCE_DIMENSION_LIMITS.min} and ${SOURCE_DIMENSION_LIMITS.max}, got ${String(value)}`,
      );
    }
  }
  const rotation = source.rotationDegrees;
  if (rotation !== undefined && (!Number.isInteger(rotation) || rotation % 90 !== 0)) {
    problems.push(`source.rotationDegrees must be a multiple of 90, got ${String(rotation)}`);
  }
  return problems;
}

/** The source's size as players show it: width and height swapped by a quarter turn. */
export function displayedSize(source: SourceVideo): FrameSize {
  const quarterTurn = Math.abs(source.rotationDegrees ?? 0) % 180 === 90;
  return quarterTurn
    ? { width: source.height, height: source.width }
    : { width: source.width, height: source.height };
}

const isPortrait = (size: FrameSize): boolean => size.height > size.width;
const evenFloor = (value: number): number => value - (value % 2);
/** The even number nearest `value`, at least the smallest output side. */
const evenSide = (value: number): number => Math.max(MIN_OUTPUT_SIDE, 2 * Math.round(value / 2));

/** `box` turned to the orientation of `source` (a landscape rung becomes portrait for portrait). */
function orient(box: FrameSize, source: FrameSize): FrameSize {
  return isPortrait(box) === isPortrait(source) ? box : { width: box.height, height: box.width };
}

/**
 * The size `source` is encoded at in `box`, and whether it is the source's own size (the box
 * holds the whole source, so anything larger would be upscaling). Sides are even, as H.264's
 * 4:2:0 sampling needs, and never larger than the source's or the box's.
 */
export function fitInto(
  box: FrameSize,
  source: FrameSize,
): FrameSize & { readonly sourceSize: boolean } {
  const oriented = orient(box, source);
  if (source.width <= oriented.width && source.height <= oriented.height) {
    return { width: evenFloor(source.width), height: evenFloor(source.height), sourceSize: true };
  }
  // Integer cross-products decide which side binds, so 16:9 into 16:9 stays exact.
  if (oriented.width * source.height <= oriented.height * source.width) {
    const height = evenSide((source.height * oriented.width) / source.width);
    return { width: oriented.width, height: Math.min(height, oriented.height), sourceSize: false };
  }
  const width = evenSide((source.width * oriented.height) / source.height);
  return { width: Math.min(width, oriented.width), height: oriented.height, sourceSize: false };
}

/**
 * The renditions to encode, in the ladder's order. Without `source` every rung is encoded at its
 * own size (MediaConvert then scales whatever arrives to it). With `source`, see the module's
 * comment: nothing wider or taller than the source as shown, never an empty list.
 */
export function planRenditions(ladder: Ladder, source?: SourceVideo): readonly Rendition[] {
  if (source === undefined) {
    return ladder.map((rung) => ({ rung, width: rung.width, height: rung.height }));
  }
  const shown = displayedSize(source);
  const renditions: Rendition[] = [];
  let sourceSizeTaken = false;
  for (const rung of ladder) {
    const fitted = fitInto(rung, shown);
    if (fitted.sourceSize) {
      if (sourceSizeTaken) continue;
      sourceSizeTaken = true;
    }
    renditions.push({ rung, width: fitted.width, height: fitted.height });
  }
  return renditions;
}
