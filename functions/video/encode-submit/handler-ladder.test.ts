import {
  BadRequestException,
  ProbeCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-mediaconvert";
import { describe, expect, it, vi } from "vitest";
import {
  COURSE_ID,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  VIDEO_ID,
  notificationBody,
  sqsEvent,
  sqsRecord,
  type ProbeFixture,
} from "./fixtures/events";
import {
  mediaConvert,
  loadHandler,
  CONTEXT,
  storeSource,
  createJobInputs,
  probeSource,
  probeInputs,
  renditionSizes,
  deadLetters,
  letterOf,
  recordLines,
} from "./handler-harness";

describe("fitting the ladder to the source, as MediaConvert's Probe measures it", () => {
  it("drops the renditions above a 640x360 source", async () => {
    const handler = await loadHandler();
    storeSource();
    probeSource({ format: "mp4", video: { width: 640, height: 360 } });
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });

    // Before the fit, a 640x360 upload was asked for 540p, 720p and 1080p renditions too.
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
    ]);
    expect(probeInputs()).toEqual([
      { InputFiles: [{ FileUrl: `s3://${RAW_BUCKET}/${SOURCE_KEY}` }] },
    ]);
    // Probe first, then the job fitted to what it measured.
    expect(mediaConvert.calls().map((call) => call.args[0].constructor.name)).toEqual([
      "ProbeCommand",
      "CreateJobCommand",
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        probe: { container: "mp4", width: 640, height: 360, rotationDegrees: 0 },
      }),
    ]);
  });

  it("gives a .mp4 filmed upright (1920x1080, rotated 90 degrees) portrait renditions", async () => {
    const handler = await loadHandler();
    storeSource();
    probeSource({ format: "mp4", video: { width: 1920, height: 1080, rotation: 90 } });
    await handler(sqsEvent(sqsRecord(notificationBody(SOURCE))), CONTEXT);
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [234, 416],
      [360, 640],
      [540, 960],
      [720, 1280],
      [1080, 1920],
    ]);
  });

  it("ignores the rotation of a container MediaConvert does not rotate (Matroska)", async () => {
    const handler = await loadHandler();
    const key = `uploads/${COURSE_ID}/${VIDEO_ID}/source.mkv`;
    storeSource(key, { ContentType: "video/x-matroska" });
    probeSource({ format: "matroska", video: { width: 1920, height: 1080, rotation: 90 } });
    await handler(sqsEvent(sqsRecord(notificationBody({ ...SOURCE, key }))), CONTEXT);
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
      [960, 540],
      [1280, 720],
      [1920, 1080],
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        probe: { container: "matroska", width: 1920, height: 1080, rotationDegrees: 0 },
      }),
    ]);
  });

  it.each<[string, ProbeFixture, string]>([
    ["no video track", { format: "mp4" }, "Probe found no video track"],
    [
      "a video track without a size",
      { format: "quicktime", video: { rotation: 90 } },
      "Probe reported no video width and height",
    ],
    [
      "a size MediaConvert cannot encode",
      { format: "mp4", video: { width: 16, height: 9 } },
      "source.width must be an integer between 32 and 8192, got 16; source.height must be an integer between 32 and 8192, got 9",
    ],
  ])("keeps the full ladder for a probe with %s, and logs why", async (_, fixture, problem) => {
    const handler = await loadHandler();
    storeSource();
    probeSource(fixture);
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
      [960, 540],
      [1280, 720],
      [1920, 1080],
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ outcome: "submitted", probe: { unmeasured: problem } }),
    ]);
  });

  it("reports the record when Probe stays throttled, and submits nothing", async () => {
    vi.useFakeTimers();
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(ProbeCommand)
      .rejects(
        new TooManyRequestsException({ message: "slow down", $metadata: { httpStatusCode: 429 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    const pending = handler(sqsEvent(record), CONTEXT);
    await vi.runAllTimersAsync();
    expect(await pending).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    // The first call and four in-process retries, then SQS delivers the message again.
    expect(probeInputs()).toHaveLength(5);
    expect(createJobInputs()).toEqual([]);
    expect(deadLetters()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ level: "error", outcome: "retry", reason: "throttled" }),
    ]);
  });

  it("dead-letters a source Probe rejects (BadRequestException) with the reason", async () => {
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(ProbeCommand)
      .rejects(
        new BadRequestException({ message: "unreadable", $metadata: { httpStatusCode: 400 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs()).toEqual([]);
    expect(letterOf(deadLetters()[0])).toEqual({
      deadLetteredBy: "encode-submit",
      reason: "probe_rejected",
      detail: "MediaConvert Probe rejected the source (BadRequestException)",
      sourceMessageId: record.messageId,
      body: record.body,
    });
  });
});
