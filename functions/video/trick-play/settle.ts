/**
 * What happens after a run: a finished track is recorded in the catalog; a failed run (or a
 * catalog that cannot be written) sends its dead letter, with the reason, to the task's queue.
 * The exit code tells ECS, and the rule that turns stopped tasks into dead letters, what is left
 * to do:
 * - 0: the track is written (or was there) and recorded, or another job is the current one;
 * - `DEAD_LETTERED_EXIT_CODE` (3): the run failed and its dead letter is sent;
 * - 1: the run failed and the dead letter could not be sent (the stopped-task rule sends one).
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DEAD_LETTERED_EXIT_CODE } from "../../../contracts/video-tasks";
import { describeError, log } from "../../shared/log";
import type { TrackCatalog } from "./catalog";
import type { TrickPlayRequest, TrickPlayResult, TrickPlaySuccess } from "./core";
import { deadLetterBody, failure, type TrickPlayFailure } from "./errors";

/** Where dead letters go. */
export interface DeadLetters {
  /** Sends one dead letter; throws when it cannot. */
  send(body: string): Promise<void>;
}

/** The task's dead-letter queue. */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body }));
  }
}

/** What `settle` needs. */
export interface SettleDeps {
  readonly catalog: TrackCatalog;
  readonly deadLetters: DeadLetters;
}

/** Records or dead-letters `result`, logs what it did and returns the process's exit code. */
export async function settle(
  request: TrickPlayRequest,
  result: TrickPlayResult,
  deps: SettleDeps,
): Promise<number> {
  const failed = result.kind === "failed" ? result : await record(request, result, deps.catalog);
  if (failed === undefined) {
    return 0;
  }
  const body = deadLetterBody({ ...request }, failed);
  try {
    await deps.deadLetters.send(body);
  } catch (error) {
    log("error", "trick_play.failed", {
      ...request,
      reason: failed.reason,
      retryable: failed.retryable,
      deadLetter: "not sent",
      ...describeError(error),
    });
    return 1;
  }
  log("error", "trick_play.failed", {
    ...request,
    reason: failed.reason,
    retryable: failed.retryable,
    detail: failed.detail,
    deadLetter: "sent",
  });
  return DEAD_LETTERED_EXIT_CODE;
}

/** Records the track and logs it; a catalog that cannot be written is the run's failure. */
async function record(
  request: TrickPlayRequest,
  track: TrickPlaySuccess,
  catalog: TrackCatalog,
): Promise<TrickPlayFailure | undefined> {
  try {
    const outcome = await catalog.record(request, track);
    log("info", `trick_play.${track.kind}`, {
      ...request,
      indexKey: track.indexKey,
      sheetCount: track.sheetKeys.length,
      thumbnailCount: track.thumbnailCount,
      durationMs: track.durationMs,
      catalog: outcome,
    });
    return undefined;
  } catch (error) {
    return failure(
      "catalog-failed",
      `recording ${track.indexKey} failed: ${String(describeError(error).errorName)}`,
    );
  }
}
