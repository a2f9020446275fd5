import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEAD_LETTERED_EXIT_CODE } from "../../../contracts/video-tasks";
import type { CatalogOutcome, TrackCatalog } from "./catalog";
import type { TrickPlayRequest, TrickPlaySuccess } from "./core";
import { failure } from "./errors";
import { SqsDeadLetters, settle, type DeadLetters } from "./settle";
import { COURSE_ID, JOB_ID, MANIFEST_KEY, TRACK_PREFIX, VIDEO_ID } from "./test-support";

const REQUEST: TrickPlayRequest = {
  courseId: COURSE_ID,
  videoId: VIDEO_ID,
  jobId: JOB_ID,
  manifestKey: MANIFEST_KEY,
};
const TRACK: TrickPlaySuccess = {
  kind: "written",
  indexKey: `${TRACK_PREFIX}thumbnails.vtt`,
  sheetKeys: [`${TRACK_PREFIX}sprite-0.jpg`],
  durationMs: 25_000,
  intervalSeconds: 2,
  thumbnailCount: 13,
  variantKey: `${TRACK_PREFIX}index_360p.m3u8`,
};
const QUEUE_URL = "https://sqs.me-south-1.amazonaws.com/111122223333/kc-video-tasks-trick-play-dlq";

/** A catalog answering `outcome`, or failing when it is an error. */
function catalogOf(outcome: CatalogOutcome | Error): TrackCatalog & { calls: number } {
  const catalog = {
    calls: 0,
    record: () => {
      catalog.calls += 1;
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
  };
  return catalog;
}

/** Dead letters kept in a list, or refused. */
function lettersOf(refuse = false): DeadLetters & { bodies: string[] } {
  const letters = {
    bodies: [] as string[],
    send: (body: string) => {
      if (refuse) return Promise.reject(new Error("AccessDenied"));
      letters.bodies.push(body);
      return Promise.resolve();
    },
  };
  return letters;
}

const sqs = mockClient(SQSClient);
afterEach(() => {
  sqs.reset();
  vi.restoreAllMocks();
});

describe("settle", () => {
  it("records a written or found track and sends nothing", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    for (const outcome of ["recorded", "superseded"] as const) {
      const catalog = catalogOf(outcome);
      const letters = lettersOf();
      expect(await settle(REQUEST, TRACK, { catalog, deadLetters: letters })).toBe(0);
      expect(catalog.calls).toBe(1);
      expect(letters.bodies).toEqual([]);
    }
  });

  it("sends a failed run's dead letter with its reason and exits with the dead-lettered code", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const catalog = catalogOf("recorded");
    const letters = lettersOf();
    const failed = failure("ffmpeg-failed", "ffmpeg exited with code 1");
    expect(await settle(REQUEST, failed, { catalog, deadLetters: letters })).toBe(
      DEAD_LETTERED_EXIT_CODE,
    );
    expect(catalog.calls).toBe(0);
    expect(letters.bodies.map((body) => JSON.parse(body) as unknown)).toEqual([
      {
        deadLetteredBy: "trick-play",
        reason: "ffmpeg-failed",
        detail: "ffmpeg exited with code 1",
        retryable: false,
        request: REQUEST,
      },
    ]);
  });

  it("dead-letters a track the catalog could not record, as retryable", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const letters = lettersOf();
    const throttled = Object.assign(new Error("rate exceeded"), {
      name: "ProvisionedThroughputExceededException",
    });
    expect(
      await settle(REQUEST, TRACK, { catalog: catalogOf(throttled), deadLetters: letters }),
    ).toBe(DEAD_LETTERED_EXIT_CODE);
    expect(JSON.parse(letters.bodies[0] ?? "")).toMatchObject({
      reason: "catalog-failed",
      detail: `recording ${TRACK.indexKey} failed: ProvisionedThroughputExceededException`,
      retryable: true,
    });
  });

  it("exits with 1 when the dead letter cannot be sent, for the stopped-task rule to send one", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
    const failed = failure("store-failed", "get x failed");
    expect(
      await settle(REQUEST, failed, {
        catalog: catalogOf("recorded"),
        deadLetters: lettersOf(true),
      }),
    ).toBe(1);
    expect(JSON.parse(lines.at(-1) ?? "")).toMatchObject({
      event: "trick_play.failed",
      reason: "store-failed",
      deadLetter: "not sent",
    });
  });
});

describe("SqsDeadLetters", () => {
  it("sends the body to the task's queue", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    await new SqsDeadLetters(new SQSClient({ region: "me-south-1" }), QUEUE_URL).send("{}");
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: "{}" },
    ]);
  });
});
