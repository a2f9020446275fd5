import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { processBatch } from "./core";
import { mapWithConcurrency } from "../../shared/concurrency";
import { type JobSubmitter } from "./deps";
import {
  COURSE_ID,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  VERSION_ID,
  notificationBody,
  sqsRecord,
} from "./fixtures/events";
import { SOURCE_HEAD, awsError, fakeDeps } from "./test-support";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const TOKEN = sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`);

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

describe("processBatch", () => {
  it("gives duplicate deliveries of one version the same token, so one job is created", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const first = sqsRecord(notificationBody(SOURCE));
    const again = sqsRecord(notificationBody(SOURCE));
    const result = await processBatch([first, again], deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(deps.jobs.requests.map((request) => request.ClientRequestToken)).toEqual([TOKEN, TOKEN]);
    expect(deps.jobs.jobCount).toBe(1);
    expect(result.messages.map((message) => message.objects[0]?.jobId)).toEqual([
      "1740820468000-job001",
      "1740820468000-job001",
    ]);
  });

  it("does not submit a redelivery in a later batch: the ledger records the job", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const first = await processBatch([sqsRecord(notificationBody(SOURCE))], deps);
    // MediaConvert forgets the token after a minute; the fake is told to forget it now.
    deps.jobs.jobsByToken.clear();
    const again = await processBatch(
      [sqsRecord(notificationBody(SOURCE), { receiveCount: 2 })],
      deps,
    );
    expect([...first.batchItemFailures, ...again.batchItemFailures]).toEqual([]);
    expect(deps.jobs.requests).toHaveLength(1);
    expect(again.messages[0]?.objects[0]).toMatchObject({
      outcome: "duplicate",
      jobId: "1740820468000-job001",
    });
  });

  it("gives each new version of the same key its own token", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, versionId: "v2" });
    await processBatch([sqsRecord(notificationBody({ ...SOURCE, versionId: "v2" }))], deps);
    expect(deps.jobs.requests[0]?.ClientRequestToken).toBe(
      sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000v2`),
    );
    expect(deps.jobs.requests[0]?.ClientRequestToken).not.toBe(TOKEN);
  });

  it("reports exactly the transient poison message; permanent ones leave through the DLQ", async () => {
    const deps = fakeDeps();
    const keys = [0, 1, 2, 3].map(
      (index) => `uploads/${COURSE_ID}/00000000-0000-4000-8000-00000000000${index}/source.mp4`,
    );
    for (const key of keys) deps.objects.put(RAW_BUCKET, key);
    deps.objects.put(RAW_BUCKET, keys[2] ?? "", { ...SOURCE_HEAD, contentLength: 0 });
    const messages = keys.map((key) =>
      sqsRecord(notificationBody({ ...SOURCE, key, size: undefined })),
    );
    deps.jobs.failures.push(
      ...Array.from({ length: 5 }, () => awsError("TooManyRequestsException", 429)),
    );
    // One at a time, so the throttling above hits the first message only.
    const result = await processBatch(messages, { ...deps, concurrency: 1 });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: messages[0]?.messageId }]);
    expect(result.messages.map((message) => message.objects[0]?.outcome)).toEqual([
      "retry",
      "submitted",
      "dead_lettered",
      "submitted",
    ]);
    expect(deps.deadLetters.letters.map((letter) => letter.sourceMessageId)).toEqual([
      messages[2]?.messageId,
    ]);
  });

  it("keeps at most `concurrency` messages in flight and the results in order", async () => {
    let inFlight = 0;
    let peak = 0;
    const slowJobs: JobSubmitter = {
      async createJob(input) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { jobId: input.UserMetadata?.videoId ?? "" };
      },
    };
    const deps = { ...fakeDeps(), jobs: slowJobs };
    const videoIds = Array.from(
      { length: 10 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    );
    for (const id of videoIds)
      deps.objects.put(RAW_BUCKET, `uploads/${COURSE_ID}/${id}/source.mp4`);
    const result = await processBatch(
      videoIds.map((id) =>
        sqsRecord(notificationBody({ ...SOURCE, key: `uploads/${COURSE_ID}/${id}/source.mp4` })),
      ),
      deps,
    );
    expect(peak).toBe(4);
    expect(result.messages.map((message) => message.objects[0]?.jobId)).toEqual(videoIds);
  });
});

describe("mapWithConcurrency", () => {
  it("maps everything in order whatever the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (inputs, limit) => {
          expect(
            await mapWithConcurrency(inputs, limit, (value) => Promise.resolve(value * 2)),
          ).toEqual(inputs.map((value) => value * 2));
        },
      ),
    );
  });
});
