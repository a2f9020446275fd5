import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../shared/errors";
import { loadConfiguration } from "./config";
import { COURSE_ID, JOB_ID, MANIFEST_KEY, VIDEO_ID } from "./test-support";

const BUCKET = "kc-media-output-me-south-1";
const ENV = {
  COURSE_ID,
  VIDEO_ID,
  JOB_ID,
  RENDITIONS_BUCKET: BUCKET,
  PLAYLIST_URIS: `s3://${BUCKET}/${MANIFEST_KEY.replace(".m3u8", ".mpd")} s3://${BUCKET}/${MANIFEST_KEY}`,
  CATALOG_TABLE: "kc-video-catalog-0a1b2c",
  DEAD_LETTER_QUEUE_URL:
    "https://sqs.me-south-1.amazonaws.com/111122223333/kc-video-trick-play-dlq",
};

describe("loadConfiguration", () => {
  it("takes the first .m3u8 of the playlists, whatever their order, and the defaults", () => {
    expect(loadConfiguration(ENV)).toEqual({
      request: { courseId: COURSE_ID, videoId: VIDEO_ID, jobId: JOB_ID, manifestKey: MANIFEST_KEY },
      bucket: BUCKET,
      deadlineMs: 900_000,
      workRoot: tmpdir(),
      catalogTable: ENV.CATALOG_TABLE,
      deadLetterQueueUrl: ENV.DEAD_LETTER_QUEUE_URL,
    });
    expect(
      loadConfiguration({ ...ENV, DEADLINE_SECONDS: "60", WORK_DIR: "/scratch" }),
    ).toMatchObject({
      deadlineMs: 60_000,
      workRoot: "/scratch",
    });
  });

  it("lists every problem at once", () => {
    const load = () =>
      loadConfiguration({
        ...ENV,
        COURSE_ID: " ",
        JOB_ID: undefined,
        DEAD_LETTER_QUEUE_URL: "",
        PLAYLIST_URIS: `s3://another-bucket/${MANIFEST_KEY}`,
        DEADLINE_SECONDS: "10",
      });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(
      "invalid configuration: missing environment variables: COURSE_ID, JOB_ID, DEAD_LETTER_QUEUE_URL; " +
        `PLAYLIST_URIS must name RENDITIONS_BUCKET ${BUCKET}, got another-bucket; ` +
        'DEADLINE_SECONDS must be a whole number from 30 to 14400, got "10"',
    );
  });

  it("refuses playlists without an HLS manifest", () => {
    expect(() =>
      loadConfiguration({ ...ENV, PLAYLIST_URIS: `s3://${BUCKET}/a/index.mpd` }),
    ).toThrow(
      `PLAYLIST_URIS must list an s3://<bucket>/<key>.m3u8 URI, got "s3://${BUCKET}/a/index.mpd"`,
    );
  });
});
