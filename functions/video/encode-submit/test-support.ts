/**
 * Test support (not bundled: no handler imports it). In-memory fakes of the core's dependencies
 * that behave like the services where it matters (MediaConvert answers a repeated client request
 * token with the job it already created; the ledger keeps one submission per video under its
 * condition), AWS-shaped errors, and environment and log helpers for
 * the handler tests.
 */
import type { CreateJobRequest } from "@aws-sdk/client-mediaconvert";
import fc from "fast-check";
import { ENVIRONMENT, type EncodeSubmitConfig } from "./config";
import { type ProbedSource, type SourceObjectHead } from "./source";
import {
  orderedSequencer,
  type DeadLetter,
  type DeadLetterQueue,
  type EncodeSubmitDeps,
  type JobSubmitter,
  type LedgerOutcome,
  type RecordedSubmission,
  type SourceObjects,
  type SourceProber,
  type Submission,
  type SubmissionLedger,
} from "./deps";
import { DEFAULT_LECTURE_LADDER } from "./job-settings";
import { ACCOUNT, ETAG, REGION, SOURCE_SIZE, VERSION_ID } from "./fixtures/events";
import { setEnvironment } from "../../shared/test-support";
import { type Ladder, type LadderRung } from "./job-settings";
export { captureLogs } from "../../shared/test-support";

export const QUEUE_ARN = `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:queues/kc-video-on-demand`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/kc-video-mediaconvert`;
export const OUTPUT_BUCKET = "kc-video-processed-me-south-1";
export const DLQ_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/kc-video-ingest-dlq`;
export const CATALOG_TABLE = "kc-video-catalog";
/** The clock of the fakes: `submittedAt` of every recorded submission. */
export const NOW = new Date("2025-03-01T09:14:29.000Z");
/** 10 GiB. */
export const MAX_SOURCE_BYTES = 10 * 1024 ** 3;
export const ALLOWED_CONTENT_TYPES = [
  "video/mp4",
  "video/quicktime",
  "video/x-matroska",
  "video/webm",
] as const;

/** The handler's environment, as the stack sets it. */
export const HANDLER_ENV: Readonly<Record<string, string>> = {
  MEDIACONVERT_QUEUE_ARN: QUEUE_ARN,
  MEDIACONVERT_ROLE_ARN: ROLE_ARN,
  OUTPUT_BUCKET,
  DLQ_URL,
  MAX_SOURCE_BYTES: String(MAX_SOURCE_BYTES),
  ALLOWED_CONTENT_TYPES: ALLOWED_CONTENT_TYPES.join(","),
  CATALOG_TABLE,
};

/** The configuration `HANDLER_ENV` gives. */
export const CONFIG: EncodeSubmitConfig = {
  queueArn: QUEUE_ARN,
  roleArn: ROLE_ARN,
  outputBucket: OUTPUT_BUCKET,
  dlqUrl: DLQ_URL,
  maxSourceBytes: MAX_SOURCE_BYTES,
  allowedContentTypes: ALLOWED_CONTENT_TYPES,
  catalogTable: CATALOG_TABLE,
  ladder: DEFAULT_LECTURE_LADDER,
  ladderSource: "default",
};

/** What HeadObject says about the default source upload. */
export const SOURCE_HEAD: SourceObjectHead = {
  contentType: "video/mp4",
  contentLength: SOURCE_SIZE,
  versionId: VERSION_ID,
  eTag: `"${ETAG}"`,
};

/** An error shaped like the AWS SDK's service exceptions. */
export function awsError(
  name: string,
  httpStatusCode: number,
  fault: "client" | "server" = httpStatusCode >= 500 ? "server" : "client",
): Error {
  return Object.assign(new Error(`${name}: simulated`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode, requestId: `req-${name}` },
  });
}

/** Source objects by `bucket/key`. */
export class FakeSourceObjects implements SourceObjects {
  readonly heads = new Map<string, SourceObjectHead>();
  readonly calls: { bucket: string; key: string }[] = [];
  /** Errors to throw, in order, before answering. */
  readonly failures: Error[] = [];

  put(bucket: string, key: string, head: SourceObjectHead = SOURCE_HEAD): this {
    this.heads.set(`${bucket}/${key}`, head);
    return this;
  }

  head(bucket: string, key: string): Promise<SourceObjectHead | undefined> {
    this.calls.push({ bucket, key });
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(this.heads.get(`${bucket}/${key}`));
  }
}

/** What Probe measures of the default source upload: 1080p, not rotated, in MP4. */
export const SOURCE_PROBE: ProbedSource = {
  container: "mp4",
  video: { width: 1920, height: 1080 },
};

/** MediaConvert's Probe: every file is `answer`. */
export class FakeSourceProber implements SourceProber {
  readonly calls: string[] = [];
  /** Errors to throw, in order, before answering. */
  readonly failures: Error[] = [];
  answer: ProbedSource = SOURCE_PROBE;

  probe(fileUrl: string): Promise<ProbedSource> {
    this.calls.push(fileUrl);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(this.answer);
  }
}

/** MediaConvert's CreateJob: a repeated client request token returns the job already created. */
export class FakeJobSubmitter implements JobSubmitter {
  readonly requests: CreateJobRequest[] = [];
  readonly jobsByToken = new Map<string, string>();
  /** Errors to throw, in order, before accepting. */
  readonly failures: Error[] = [];
  private counter = 0;

  createJob(input: CreateJobRequest): Promise<{ readonly jobId: string }> {
    this.requests.push(input);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const token = input.ClientRequestToken ?? `anonymous-${this.requests.length}`;
    let jobId = this.jobsByToken.get(token);
    if (jobId === undefined) {
      this.counter += 1;
      jobId = `1740820468000-job${String(this.counter).padStart(3, "0")}`;
      this.jobsByToken.set(token, jobId);
    }
    return Promise.resolve({ jobId });
  }

  /** Distinct jobs created. */
  get jobCount(): number {
    return this.jobsByToken.size;
  }
}

/** The submission ledger: one submission per video, replaced only by another token. */
export class FakeSubmissionLedger implements SubmissionLedger {
  readonly entries = new Map<string, RecordedSubmission>();
  /** The recorded submission's sequencer, by video. */
  private readonly sequencers = new Map<string, string>();
  readonly finds: string[] = [];
  readonly records: Submission[] = [];
  /** Errors to throw, in order, before answering a find. */
  readonly findFailures: Error[] = [];
  /** Errors to throw, in order, before recording. */
  readonly recordFailures: Error[] = [];

  find(videoId: string): Promise<RecordedSubmission | undefined> {
    this.finds.push(videoId);
    const failure = this.findFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(this.entries.get(videoId));
  }

  record(submission: Submission): Promise<LedgerOutcome> {
    this.records.push(submission);
    const failure = this.recordFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const current = this.entries.get(submission.videoId);
    if (current?.jobId !== undefined && current.token === submission.token) {
      return Promise.resolve("already_recorded");
    }
    const recordedSequencer = this.sequencers.get(submission.videoId);
    const sequencer = orderedSequencer(submission.sequencer);
    if (
      current?.jobId !== undefined &&
      sequencer !== undefined &&
      recordedSequencer !== undefined &&
      recordedSequencer >= sequencer
    ) {
      return Promise.resolve("superseded");
    }
    const { token, jobId, submittedAt } = submission;
    this.entries.set(submission.videoId, { token, jobId, submittedAt });
    if (sequencer === undefined) {
      this.sequencers.delete(submission.videoId);
    } else {
      this.sequencers.set(submission.videoId, sequencer);
    }
    return Promise.resolve("recorded");
  }
}

/** The dead-letter queue. */
export class FakeDeadLetterQueue implements DeadLetterQueue {
  readonly letters: DeadLetter[] = [];
  /** Errors to throw, in order, before accepting. */
  readonly failures: Error[] = [];

  send(letter: DeadLetter): Promise<void> {
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    this.letters.push(letter);
    return Promise.resolve();
  }
}

/** Core dependencies over fakes; sleeping is recorded, not done. */
export function fakeDeps(
  overrides: Partial<Pick<EncodeSubmitDeps, "config" | "retry" | "random" | "concurrency">> = {},
): EncodeSubmitDeps & {
  readonly objects: FakeSourceObjects;
  readonly prober: FakeSourceProber;
  readonly jobs: FakeJobSubmitter;
  readonly ledger: FakeSubmissionLedger;
  readonly deadLetters: FakeDeadLetterQueue;
  readonly sleeps: number[];
} {
  const sleeps: number[] = [];
  return {
    config: CONFIG,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
    objects: new FakeSourceObjects(),
    prober: new FakeSourceProber(),
    jobs: new FakeJobSubmitter(),
    ledger: new FakeSubmissionLedger(),
    deadLetters: new FakeDeadLetterQueue(),
    sleeps,
  };
}

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(values: Readonly<Record<string, string>>): () => void {
  return setEnvironment(ENVIRONMENT, values);
}

const evenIn = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: min / 2, max: max / 2 }).map((half) => half * 2);

const rungShape = fc.record({
  width: evenIn(128, 3840),
  height: evenIn(72, 2160),
  quality: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
});

/** Any valid ladder: 1-10 rungs, even sizes in range, strictly increasing bitrates. */
export const validLadder: fc.Arbitrary<Ladder> = fc.integer({ min: 1, max: 10 }).chain((length) =>
  fc
    .tuple(
      fc.array(rungShape, { minLength: length, maxLength: length }),
      fc.uniqueArray(fc.integer({ min: 100, max: 20_000 }), {
        minLength: length,
        maxLength: length,
      }),
    )
    .map(([shapes, bitrates]) => {
      const sorted = [...bitrates].sort((a, b) => a - b);
      return shapes.map((shape, index): LadderRung => ({
        width: shape.width,
        height: shape.height,
        maxBitrateKbps: sorted[index] ?? 0,
        ...(shape.quality === undefined ? {} : { qvbrQualityLevel: shape.quality }),
      }));
    }),
);
