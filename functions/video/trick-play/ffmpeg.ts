/**
 * The frame extractor on ffmpeg: one run that decodes the input once, keeps one frame every
 * `interval` seconds, scales it to the thumbnail size and tiles the thumbnails into sprite sheets
 * ([ffmpeg filters](https://ffmpeg.org/ffmpeg-filters.html): `fps`, `scale`, `tpad`, `trim`,
 * `tile`). The program is started without a shell, its arguments an array; its log is kept to the
 * last lines, and the run is killed when its timeout or the caller's deadline passes.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { TrickPlayError } from "./errors";
import type { ExtractRequest, FrameExtractor } from "./core";
import type { TrickPlayPlan } from "./plan";

/** How ffmpeg is run. */
export interface FfmpegOptions {
  /** The program. @default "ffmpeg" (from PATH) */
  readonly command?: string;
  /** Longest run, in milliseconds, whatever the caller's deadline. @default 600000 */
  readonly timeoutMs?: number;
  /** JPEG quality scale, 2 (best) to 31. @default 5 */
  readonly jpegQuality?: number;
}

/** Most bytes of ffmpeg's log kept for a failure's detail. */
const LOG_TAIL_BYTES = 2000;

/**
 * The filter graph: one frame per interval (`fps`), scaled to the planned size with square
 * pixels, padded by repeating the last frame and cut to exactly the planned count (so a rounding
 * difference at the end never leaves the index pointing at a missing tile), then tiled
 * `columns`x`rows` per sheet. `fps` keeps, for each output time, the last input frame whose time
 * rounds to it; rounding up makes that the frame at (or just before) `k * interval`, the start of
 * cue `k`. The default (nearest) would show the picture about half an interval later.
 */
export function filterGraph(plan: TrickPlayPlan): string {
  const { width, height } = plan.thumbnail;
  const count = plan.thumbnailCount;
  return [
    `fps=1/${plan.intervalSeconds}:round=up`,
    `scale=${width}:${height}`,
    "setsar=1",
    `tpad=stop_mode=clone:stop=${count}`,
    `trim=end_frame=${count}`,
    `tile=${plan.columns}x${plan.rows}`,
  ].join(",");
}

/** ffmpeg's arguments for one extraction; `sprite-%d.jpg` numbers the sheets from 0. */
export function ffmpegArgs(request: ExtractRequest, jpegQuality = 5): string[] {
  return [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-i",
    request.inputPath,
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    "-vf",
    filterGraph(request.plan),
    "-frames:v",
    String(request.plan.sheetCount),
    // Bit-exact output leaves the encoder's version out of the files, so reruns match.
    "-fflags",
    "+bitexact",
    "-flags:v",
    "+bitexact",
    "-q:v",
    String(jpegQuality),
    "-start_number",
    "0",
    "-f",
    "image2",
    join(request.outputDir, "sprite-%d.jpg"),
  ];
}

/** A `FrameExtractor` that runs ffmpeg. */
export function ffmpegExtractor(options: FfmpegOptions = {}): FrameExtractor {
  const command = options.command ?? "ffmpeg";
  const timeoutMs = options.timeoutMs ?? 600_000;
  return (request) =>
    runProcess(command, ffmpegArgs(request, options.jpegQuality), timeoutMs, request.signal);
}

/**
 * Runs `command` with `args` (no shell) and resolves when it exits with 0; otherwise rejects with
 * `TrickPlayError` (`ffmpeg-failed`, or `deadline-exceeded` when `timeoutMs` or `signal` ended
 * it) carrying the exit status and the last lines of its standard error.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(
        new TrickPlayError("deadline-exceeded", `${command} not started: the deadline passed`),
      );
      return;
    }
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], shell: false });
    let tail = "";
    let stoppedBy: string | undefined;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-LOG_TAIL_BYTES);
    });
    const stop = (why: string) => {
      stoppedBy ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      stop(`its ${timeoutMs} ms timeout`);
    }, timeoutMs);
    const onAbort = () => {
      stop("the run's deadline");
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    child.on("error", (error) => {
      settle();
      reject(new TrickPlayError("ffmpeg-failed", `${command} could not start: ${error.message}`));
    });
    child.on("close", (code, exitSignal) => {
      settle();
      if (stoppedBy !== undefined) {
        reject(new TrickPlayError("deadline-exceeded", `${command} was stopped by ${stoppedBy}`));
      } else if (code === 0) {
        resolve();
      } else {
        const status = code === null ? `signal ${String(exitSignal)}` : `status ${code}`;
        const log = tail.trim() === "" ? "no log" : tail.trim().split("\n").slice(-5).join(" | ");
        reject(new TrickPlayError("ffmpeg-failed", `${command} exited with ${status}: ${log}`));
      }
    });
  });
}
