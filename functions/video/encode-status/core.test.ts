import { describe, expect, it } from "vitest";
import {
  notificationFor,
  processJobStateChange,
  type RecordOutcome,
  type StatusNotification,
} from "./core";
import { InvalidEventError } from "./errors";
import { parseJobStateChange, type CatalogUpdate } from "./job-event";
import {
  COURSE_ID,
  DASH_KEY,
  HLS_KEY,
  JOB_ID,
  VIDEO_ID,
  at,
  baseDetail,
  canceledDetail,
  completeDetail,
  errorDetail,
  jobEvent,
  progressingDetail,
  statusUpdateDetail,
} from "./fixtures/events";

/** The update an event asks for; fails the test when it is ignored. */
function updateOf(event: unknown): CatalogUpdate {
  const parsed = parseJobStateChange(event);
  if (parsed.kind !== "update") throw new Error(`expected an update, got ${parsed.reason}`);
  return parsed.update;
}

describe("notificationFor", () => {
  it("announces a COMPLETE job with its manifests", () => {
    expect(notificationFor(updateOf(jobEvent(completeDetail(at(1)))))).toEqual({
      videoId: VIDEO_ID,
      courseId: COURSE_ID,
      status: "COMPLETE",
      jobId: JOB_ID,
      manifests: { hls: HLS_KEY, dash: DASH_KEY },
    });
  });

  it("announces an ERROR with the error", () => {
    expect(notificationFor(updateOf(jobEvent(errorDetail(at(1), "boom"))))).toEqual({
      videoId: VIDEO_ID,
      courseId: COURSE_ID,
      status: "ERROR",
      jobId: JOB_ID,
      error: { code: 1030, message: "boom" },
    });
  });

  it("announces CANCELED and nothing that is still running", () => {
    expect(notificationFor(updateOf(jobEvent(canceledDetail(at(1)))))).toEqual({
      videoId: VIDEO_ID,
      courseId: COURSE_ID,
      status: "CANCELED",
      jobId: JOB_ID,
    });
    expect(notificationFor(updateOf(jobEvent(progressingDetail(at(1)))))).toBeUndefined();
    expect(notificationFor(updateOf(jobEvent(statusUpdateDetail(at(1), 5))))).toBeUndefined();
  });
});

describe("processJobStateChange", () => {
  function fakes(outcome: RecordOutcome) {
    const recorded: CatalogUpdate[] = [];
    const published: StatusNotification[] = [];
    return {
      recorded,
      published,
      deps: {
        catalog: {
          record: (update: CatalogUpdate) => {
            recorded.push(update);
            return Promise.resolve(outcome);
          },
        },
        notifier: {
          publish: (notification: StatusNotification) => {
            published.push(notification);
            return Promise.resolve();
          },
        },
      },
    };
  }

  it("records, then publishes a terminal status", async () => {
    const { deps, recorded, published } = fakes({ outcome: "recorded" });
    const result = await processJobStateChange(jobEvent(errorDetail(at(1))), deps);
    expect(result.outcome).toBe("recorded");
    expect(recorded).toHaveLength(1);
    expect(published).toMatchObject([{ status: "ERROR", videoId: VIDEO_ID }]);
  });

  it("publishes nothing for a stale event", async () => {
    const current = { status: "COMPLETE", updatedAt: "2025-01-01T00:10:00.000Z" };
    const { deps, published } = fakes({ outcome: "stale", current });
    const result = await processJobStateChange(jobEvent(errorDetail(at(1))), deps);
    expect(result).toMatchObject({ outcome: "stale", current });
    expect(published).toEqual([]);
  });

  it("publishes nothing for a superseded job's event", async () => {
    const { deps, recorded, published } = fakes({
      outcome: "superseded",
      currentJobId: "1735690000999-zz9z9z",
    });
    const result = await processJobStateChange(jobEvent(completeDetail(at(600))), deps);
    expect(result).toMatchObject({
      outcome: "superseded",
      currentJobId: "1735690000999-zz9z9z",
      update: { jobId: JOB_ID, status: "COMPLETE" },
    });
    expect(recorded).toHaveLength(1);
    expect(published).toEqual([]);
  });

  it("calls nothing for an ignored or malformed event", async () => {
    const { deps, recorded } = fakes({ outcome: "recorded" });
    await expect(
      processJobStateChange(jobEvent(baseDetail("NEW_WARNING", at(1))), deps),
    ).resolves.toMatchObject({ outcome: "ignored" });
    await expect(processJobStateChange({}, deps)).rejects.toThrow(InvalidEventError);
    expect(recorded).toEqual([]);
  });
});
