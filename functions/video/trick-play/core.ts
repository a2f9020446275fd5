/**
 * The trick-play task's core: from one encoded video's HLS renditions to its sprite sheets and
 * WebVTT index, next to the renditions. The bucket is behind `ObjectStore` and ffmpeg behind
 * `FrameExtractor`, so everything but the decoding runs in tests without AWS.
 *
 * - Input: the multivariant playlist the job wrote (`courses/<course>/<video>/.../index.m3u8`),
 *   its lowest-bandwidth video variant, that variant's init section and segments concatenated
 *   into one fragmented MP4 in a private work folder (removed at the end).
 * - Output, in `trickplay/` beside the playlist: `sprite-0.jpg`, `sprite-1.jpg`, ... and
 *   `thumbnails.vtt`, written last, so an index is only ever there with its sheets.
 * - Idempotent: keys and the index follow from the playlists alone (see `./plan`); a run that
 *   finds the same index and all its sheets already written does nothing (`skipped`); any other
 *   run overwrites the same keys.
 * - Bounded: one deadline for the whole run; store calls and ffmpeg get its abort signal.
 */
import { mkdir, mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { videoOutputPrefix } from "../../../contracts/storage";
import { TRICK_PLAY_FOLDER } from "../../../contracts/video-tasks";
import { TrickPlayError, failure, type TrickPlayFailure, type FailureReason } from "./errors";
import { PlaylistError, lowestVideoVariant, parseMediaPlaylist, parseVariants } from "./hls";
import { jpegSize } from "./jpeg";
import {
  DEFAULT_OPTIONS,
  INDEX_FILE_NAME,
  inputProblems,
  optionProblems,
  planTrickPlay,
  sheetFileName,
  webVtt,
  type TrickPlayOptions,
  type TrickPlayPlan,
} from "./plan";

/** JPEG's largest width or height (16-bit fields of the frame header). */
const MAX_JPEG_SIDE = 65_535;

/** The renditions bucket, as the task uses it. */
export interface ObjectStore {
  /** The object's bytes, or `undefined` when there is no such key. */
  get(key: string, signal: AbortSignal): Promise<Uint8Array | undefined>;
  /** Whether the key exists. */
  exists(key: string, signal: AbortSignal): Promise<boolean>;
  /** Writes (or overwrites) the key. */
  put(key: string, body: Uint8Array, contentType: string, signal: AbortSignal): Promise<void>;
}

/** What the extractor is asked to do. */
export interface ExtractRequest {
  /** The input video file. */
  readonly inputPath: string;
  /** An empty folder to write `sprite-0.jpg`, `sprite-1.jpg`, ... into. */
  readonly outputDir: string;
  readonly plan: TrickPlayPlan;
  /** Aborted when the run's deadline passes: the extractor must stop then. */
  readonly signal: AbortSignal;
}

/** Writes the plan's sprite sheets; throws `TrickPlayError` (`ffmpeg-failed`) when it cannot. */
export type FrameExtractor = (request: ExtractRequest) => Promise<void>;

/** Which video to build the track of. */
export interface TrickPlayRequest {
  readonly courseId: string;
  readonly videoId: string;
  /** The MediaConvert job that wrote the renditions (for logs and dead letters). */
  readonly jobId: string;
  /** The multivariant HLS playlist's key, under `courses/<courseId>/<videoId>/`. */
  readonly manifestKey: string;
}

/** What a run needs. */
export interface TrickPlayDeps {
  readonly store: ObjectStore;
  readonly extract: FrameExtractor;
  /** A writable folder; each run works in a new folder inside it and removes it. */
  readonly workRoot: string;
  /** The whole run's time budget, in milliseconds. */
  readonly deadlineMs: number;
  /** @default DEFAULT_OPTIONS */
  readonly options?: TrickPlayOptions;
}

/** The keys of a track. */
export interface TrackKeys {
  readonly indexKey: string;
  readonly sheetKeys: readonly string[];
}

/** A finished run: the track was written, or was already there. */
export interface TrickPlaySuccess extends TrackKeys {
  readonly kind: "written" | "skipped";
  readonly durationMs: number;
  readonly intervalSeconds: number;
  readonly thumbnailCount: number;
  /** The playlist of the variant the thumbnails come from. */
  readonly variantKey: string;
}

/** The outcome of a run. */
export type TrickPlayResult = TrickPlaySuccess | TrickPlayFailure;

/** The folder of the track: `trickplay/` beside the multivariant playlist. */
export function trackPrefix(manifestKey: string): string {
  return `${manifestKey.slice(0, manifestKey.lastIndexOf("/") + 1)}${TRICK_PLAY_FOLDER}`;
}

/** The keys of a track of `sheetCount` sheets for the playlist at `manifestKey`. */
export function trackKeys(manifestKey: string, sheetCount: number): TrackKeys {
  const prefix = trackPrefix(manifestKey);
  return {
    indexKey: `${prefix}${INDEX_FILE_NAME}`,
    sheetKeys: Array.from({ length: sheetCount }, (_, index) => `${prefix}${sheetFileName(index)}`),
  };
}

/** Problems of a request, each naming the field and the value. */
export function requestProblems(request: TrickPlayRequest): string[] {
  const folder = videoOutputPrefix(request.courseId, request.videoId);
  const problems: string[] = [];
  for (const field of ["courseId", "videoId", "jobId"] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/.test(request[field])) {
      problems.push(`${field} must be letters, digits and dashes, got ${show(request[field])}`);
    }
  }
  if (
    !request.manifestKey.startsWith(folder) ||
    !request.manifestKey.endsWith(".m3u8") ||
    request.manifestKey.split("/").some((part) => part === ".." || part === "")
  ) {
    problems.push(
      `manifestKey must be an .m3u8 key under ${folder}, got ${show(request.manifestKey)}`,
    );
  }
  return problems;
}

/** Builds the trick-play track of one video; never throws. */
export async function runTrickPlay(
  request: TrickPlayRequest,
  deps: TrickPlayDeps,
): Promise<TrickPlayResult> {
  const options = deps.options ?? DEFAULT_OPTIONS;
  const problems = [...requestProblems(request), ...optionProblems(options)];
  if (problems.length > 0) {
    return failure("invalid-request", problems.join("; "));
  }
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new TrickPlayError("deadline-exceeded", `no result within ${deps.deadlineMs} ms`),
    );
  }, deps.deadlineMs);
  let workDir: string | undefined;
  try {
    const run = new Run(request, deps, options, controller.signal);
    return await run.execute(async () => {
      workDir = await mkdtemp(join(deps.workRoot, "trick-play-"));
      return workDir;
    });
  } catch (error) {
    if (controller.signal.aborted) {
      return failure("deadline-exceeded", `no result within ${deps.deadlineMs} ms`);
    }
    if (error instanceof TrickPlayError) {
      return failure(error.reason, error.message);
    }
    return failure("internal-error", describe(error));
  } finally {
    clearTimeout(timer);
    if (workDir !== undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

class Run {
  constructor(
    private readonly request: TrickPlayRequest,
    private readonly deps: TrickPlayDeps,
    private readonly options: TrickPlayOptions,
    private readonly signal: AbortSignal,
  ) {}

  async execute(makeWorkDir: () => Promise<string>): Promise<TrickPlaySuccess> {
    const manifestKey = this.request.manifestKey;
    const manifest = await this.fetchText(manifestKey);
    const variant = parsing(() => lowestVideoVariant(parseVariants(manifestKey, manifest)));
    const mediaText = await this.fetchText(variant.key);
    const media = parsing(() => parseMediaPlaylist(variant.key, mediaText));
    const picture = variant.resolution;
    const problems = inputProblems(media.durationMs, picture ?? { width: 0, height: 0 });
    if (picture === undefined || problems.length > 0) {
      throw new TrickPlayError("input-invalid", `${variant.key}: ${problems.join("; ")}`);
    }
    const plan = planTrickPlay(media.durationMs, picture, this.options);
    if (plan.sheet.width > MAX_JPEG_SIDE || plan.sheet.height > MAX_JPEG_SIDE) {
      throw new TrickPlayError(
        "input-invalid",
        `${variant.key}: a ${picture.width}x${picture.height} picture makes ${plan.sheet.width}x${plan.sheet.height} sheets, beyond JPEG's ${MAX_JPEG_SIDE} px`,
      );
    }
    const index = new TextEncoder().encode(webVtt(plan));
    const keys = trackKeys(manifestKey, plan.sheetCount);
    const summary = {
      ...keys,
      durationMs: plan.durationMs,
      intervalSeconds: plan.intervalSeconds,
      thumbnailCount: plan.thumbnailCount,
      variantKey: variant.key,
    };
    if (await this.isComplete(keys, index)) {
      return { kind: "skipped", ...summary };
    }

    const workDir = await makeWorkDir();
    const inputPath = join(workDir, "input.mp4");
    const outputDir = join(workDir, "sheets");
    await mkdir(outputDir);
    await this.download(
      [...(media.initKey === undefined ? [] : [media.initKey]), ...media.segmentKeys],
      inputPath,
    );
    this.checkDeadline();
    await this.deps.extract({ inputPath, outputDir, plan, signal: this.signal });
    this.checkDeadline();
    const sheets = await readSheets(outputDir, plan);
    for (const [position, sheet] of sheets.entries()) {
      const key = keys.sheetKeys[position] ?? "";
      await this.store("put", key, () =>
        this.deps.store.put(key, sheet, "image/jpeg", this.signal),
      );
    }
    await this.store("put", keys.indexKey, () =>
      this.deps.store.put(keys.indexKey, index, "text/vtt; charset=utf-8", this.signal),
    );
    return { kind: "written", ...summary };
  }

  /** Whether the same index and every sheet it names are already written. */
  private async isComplete(keys: TrackKeys, index: Uint8Array): Promise<boolean> {
    const existing = await this.store("get", keys.indexKey, () =>
      this.deps.store.get(keys.indexKey, this.signal),
    );
    if (existing === undefined || Buffer.compare(existing, index) !== 0) {
      return false;
    }
    for (const key of keys.sheetKeys) {
      const found = await this.store("head", key, () => this.deps.store.exists(key, this.signal));
      if (!found) return false;
    }
    return true;
  }

  /** Concatenates the init section and the segments into `path`. */
  private async download(keys: readonly string[], path: string): Promise<void> {
    const file = await open(path, "wx");
    try {
      for (const key of keys) {
        this.checkDeadline();
        const bytes = await this.store("get", key, () => this.deps.store.get(key, this.signal));
        if (bytes === undefined) {
          throw new TrickPlayError("input-missing", `${key} does not exist`);
        }
        await file.write(bytes);
      }
    } finally {
      await file.close();
    }
  }

  /** A playlist's text. */
  private async fetchText(key: string): Promise<string> {
    const bytes = await this.store("get", key, () => this.deps.store.get(key, this.signal));
    if (bytes === undefined) {
      throw new TrickPlayError("input-missing", `${key} does not exist`);
    }
    return new TextDecoder().decode(bytes);
  }

  private checkDeadline(): void {
    if (this.signal.aborted) {
      throw new TrickPlayError("deadline-exceeded", `no result within ${this.deps.deadlineMs} ms`);
    }
  }

  /** A store call; its failure becomes `store-failed` naming the operation and the key. */
  private async store<T>(operation: string, key: string, call: () => Promise<T>): Promise<T> {
    this.checkDeadline();
    try {
      return await call();
    } catch (error) {
      if (error instanceof TrickPlayError) throw error;
      this.checkDeadline();
      throw new TrickPlayError("store-failed", `${operation} ${key} failed: ${describe(error)}`);
    }
  }
}

function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof PlaylistError) {
      throw new TrickPlayError("input-invalid", error.message);
    }
    throw error;
  }
}

/** The sheets ffmpeg wrote, checked against the plan: their names, count and pixel size. */
async function readSheets(outputDir: string, plan: TrickPlayPlan): Promise<Uint8Array[]> {
  const expected = Array.from({ length: plan.sheetCount }, (_, index) => sheetFileName(index));
  const found = (await readdir(outputDir)).sort();
  const wanted = [...expected].sort();
  if (found.join("\n") !== wanted.join("\n")) {
    throw invalid(`expected sheets ${expected.join(", ")}, found ${found.join(", ") || "none"}`);
  }
  return Promise.all(
    expected.map(async (name) => {
      const bytes = await readFile(join(outputDir, name));
      const size = jpegSize(bytes);
      if (size?.width !== plan.sheet.width || size.height !== plan.sheet.height) {
        throw invalid(
          `${name}: expected a ${plan.sheet.width}x${plan.sheet.height} JPEG, found ${size === undefined ? "no JPEG frame header" : `${size.width}x${size.height}`}`,
        );
      }
      return new Uint8Array(bytes);
    }),
  );
}

function invalid(detail: string): TrickPlayError {
  return new TrickPlayError("output-invalid" satisfies FailureReason, detail);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function show(value: string): string {
  return JSON.stringify(value);
}
