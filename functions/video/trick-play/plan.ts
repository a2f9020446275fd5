/**
 * The trick-play track of one video, worked out before any frame is decoded (pure: no I/O).
 *
 * Players show seek previews from a WebVTT file whose cues each point at one tile of a JPEG
 * sprite sheet with a media fragment, `sprite-0.jpg#xywh=160,0,160,90` (the spatial dimension of
 * [Media Fragments URI 1.0](https://www.w3.org/TR/media-frags/#naming-space)), the format the
 * thumbnail plugins of hls.js, Shaka Player and video.js read. Everything here follows from the
 * video's duration, its picture size and the options, so the WebVTT text is known before ffmpeg
 * runs: a re-run produces the same keys and the same index, and a finished set can be recognised.
 *
 * Thumbnail `k` shows the video at `k * interval` seconds; its cue runs from there to the next
 * thumbnail (or the end), so the cues cover the whole duration back to back.
 */

/** How thumbnails are taken and laid out. */
export interface TrickPlayOptions {
  /** Width of one thumbnail in pixels (even, 16-640); its height follows the picture. @default 160 */
  readonly thumbnailWidthPx: number;
  /** Thumbnails per row of a sprite sheet, 1-20. @default 10 */
  readonly columns: number;
  /** Rows of a full sprite sheet, 1-20. @default 10 */
  readonly maxRows: number;
  /** Shortest time between two thumbnails, in whole seconds, 1-600. @default 2 */
  readonly minIntervalSeconds: number;
  /** Most thumbnails a video gets; longer videos get a longer interval, 1-10000. @default 1000 */
  readonly maxThumbnails: number;
}

/** The defaults: 160 px wide thumbnails, every 2 s or more, at most 1000, 10x10 per sheet. */
export const DEFAULT_OPTIONS: TrickPlayOptions = {
  thumbnailWidthPx: 160,
  columns: 10,
  maxRows: 10,
  minIntervalSeconds: 2,
  maxThumbnails: 1000,
};

/** A picture size in pixels. */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/** A rectangle of a sprite sheet, in pixels from its top left corner. */
export interface Tile extends PixelSize {
  readonly x: number;
  readonly y: number;
}

/** One cue of the index: a time range and the tile it shows. */
export interface Cue {
  readonly startMs: number;
  readonly endMs: number;
  /** Index of the sprite sheet, from 0. */
  readonly sheet: number;
  readonly tile: Tile;
}

/** Everything about one video's trick-play track. */
export interface TrickPlayPlan {
  readonly durationMs: number;
  readonly intervalSeconds: number;
  readonly thumbnailCount: number;
  readonly thumbnail: PixelSize;
  readonly columns: number;
  /** Rows of every sheet: the last sheet has the same size, its unused tiles left blank. */
  readonly rows: number;
  readonly sheetCount: number;
  /** Size of every sheet. */
  readonly sheet: PixelSize;
  readonly cues: readonly Cue[];
}

/** Longest video accepted, in milliseconds (24 hours). */
export const MAX_DURATION_MS = 24 * 3600 * 1000;

/** Every problem of `options`, each naming the field, the value and what is allowed. */
export function optionProblems(options: TrickPlayOptions): string[] {
  const ranges: readonly (readonly [keyof TrickPlayOptions, number, number])[] = [
    ["thumbnailWidthPx", 16, 640],
    ["columns", 1, 20],
    ["maxRows", 1, 20],
    ["minIntervalSeconds", 1, 600],
    ["maxThumbnails", 1, 10_000],
  ];
  const problems = ranges.flatMap(([field, min, max]) => {
    const value = options[field];
    return Number.isInteger(value) && value >= min && value <= max
      ? []
      : [`${field} must be an integer from ${min} to ${max}, got ${String(value)}`];
  });
  if (options.thumbnailWidthPx % 2 !== 0) {
    problems.push(`thumbnailWidthPx must be even, got ${options.thumbnailWidthPx}`);
  }
  return problems;
}

/**
 * Whole seconds between thumbnails: the minimum, or longer when the minimum would give more than
 * `maxThumbnails`, so that `ceil(duration / interval) <= maxThumbnails`.
 */
export function intervalSeconds(durationMs: number, options: TrickPlayOptions): number {
  const bounded = Math.ceil(durationMs / (options.maxThumbnails * 1000));
  return Math.max(options.minIntervalSeconds, bounded);
}

/**
 * A thumbnail's size: the given width and the picture's aspect ratio, the height rounded to the
 * nearest even number (JPEG's 4:2:0 chroma halves it), at least 2.
 */
export function thumbnailSize(picture: PixelSize, widthPx: number): PixelSize {
  const height = 2 * Math.round((widthPx * picture.height) / picture.width / 2);
  return { width: widthPx, height: Math.max(2, height) };
}

/** Problems of a duration and picture before planning; empty when they can be planned. */
export function inputProblems(durationMs: number, picture: PixelSize): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(durationMs) || durationMs <= 0 || durationMs > MAX_DURATION_MS) {
    problems.push(
      `duration must be a whole number of milliseconds from 1 to ${MAX_DURATION_MS}, got ${String(durationMs)}`,
    );
  }
  for (const side of ["width", "height"] as const) {
    const value = picture[side];
    if (!Number.isInteger(value) || value < 2 || value > 16_384) {
      problems.push(`picture ${side} must be an integer from 2 to 16384, got ${String(value)}`);
    }
  }
  return problems;
}

/**
 * The plan for a video of `durationMs` whose picture is `picture`. Call `inputProblems` and
 * `optionProblems` first: this assumes both are empty.
 */
export function planTrickPlay(
  durationMs: number,
  picture: PixelSize,
  options: TrickPlayOptions = DEFAULT_OPTIONS,
): TrickPlayPlan {
  const interval = intervalSeconds(durationMs, options);
  const stepMs = interval * 1000;
  const count = Math.ceil(durationMs / stepMs);
  const thumbnail = thumbnailSize(picture, options.thumbnailWidthPx);
  const columns = Math.min(options.columns, count);
  const rows = Math.min(options.maxRows, Math.ceil(count / columns));
  const perSheet = columns * rows;
  const cues = Array.from({ length: count }, (_, k): Cue => {
    const position = k % perSheet;
    return {
      startMs: k * stepMs,
      endMs: Math.min((k + 1) * stepMs, durationMs),
      sheet: Math.floor(k / perSheet),
      tile: {
        x: (position % columns) * thumbnail.width,
        y: Math.floor(position / columns) * thumbnail.height,
        width: thumbnail.width,
        height: thumbnail.height,
      },
    };
  });
  return {
    durationMs,
    intervalSeconds: interval,
    thumbnailCount: count,
    thumbnail,
    columns,
    rows,
    sheetCount: Math.ceil(count / perSheet),
    sheet: { width: columns * thumbnail.width, height: rows * thumbnail.height },
    cues,
  };
}

/** The file name of sprite sheet `index` (relative to the index, as its cues name it). */
export function sheetFileName(index: number): string {
  return `sprite-${index}.jpg`;
}

/** The file name of the WebVTT index. */
export const INDEX_FILE_NAME = "thumbnails.vtt";

/** `hh:mm:ss.ttt`, the WebVTT timestamp form with hours (two digits or more). */
export function vttTimestamp(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(hours)}:${two(minutes)}:${two(seconds)}.${String(millis).padStart(3, "0")}`;
}

/**
 * The WebVTT index ([WebVTT](https://www.w3.org/TR/webvtt1/#file-structure)): the `WEBVTT`
 * header, then one cue per thumbnail whose payload is the sheet's file name and the tile as a
 * `#xywh=x,y,w,h` fragment.
 */
export function webVtt(plan: TrickPlayPlan): string {
  const blocks = plan.cues.map((cue) => {
    const { x, y, width, height } = cue.tile;
    return `${vttTimestamp(cue.startMs)} --> ${vttTimestamp(cue.endMs)}\n${sheetFileName(cue.sheet)}#xywh=${x},${y},${width},${height}\n`;
  });
  return ["WEBVTT\n", ...blocks].join("\n");
}
