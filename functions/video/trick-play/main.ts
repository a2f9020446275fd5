/**
 * The trick-play container's entry point: reads its configuration, runs the task once, records
 * the track in the catalog or sends the failure's dead letter (`./settle`), and exits with 0 when
 * the track is written or was already there, 3 when the run failed and its dead letter is sent,
 * 1 when it failed and the dead letter could not be sent, 2 when the configuration is invalid
 * (then ECS's stopped-task event becomes the dead letter). Logs are one JSON object per line
 * (see `../../shared/log`).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ConfigurationError } from "../../shared/errors";
import { log } from "../../shared/log";
import { DynamoDbTrackCatalog } from "./catalog";
import { loadConfiguration } from "./config";
import { runTrickPlay } from "./core";
import { ffmpegExtractor } from "./ffmpeg";
import { S3Store } from "./s3";
import { SqsDeadLetters, settle } from "./settle";

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
  return settle(request, result, {
    catalog: new DynamoDbTrackCatalog(new DynamoDBClient({}), config.catalogTable),
    deadLetters: new SqsDeadLetters(new SQSClient({}), config.deadLetterQueueUrl),
  });
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
