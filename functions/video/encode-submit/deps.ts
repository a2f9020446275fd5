/**
 * What the flow needs from outside, as interfaces the adapters in `./aws` implement: source
 * objects, Probe, CreateJob, the submission ledger and the dead-letter queue; and the dead-letter
 * body format.
 */
import type { CreateJobRequest } from "@aws-sdk/client-mediaconvert";
import { z } from "zod";
import type { RetryEnvironment } from "../../shared/retry";
import { type PermanentReason } from "./errors";
import {
  type JobConfig,
  type ProbedSource,
  type SourceLimits,
  type SourceObjectHead,
} from "./source";

// ---------------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------------

/** HeadObject on source objects. */
export interface SourceObjects {
  /** The object's metadata, or `undefined` when there is no such object (404). */
  head(bucket: string, key: string): Promise<SourceObjectHead | undefined>;
}

/** MediaConvert Probe of a source object. */
export interface SourceProber {
  /** What Probe reads of the file at `fileUrl` (`s3://<bucket>/<key>`). */
  probe(fileUrl: string): Promise<ProbedSource>;
}

/** MediaConvert CreateJob. */
export interface JobSubmitter {
  /** Submits the job; returns its id. */
  createJob(input: CreateJobRequest): Promise<{ readonly jobId: string }>;
}

/** The submission of a source object version recorded on the video's catalog item. */
export interface RecordedSubmission {
  /** The client request token of the submitted version (`clientRequestToken`). */
  readonly token?: string;
  readonly jobId?: string;
  /** When the job was recorded, ISO 8601 UTC. */
  readonly submittedAt?: string;
}

/** A submission to record. */
export interface Submission {
  readonly videoId: string;
  readonly token: string;
  readonly jobId: string;
  /** ISO 8601 UTC. */
  readonly submittedAt: string;
  /**
   * The S3 event's sequencer, as S3 sent it: of two uploads of the video's key, the later
   * event's submission wins, whatever order they are recorded in (`orderedSequencer`).
   */
  readonly sequencer?: string;
}

/** What recording a submission found. */
export type LedgerOutcome = "recorded" | "already_recorded" | "superseded";

const SEQUENCER = /^[0-9A-Fa-f]{1,32}$/;

/**
 * An S3 event sequencer in a form that orders as S3 says: events of one key compare by their
 * sequencers, the shorter padded with leading zeros, as hexadecimal. Fixed width (32) and upper
 * case, so that a string comparison orders them. Undefined for a missing or malformed one.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function orderedSequencer(sequencer: string | undefined): string | undefined {
  return sequencer !== undefined && SEQUENCER.test(sequencer)
    ? sequencer.toUpperCase().padStart(32, "0")
    : undefined;
}

/**
 * The durable record of submitted jobs, one per video, kept on the video's catalog item. It
 * outlives MediaConvert's one-minute window for repeated client request tokens.
 */
export interface SubmissionLedger {
  /** The submission recorded for the video (a strongly consistent read), if any. */
  find(videoId: string): Promise<RecordedSubmission | undefined>;
  /**
   * Records the submission unless the same one (same token, a job id) is recorded already:
   * `"already_recorded"` then, which is a success too (a concurrent delivery recorded it); or
   * unless a later upload of the key is recorded (a greater sequencer): `"superseded"`, and the
   * job just created is not the video's (encode-status ignores its events).
   */
  record(submission: Submission): Promise<LedgerOutcome>;
}

/** A message parked for good, with why. */
export interface DeadLetter {
  /** The original message body, unchanged (a redriven dead letter's own original body). */
  readonly body: string;
  readonly reason: PermanentReason;
  readonly detail: string;
  readonly sourceMessageId: string;
}

/** The dead-letter queue of the ingest queue. */
export interface DeadLetterQueue {
  send(letter: DeadLetter): Promise<void>;
}

/** Marks the bodies this function writes to the DLQ, so that a redriven one is recognized. */
export const DEAD_LETTERED_BY = "encode-submit";

const deadLetterBodySchema = z.object({
  deadLetteredBy: z.literal(DEAD_LETTERED_BY),
  reason: z.string(),
  detail: z.string(),
  sourceMessageId: z.string(),
  body: z.string(),
});

/**
 * The DLQ message body of a dead letter: JSON with the reason, the detail, the id of the message
 * and the original body as it came (a string, byte for byte), so that the queue alone says why.
 */
export function deadLetterBody(letter: DeadLetter): string {
  return JSON.stringify({
    deadLetteredBy: DEAD_LETTERED_BY,
    reason: letter.reason,
    detail: letter.detail,
    sourceMessageId: letter.sourceMessageId,
    body: letter.body,
  } satisfies z.infer<typeof deadLetterBodySchema>);
}

/**
 * The original body of a dead letter this function wrote, when a DLQ redrive brings one back to
 * the ingest queue (after the cause was fixed: a ladder MediaConvert refused, say); any other
 * body as it is. A message that fails again is dead-lettered with its original body, not nested.
 */
export function unwrapDeadLetter(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body;
  }
  const letter = deadLetterBodySchema.safeParse(json);
  return letter.success ? letter.data.body : body;
}

/** What `processBatch` needs. */
export interface EncodeSubmitDeps extends RetryEnvironment {
  readonly objects: SourceObjects;
  readonly prober: SourceProber;
  readonly jobs: JobSubmitter;
  readonly ledger: SubmissionLedger;
  readonly deadLetters: DeadLetterQueue;
  readonly config: JobConfig & SourceLimits;
  /** The clock of `submittedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Messages in flight at once. @default 4 */
  readonly concurrency?: number;
}
