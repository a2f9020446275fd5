/**
 * Encode submission: the batch flow, over injected dependencies (`SourceObjects`,
 * `SourceProber`, `JobSubmitter`, `SubmissionLedger`, `DeadLetterQueue`, in `./deps`). Nothing
 * here talks to AWS. Message bodies and keys are parsed in `./message`, sources checked in
 * `./source`, failures classified and retried in `./failures`.
 *
 * Each message ends in one of three ways:
 * - done: every object in it was submitted, found already submitted (duplicate) or skipped (test
 *   event, superseded version);
 * - dead-lettered: it can never be encoded (a bucket name S3 refuses, a key off the layout, a
 *   malformed record, an unsupported type, empty, too large, gone, a source MediaConvert's Probe
 *   or a job MediaConvert refuses);
 *   at its first delivery, JSON carrying its body, `reason` and `detail` goes to the DLQ
 *   (`deadLetterBody`), and it leaves the source queue;
 * - retried: something failed that may work later (throttling, 5xx, network); it is reported in
 *   `batchItemFailures`, SQS delivers it again, and after `maxReceiveCount` the redrive policy
 *   moves it to the DLQ. A message whose dead-lettering fails is retried too: nothing is lost.
 */
import { mapWithConcurrency } from "../../shared/concurrency";
import { type LogFields, describeError } from "../../shared/log";
import { type EncodeSubmitDeps, type LedgerOutcome, unwrapDeadLetter } from "./deps";
import {
  PermanentFailureError,
  type PermanentReason,
  RecordFailureError,
  TransientFailureError,
  type TransientReason,
  truncate,
} from "./errors";
import { classifyError, withThrottlingRetries } from "./failures";
import {
  type S3NotificationRecord,
  checkBucketName,
  clientRequestToken,
  decodeS3Key,
  parseMessageBody,
  parseSourceKey,
  sourceVersion,
} from "./message";
import {
  type ProbeSummary,
  buildCreateJobInput,
  checkSourceObject,
  checkSourceSize,
  isSameVersion,
  sourceUri,
  sourceVideoOf,
} from "./source";
import { nameOf } from "./failures";

/** Messages processed at once within one batch. */
export const DEFAULT_CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** An SQS message, as much of it as the flow reads. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

/** What became of one object of a message (or of the message, when no object could be read). */
export type ObjectOutcome = "submitted" | "duplicate" | "skipped" | "dead_lettered" | "retry";

/** Why an object was skipped. */
export type SkipReason = "test_event" | "not_object_created" | "superseded";

/** One object's result: what the handler logs, one line each. */
export interface ObjectResult {
  readonly bucket?: string;
  readonly key?: string;
  readonly outcome: ObjectOutcome;
  readonly reason?: PermanentReason | TransientReason | SkipReason;
  readonly detail?: string;
  readonly courseId?: string;
  readonly videoId?: string;
  readonly sourceVersion?: string;
  readonly size?: number;
  /** The job created, or for a duplicate the job recorded in the ledger. */
  readonly jobId?: string;
  readonly clientRequestToken?: string;
  /** What Probe measured of the source (the ladder was fitted to it), or why the full ladder. */
  readonly probe?: ProbeSummary;
  /** CreateJob calls made (more than one when throttled). */
  readonly attempts?: number;
  /** For a duplicate: when the ledger recorded the job. */
  readonly submittedAt?: string;
  /** What the ledger write after CreateJob found: recorded, recorded already, or superseded. */
  readonly ledger?: LedgerOutcome;
  /** Set when the message should have been dead-lettered but the DLQ send failed. */
  readonly deadLetter?: "send_failed";
  /** Safe description of the AWS error behind a transient failure. */
  readonly error?: LogFields;
}

/** One message's result. */
export interface MessageResult {
  readonly messageId: string;
  readonly receiveCount?: number;
  /** Whether the message goes back to the queue (reported in `batchItemFailures`). */
  readonly retry: boolean;
  readonly objects: readonly ObjectResult[];
}

/** The result of a batch: per-message results and the response Lambda gives SQS. */
export interface BatchResult {
  readonly messages: readonly MessageResult[];
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** Where an object's processing stopped, before the message-level decision. */
type ObjectStep =
  | { readonly status: "submitted" | "duplicate" | "skipped"; readonly result: ObjectResult }
  | {
      readonly status: "failed";
      readonly failure: RecordFailureError;
      readonly result: ObjectResult;
    };

function failed(failure: RecordFailureError, result: Omit<ObjectResult, "outcome">): ObjectStep {
  return {
    status: "failed",
    failure,
    result: {
      ...result,
      outcome: failure.kind === "permanent" ? "dead_lettered" : "retry",
      reason: failure.reason,
      detail: failure.detail,
      ...(failure instanceof TransientFailureError && failure.cause !== undefined
        ? { error: describeError(failure.cause) }
        : {}),
    },
  };
}

async function processObject(
  record: S3NotificationRecord,
  deps: EncodeSubmitDeps,
): Promise<ObjectStep> {
  const bucket = record.s3.bucket.name;
  const notified = record.s3.object;
  let result: Omit<ObjectResult, "outcome"> = {
    bucket,
    key: notified.key,
    ...(notified.size === undefined ? {} : { size: notified.size }),
  };
  // The queue only receives ObjectCreated notifications; anything else is not ours to encode.
  if (!record.eventName.startsWith("ObjectCreated:")) {
    return {
      status: "skipped",
      result: { ...result, outcome: "skipped", reason: "not_object_created" },
    };
  }
  try {
    checkBucketName(bucket);
    const key = decodeS3Key(notified.key);
    result = { ...result, key };
    const source = parseSourceKey(key);
    const version = sourceVersion(notified);
    result = {
      ...result,
      courseId: source.courseId,
      videoId: source.videoId,
      sourceVersion: version,
    };
    if (notified.size !== undefined) checkSourceSize(notified.size, deps.config);

    const { value: head } = await withThrottlingRetries(
      "HeadObject",
      () => deps.objects.head(bucket, key),
      deps,
    );
    if (head === undefined) {
      throw new PermanentFailureError("source_missing", "the object no longer exists");
    }
    if (!isSameVersion(notified, head)) {
      return { status: "skipped", result: { ...result, outcome: "skipped", reason: "superseded" } };
    }
    checkSourceObject(head, deps.config);

    const token = clientRequestToken(bucket, key, version);
    result = { ...result, clientRequestToken: token };

    // A redelivery after MediaConvert's one-minute token window (visibility timeout, DLQ redrive)
    // would create a second job: the ledger, read strongly consistent, says it was submitted.
    const recorded = await ledgerCall("GetItem", () => deps.ledger.find(source.videoId));
    if (recorded?.token === token && recorded.jobId !== undefined && recorded.jobId !== "") {
      return {
        status: "duplicate",
        result: {
          ...result,
          outcome: "duplicate",
          jobId: recorded.jobId,
          ...(recorded.submittedAt === undefined ? {} : { submittedAt: recorded.submittedAt }),
        },
      };
    }

    // MediaConvert scales up as readily as down, so the ladder is fitted to the source's size as
    // Probe reads it from the file. Duplicates (above) are not encoded again, so not probed.
    const { value: probed } = await withThrottlingRetries(
      "Probe",
      () => deps.prober.probe(sourceUri(bucket, key)),
      deps,
    );
    const { video, summary } = sourceVideoOf(probed);
    result = { ...result, probe: summary };

    // Deliveries close together both get here; MediaConvert's token window gives them one job.
    const input = buildCreateJobInput(
      { bucket, key, version, source, ...(video === undefined ? {} : { video }) },
      deps.config,
    );
    const { value, attempts } = await withThrottlingRetries(
      "CreateJob",
      () => deps.jobs.createJob(input),
      deps,
    );
    result = { ...result, jobId: value.jobId, attempts };

    // The job exists now. If this write fails, the message comes back: a redelivery within
    // MediaConvert's one-minute window gets the same job back (and records it), but beyond it the
    // ledger lacks this entry and a second job could be created. That is the remaining, narrow
    // window between CreateJob and this write.
    const submittedAt = (deps.now ?? (() => new Date()))().toISOString();
    const ledger = await ledgerCall("UpdateItem", () =>
      deps.ledger.record({
        videoId: source.videoId,
        token,
        jobId: value.jobId,
        submittedAt,
        ...(notified.sequencer === undefined ? {} : { sequencer: notified.sequencer }),
      }),
    );
    return { status: "submitted", result: { ...result, outcome: "submitted", ledger } };
  } catch (error) {
    return failed(unexpected(error), result);
  }
}

/** A ledger call; any failure of it is classified (transient: the message comes back). */
async function ledgerCall<T>(
  operation: "GetItem" | "UpdateItem",
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyError(operation, error);
  }
}

/** Our failures as they are; anything else (a bug) as a transient failure, so nothing is lost. */
function unexpected(error: unknown): RecordFailureError {
  return error instanceof RecordFailureError
    ? error
    : new TransientFailureError(
        "unexpected_error",
        `processing failed unexpectedly (${nameOf(error) ?? typeof error})`,
        { cause: error },
      );
}

function receiveCount(message: QueueMessage): number | undefined {
  const count = Number(message.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

/**
 * Processes one message: every object in it, then one decision for the message. Never throws;
 * anything unexpected is a transient failure.
 */
export async function processMessage(
  message: QueueMessage,
  deps: EncodeSubmitDeps,
): Promise<MessageResult> {
  const base = {
    messageId: message.messageId,
    ...(receiveCount(message) === undefined ? {} : { receiveCount: receiveCount(message) }),
  };
  const original = unwrapDeadLetter(message.body);
  let steps: ObjectStep[];
  try {
    const body = parseMessageBody(original);
    if (body.kind === "test") {
      return {
        ...base,
        retry: false,
        objects: [
          {
            ...(body.bucket === undefined ? {} : { bucket: body.bucket }),
            outcome: "skipped",
            reason: "test_event",
          },
        ],
      };
    }
    steps = [];
    // Objects of one message one after another; messages run in parallel.
    for (const record of body.records) {
      steps.push(await processObject(record, deps));
    }
  } catch (error) {
    steps = [failed(unexpected(error), {})];
  }
  return settleMessage({ ...message, body: original }, steps, deps, base);
}

async function settleMessage(
  message: QueueMessage,
  steps: readonly ObjectStep[],
  deps: EncodeSubmitDeps,
  base: { readonly messageId: string; readonly receiveCount?: number },
): Promise<MessageResult> {
  const failures = steps.flatMap((step) => (step.status === "failed" ? [step.failure] : []));
  const permanent = failures.flatMap((failure) =>
    failure instanceof PermanentFailureError ? [failure] : [],
  );
  const asRetry = (step: ObjectStep, extra: Partial<ObjectResult> = {}): ObjectResult =>
    step.status === "failed" ? { ...step.result, outcome: "retry", ...extra } : step.result;

  // Anything transient: the whole message comes back (submitted objects are in the ledger then,
  // and reuse their token).
  if (failures.some((failure) => failure.kind === "transient")) {
    return { ...base, retry: true, objects: steps.map((step) => asRetry(step)) };
  }
  const first = permanent[0];
  if (first === undefined) {
    return { ...base, retry: false, objects: steps.map((step) => step.result) };
  }
  const detail =
    permanent.length === 1
      ? first.detail
      : truncate(permanent.map((failure, index) => `${index + 1}: ${failure.detail}`).join("; "));
  try {
    await deps.deadLetters.send({
      body: message.body,
      reason: first.reason,
      detail,
      sourceMessageId: message.messageId,
    });
  } catch (error) {
    return {
      ...base,
      retry: true,
      objects: steps.map((step) =>
        asRetry(step, { deadLetter: "send_failed", error: describeError(error) }),
      ),
    };
  }
  return { ...base, retry: false, objects: steps.map((step) => step.result) };
}

/**
 * Processes a batch of messages, `concurrency` at a time. One message's failure never affects
 * another's: `batchItemFailures` lists exactly the messages that must come back.
 */
export async function processBatch(
  messages: readonly QueueMessage[],
  deps: EncodeSubmitDeps,
): Promise<BatchResult> {
  const results = await mapWithConcurrency(
    messages,
    deps.concurrency ?? DEFAULT_CONCURRENCY,
    (message) => processMessage(message, deps),
  );
  return {
    messages: results,
    batchItemFailures: results
      .filter((result) => result.retry)
      .map((result) => ({ itemIdentifier: result.messageId })),
  };
}
