/**
 * ffmpeg for the real-extraction tests: Debian's `ffmpeg` package, installed when missing and
 * this process can (root with apt-get). Without it the tests fail with one line saying how to
 * provide it; they never skip.
 */
import { spawnSync } from "node:child_process";
import {
  aptInstall,
  canAptInstall,
  ensureInstalled,
  findExecutable,
} from "../../../test/local-tools";

const HINT =
  "ffmpeg is missing: install Debian's ffmpeg package (apt-get install ffmpeg) so that ffmpeg is on PATH, or run the tests as root with apt-get";

/** The path of ffmpeg: found on PATH or in /usr/bin, or installed with apt-get, or an error. */
export function ensureFfmpeg(): string {
  return ensureInstalled(
    {
      find: () => findExecutable(["ffmpeg"], ["/usr/bin"]),
      canInstall: canAptInstall,
      install: () => {
        aptInstall(["--no-install-recommends", "ffmpeg"], HINT);
      },
    },
    "ffmpeg",
    HINT,
  );
}

/** Runs ffmpeg with `args` (no shell) in `cwd`; throws with its log when it fails. */
export function runFfmpeg(ffmpeg: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(ffmpeg, ["-nostdin", "-hide_banner", "-loglevel", "error", ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`ffmpeg ${args.join(" ")} failed (${String(result.status)}): ${result.stderr}`);
  }
}
