/**
 * The trick-play container's entry point: reads its configuration, runs the task once and exits
 * with 0 when the track is written or was already there, 1 when the run failed (its reason and
 * the request logged as `trick_play.failed`, in the dead letter's shape), 2 when the
 * configuration is invalid. Logs are one JSON object per line (see `../../shared/log`).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { ConfigurationError } from "../../shared/errors";
import { log } from "../../shared/log";
import { loadConfiguration } from "./config";
import { runTrickPlay } from "./core";
import { deadLetterBody } from "./errors";
import { ffmpegExtractor } from "./ffmpeg";
import { S3Store } from "./s3";

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfiguration(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      log("error", "trick_play.configuration", { message: error.message });
      return 2;
    }
    throw error;
  }
  const { request } = config;
  log("info", "trick_play.started", { ...request });
  const result = await runTrickPlay(request, {
    store: new S3Store(new S3Client({}), config.bucket),
    // ffmpeg's own bound is the whole run's: the run aborts it earlier when time is spent.
    extract: ffmpegExtractor({ timeoutMs: config.deadlineMs }),
    workRoot: config.workRoot,
    deadlineMs: config.deadlineMs,
  });
  if (result.kind === "failed") {
    log("error", "trick_play.failed", {
      ...request,
      reason: result.reason,
      retryable: result.retryable,
      deadLetter: deadLetterBody({ ...request }, result),
    });
    return 1;
  }
  log("info", `trick_play.${result.kind}`, { ...request, ...result });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log("error", "trick_play.crashed", {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    process.exitCode = 1;
  },
);
