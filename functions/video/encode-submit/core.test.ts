import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { processMessage } from "./core";
import { deadLetterBody, unwrapDeadLetter } from "./deps";
import {
  COURSE_ID,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  SOURCE_SIZE,
  TEST_EVENT_BODY,
  VERSION_ID,
  VIDEO_ID,
  notificationBody,
  sqsRecord,
} from "./fixtures/events";
import { MAX_SOURCE_BYTES, NOW, SOURCE_HEAD, awsError, fakeDeps } from "./test-support";

/** Fails the test with `message` (for values a test has just checked are there). */
function fail(message: string): never {
  throw new Error(message);
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const TOKEN = sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`);

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

describe("processMessage", () => {
  it("submits one job for a valid upload", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const message = sqsRecord(notificationBody(SOURCE), { receiveCount: 2 });
    const result = await processMessage(message, deps);
    expect(result).toEqual({
      messageId: message.messageId,
      receiveCount: 2,
      retry: false,
      objects: [
        {
          bucket: RAW_BUCKET,
          key: SOURCE_KEY,
          size: SOURCE_SIZE,
          courseId: COURSE_ID,
          videoId: VIDEO_ID,
          sourceVersion: VERSION_ID,
          clientRequestToken: TOKEN,
          outcome: "submitted",
          probe: { container: "mp4", width: 1920, height: 1080, rotationDegrees: 0 },
          jobId: "1740820468000-job001",
          attempts: 1,
          ledger: "recorded",
        },
      ],
    });
    expect(deps.objects.calls).toEqual([{ bucket: RAW_BUCKET, key: SOURCE_KEY }]);
    expect(deps.prober.calls).toEqual([`s3://${RAW_BUCKET}/${SOURCE_KEY}`]);
    expect(deps.ledger.finds).toEqual([VIDEO_ID]);
    expect(deps.jobs.requests).toHaveLength(1);
    expect(deps.ledger.records).toEqual([
      {
        videoId: VIDEO_ID,
        token: TOKEN,
        jobId: "1740820468000-job001",
        submittedAt: NOW.toISOString(),
        // The event's sequencer, so that a later upload of the key is never replaced by this one.
        sequencer: "0067C2D3A3B2F1E0AB",
      },
    ]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("probes before submitting, and fits the ladder to what Probe measured", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.answer = { container: "mp4", video: { width: 640, height: 360 } };
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        probe: { container: "mp4", width: 640, height: 360, rotationDegrees: 0 },
      }),
    ]);
    const outputs = deps.jobs.requests[0]?.Settings?.OutputGroups?.[0]?.Outputs ?? [];
    expect(outputs.flatMap((output) => output.VideoDescription?.Height ?? [])).toEqual([234, 360]);
  });

  it("retries a throttled Probe in process, then submits", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.failures.push(awsError("TooManyRequestsException", 429));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({ retry: false, objects: [{ outcome: "submitted" }] });
    expect(deps.prober.calls).toHaveLength(2);
    expect(deps.sleeps).toHaveLength(1);
  });

  it("dead-letters a source Probe rejects, and submits nothing", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.failures.push(awsError("BadRequestException", 400));
    const message = sqsRecord(notificationBody(SOURCE));
    const result = await processMessage(message, deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "dead_lettered", reason: "probe_rejected" }],
    });
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "probe_rejected",
        detail: "MediaConvert Probe rejected the source (BadRequestException)",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  describe("with the submission ledger", () => {
    it("does not submit again a version the ledger records: a duplicate with the job id", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, {
        token: TOKEN,
        jobId: "1740820468000-earlier",
        submittedAt: "2025-03-01T09:00:00.000Z",
      });
      // Redelivered after the visibility timeout: long past MediaConvert's one-minute window.
      const message = sqsRecord(notificationBody(SOURCE), { receiveCount: 2 });
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        {
          bucket: RAW_BUCKET,
          key: SOURCE_KEY,
          size: SOURCE_SIZE,
          courseId: COURSE_ID,
          videoId: VIDEO_ID,
          sourceVersion: VERSION_ID,
          clientRequestToken: TOKEN,
          outcome: "duplicate",
          jobId: "1740820468000-earlier",
          submittedAt: "2025-03-01T09:00:00.000Z",
        },
      ]);
      expect(deps.jobs.requests).toEqual([]);
      // Not encoded again, so not measured either.
      expect(deps.prober.calls).toEqual([]);
      expect(deps.ledger.records).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([]);
    });

    it("submits a new version when the ledger records an older one, and replaces the entry", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, { token: "0".repeat(64), jobId: "1740820468000-older" });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "submitted", ledger: "recorded" }),
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.ledger.entries.get(VIDEO_ID)).toEqual({
        token: TOKEN,
        jobId: "1740820468000-job001",
        submittedAt: NOW.toISOString(),
      });
    });

    it("submits when an entry has the token but no job id", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, { token: TOKEN });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.objects[0]?.outcome).toBe("submitted");
      expect(deps.jobs.requests).toHaveLength(1);
    });

    it("succeeds when a concurrent delivery recorded the same submission first", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.find = () => Promise.resolve(undefined);
      deps.ledger.entries.set(VIDEO_ID, { token: TOKEN, jobId: "1740820468000-job001" });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "submitted", ledger: "already_recorded" }),
      ]);
    });

    it("sends the message back, without submitting, when the ledger cannot be read", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.findFailures.push(awsError("InternalServerError", 500));
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(true);
      expect(result.objects).toEqual([
        expect.objectContaining({
          outcome: "retry",
          reason: "service_error",
          detail: "GetItem failed on the service side (InternalServerError)",
        }),
      ]);
      expect(deps.jobs.requests).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([]);
    });

    it("sends the message back when the ledger write fails, naming the job created", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.recordFailures.push(awsError("ProvisionedThroughputExceededException", 400));
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(true);
      expect(result.objects).toEqual([
        expect.objectContaining({
          outcome: "retry",
          reason: "throttled",
          detail: "UpdateItem was throttled (ProvisionedThroughputExceededException)",
          jobId: "1740820468000-job001",
          attempts: 1,
        }),
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.deadLetters.letters).toEqual([]);
    });
  });

  it("decodes the key before checking it: a key with spaces is dead-lettered decoded", async () => {
    const deps = fakeDeps();
    const message = sqsRecord(
      notificationBody({
        ...SOURCE,
        key: `uploads/${COURSE_ID}/${VIDEO_ID}/My+Lecture+%282%29.mp4`,
      }),
    );
    const result = await processMessage(message, deps);
    expect(result.retry).toBe(false);
    expect(result.objects).toEqual([
      expect.objectContaining({
        key: `uploads/${COURSE_ID}/${VIDEO_ID}/My Lecture (2).mp4`,
        outcome: "dead_lettered",
        reason: "invalid_key",
      }),
    ]);
    expect(deps.objects.calls).toEqual([]);
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "invalid_key",
        detail: "object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("skips S3's test event without calling anything", async () => {
    const deps = fakeDeps();
    const result = await processMessage(sqsRecord(TEST_EVENT_BODY), deps);
    expect(result.retry).toBe(false);
    expect(result.objects).toEqual([
      { bucket: RAW_BUCKET, outcome: "skipped", reason: "test_event" },
    ]);
    expect(deps.objects.calls).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("skips events other than ObjectCreated", async () => {
    const deps = fakeDeps();
    const result = await processMessage(
      sqsRecord(notificationBody({ ...SOURCE, eventName: "ObjectRemoved:Delete" })),
      deps,
    );
    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: "skipped", reason: "not_object_created" }),
    ]);
    expect(deps.objects.calls).toEqual([]);
  });

  it("skips a version that was overwritten since: its successor has its own notification", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, versionId: "a-newer-version" });
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "skipped", reason: "superseded" }],
    });
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it.each([
    [
      "an unsupported content type",
      { ...SOURCE_HEAD, contentType: "application/octet-stream" },
      SOURCE,
      "unsupported_content_type",
      'content type "application/octet-stream" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
    ],
    [
      "a zero-byte object (from the notification, before HeadObject)",
      { ...SOURCE_HEAD, contentLength: 0 },
      { ...SOURCE, size: 0 },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
    [
      "a zero-byte object (from HeadObject)",
      { ...SOURCE_HEAD, contentLength: 0 },
      { ...SOURCE, size: undefined },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
    [
      "an object over the limit",
      SOURCE_HEAD,
      { ...SOURCE, size: MAX_SOURCE_BYTES + 1 },
      "object_too_large",
      `the object is ${MAX_SOURCE_BYTES + 1} bytes, more than the ${MAX_SOURCE_BYTES} bytes allowed`,
    ],
    ["an object deleted since", undefined, SOURCE, "source_missing", "the object no longer exists"],
  ])(
    "dead-letters %s with its reason and submits nothing",
    async (_, head, object, reason, detail) => {
      const deps = fakeDeps();
      if (head !== undefined) deps.objects.put(RAW_BUCKET, SOURCE_KEY, head);
      const message = sqsRecord(notificationBody(object));
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "dead_lettered", reason, detail }),
      ]);
      expect(deps.jobs.requests).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([
        { body: message.body, reason, detail, sourceMessageId: message.messageId },
      ]);
    },
  );

  it("retries throttled submissions in process, then reports the attempts", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.jobs.failures.push(
      awsError("TooManyRequestsException", 429),
      awsError("TooManyRequestsException", 429),
    );
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: "submitted", attempts: 3 }),
    ]);
    expect(deps.sleeps).toEqual([100, 200]);
    expect(deps.jobs.requests.map((request) => request.ClientRequestToken)).toEqual([
      TOKEN,
      TOKEN,
      TOKEN,
    ]);
  });

  it("sends the message back when throttling outlasts the retries", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.jobs.failures.push(
      ...Array.from({ length: 5 }, () => awsError("TooManyRequestsException", 429)),
    );
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.retry).toBe(true);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "throttled",
        detail: "CreateJob was throttled (TooManyRequestsException)",
        error: {
          errorName: "TooManyRequestsException",
          httpStatusCode: 429,
          awsRequestId: "req-TooManyRequestsException",
          fault: "client",
        },
      }),
    ]);
    expect(deps.jobs.requests).toHaveLength(5);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("sends the message back when HeadObject fails on the service side", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(awsError("InternalError", 500));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: true,
      objects: [{ outcome: "retry", reason: "service_error" }],
    });
    expect(deps.jobs.requests).toEqual([]);
  });

  it("sends the message back when the DLQ cannot take it: nothing is lost", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, contentType: "text/plain" });
    deps.deadLetters.failures.push(awsError("ServiceUnavailable", 503));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.retry).toBe(true);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "unsupported_content_type",
        deadLetter: "send_failed",
        error: expect.objectContaining({
          errorName: "ServiceUnavailable",
          httpStatusCode: 503,
        }) as unknown,
      }),
    ]);
  });

  it("dead-letters a malformed body as it came", async () => {
    const deps = fakeDeps();
    const message = sqsRecord("{not json");
    const result = await processMessage(message, deps);
    expect(result).toEqual({
      messageId: message.messageId,
      receiveCount: 1,
      retry: false,
      objects: [
        { outcome: "dead_lettered", reason: "malformed_body", detail: "message body is not JSON" },
      ],
    });
    expect(deps.deadLetters.letters).toEqual([
      {
        body: "{not json",
        reason: "malformed_body",
        detail: "message body is not JSON",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("dead-letters a bucket name S3 would refuse without calling anything", async () => {
    const deps = fakeDeps();
    const message = sqsRecord(notificationBody({ ...SOURCE, bucket: "KC_Video_Raw" }));
    const result = await processMessage(message, deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ bucket: "KC_Video_Raw", outcome: "dead_lettered", reason: "invalid_bucket" }],
    });
    expect(deps.objects.calls).toEqual([]);
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "invalid_bucket",
        detail:
          'bucket name "KC_Video_Raw" is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, a letter or digit at both ends)',
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("dead-letters a source S3 refuses to describe (HTTP 400) at the first delivery", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(awsError("Unknown", 400));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "dead_lettered", reason: "source_rejected" }],
    });
    expect(deps.objects.calls).toHaveLength(1);
    expect(deps.deadLetters.letters).toEqual([
      expect.objectContaining({ reason: "source_rejected" }),
    ]);
  });

  describe("with a dead letter redriven to the ingest queue", () => {
    it("processes the original message it carries", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      const original = notificationBody(SOURCE);
      const redriven = sqsRecord(
        JSON.stringify({
          deadLetteredBy: "encode-submit",
          reason: "job_rejected",
          detail: "MediaConvert rejected the job (BadRequestException)",
          sourceMessageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
          body: original,
        }),
      );
      const result = await processMessage(redriven, deps);
      expect(result).toMatchObject({ retry: false, objects: [{ outcome: "submitted" }] });
      expect(deps.jobs.requests[0]?.ClientRequestToken).toBe(TOKEN);
    });

    it("dead-letters it again with the original body, not nested", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.jobs.failures.push(awsError("BadRequestException", 400));
      const original = notificationBody(SOURCE);
      const first = sqsRecord(original);
      await processMessage(first, deps);
      const [letter] = deps.deadLetters.letters;
      expect(letter).toMatchObject({ body: original, reason: "job_rejected" });

      deps.jobs.failures.push(awsError("BadRequestException", 400));
      const redriven = sqsRecord(deadLetterBody(letter ?? fail("no dead letter")));
      await processMessage(redriven, deps);
      expect(deps.deadLetters.letters[1]).toEqual({
        body: original,
        reason: "job_rejected",
        detail: "MediaConvert rejected the job (BadRequestException)",
        sourceMessageId: redriven.messageId,
      });
    });

    it("takes any other body as it is", () => {
      for (const body of [
        "{not json",
        '{"Records":[]}',
        JSON.stringify({ deadLetteredBy: "another-function", body: "{}" }),
        JSON.stringify({ deadLetteredBy: "encode-submit", reason: "job_rejected", body: 42 }),
      ]) {
        expect(unwrapDeadLetter(body)).toBe(body);
      }
    });
  });

  it("turns an unexpected error into a transient failure", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(new TypeError("undefined is not a function"));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: true,
      objects: [
        { outcome: "retry", reason: "unexpected_error", error: { errorName: "TypeError" } },
      ],
    });
  });

  describe("with several objects in one message", () => {
    const other = `uploads/${COURSE_ID}/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/source.mov`;

    it("submits the good ones and dead-letters the message for the bad one", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.objects.put(RAW_BUCKET, other, { ...SOURCE_HEAD, contentType: "image/gif" });
      const message = sqsRecord(notificationBody(SOURCE, { ...SOURCE, key: other }));
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects.map((object) => object.outcome)).toEqual([
        "submitted",
        "dead_lettered",
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.deadLetters.letters).toEqual([
        expect.objectContaining({ body: message.body, reason: "unsupported_content_type" }),
      ]);
    });

    it("lists every permanent problem in the detail", async () => {
      const deps = fakeDeps();
      const message = sqsRecord(
        notificationBody({ ...SOURCE, key: "uploads/x.mp4" }, { ...SOURCE, key: other, size: 0 }),
      );
      await processMessage(message, deps);
      expect(deps.deadLetters.letters).toEqual([
        expect.objectContaining({
          reason: "invalid_key",
          detail:
            "1: object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>; 2: the object is empty (0 bytes)",
        }),
      ]);
    });

    it("sends the whole message back when one object fails transiently", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.objects.put(RAW_BUCKET, other, { ...SOURCE_HEAD, contentType: "image/gif" });
      deps.jobs.failures.push(awsError("InternalServerErrorException", 500));
      const result = await processMessage(
        sqsRecord(notificationBody(SOURCE, { ...SOURCE, key: other })),
        deps,
      );
      expect(result.retry).toBe(true);
      expect(result.objects.map((object) => [object.outcome, object.reason])).toEqual([
        ["retry", "service_error"],
        ["retry", "unsupported_content_type"],
      ]);
      expect(deps.deadLetters.letters).toEqual([]);
    });
  });
});
