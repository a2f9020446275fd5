/**
 * Test support (not bundled: no handler imports it). Realistic MediaConvert job state change
 * events, and environment and log helpers. The catalog's update and condition expressions run on
 * DynamoDB Local (catalog.dynamodb.test.ts), not on a copy of them.
 */
import { DETAIL_TYPE, EVENT_SOURCE, type MediaConvertJobStateChange } from "./job-event";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs } from "../../shared/test-support";

export const CATALOG_TABLE = "video-catalog";
export const TOPIC_ARN = "arn:aws:sns:me-south-1:111122223333:video-encode-status";
/** The handler's environment. */
export const HANDLER_ENV = { CATALOG_TABLE, TOPIC_ARN };

export const ACCOUNT = "111122223333";
export const REGION = "me-south-1";
export const COURSE_ID = "intro-to-finance";
export const VIDEO_ID = "0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12";
export const SOURCE_KEY = `uploads/${COURSE_ID}/${VIDEO_ID}/source.mp4`;
export const SOURCE_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";
/** The job the tests follow; where submissions are recorded, the video's current (last) one. */
export const JOB_ID = "1735689600123-k3x9qe";
export const QUEUE_ARN = `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:queues/Default`;
export const OUTPUT_BUCKET = "kc-media-output-me-south-1";
export const OUTPUT_PREFIX = `courses/${COURSE_ID}/${VIDEO_ID}`;
export const HLS_KEY = `${OUTPUT_PREFIX}/cmaf/index.m3u8`;
export const DASH_KEY = `${OUTPUT_PREFIX}/cmaf/index.mpd`;
export const THUMBNAILS_PREFIX = `${OUTPUT_PREFIX}/thumbnails/`;

/** A job of the same video submitted before `JOB_ID` (an earlier upload of the source). */
export const EARLIER_JOB_ID = "1735689000456-a7c2wd";
/** The source version `EARLIER_JOB_ID` encodes. */
export const EARLIER_SOURCE_VERSION = "Vb2uZ1pQ.mX8rT0aLkq3HcD9sEw7nYf4J";
/** The raw bucket the sources come from (part of the submission token). */
export const RAW_BUCKET = "kc-media-raw-me-south-1";

/** What the pipeline puts in `userMetadata`. */
export const PIPELINE_METADATA = {
  courseId: COURSE_ID,
  videoId: VIDEO_ID,
  sourceKey: SOURCE_KEY,
  sourceVersion: SOURCE_VERSION,
};

/** 2025-01-01T00:00:00.000Z plus `seconds`, in epoch milliseconds. */
export const at = (seconds: number): number => Date.UTC(2025, 0, 1) + seconds * 1000;

/** A job state change event around `detail`, as EventBridge delivers it. */
export function jobEvent(
  detail: Record<string, unknown>,
  envelope: Record<string, unknown> = {},
): MediaConvertJobStateChange {
  const timestamp = typeof detail.timestamp === "number" ? detail.timestamp : at(0);
  const jobId = typeof detail.jobId === "string" ? detail.jobId : JOB_ID;
  return {
    version: "0",
    id: `7f3c2a10-0000-4000-8000-${String(timestamp).padStart(12, "0").slice(-12)}`,
    "detail-type": DETAIL_TYPE,
    source: EVENT_SOURCE,
    account: ACCOUNT,
    time: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [`arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/${jobId}`],
    detail,
    ...envelope,
  } as unknown as MediaConvertJobStateChange;
}

/** The fields every status carries. */
export function baseDetail(status: string, timestamp: number): Record<string, unknown> {
  return {
    timestamp,
    accountId: ACCOUNT,
    queue: QUEUE_ARN,
    jobId: JOB_ID,
    status,
    userMetadata: { ...PIPELINE_METADATA },
  };
}

/** PROGRESSING: the job left its queue. */
export const progressingDetail = (timestamp: number): Record<string, unknown> =>
  baseDetail("PROGRESSING", timestamp);

/** STATUS_UPDATE with job and phase progress. */
export function statusUpdateDetail(timestamp: number, percent: number): Record<string, unknown> {
  return {
    ...baseDetail("STATUS_UPDATE", timestamp),
    framesDecoded: 10_412,
    jobProgress: {
      phaseProgress: {
        PROBING: { status: "COMPLETE", percentComplete: 100 },
        TRANSCODING: { status: "PROGRESSING", percentComplete: percent },
        UPLOADING: { status: "PENDING", percentComplete: 0 },
      },
      jobPercentComplete: percent,
      currentPhase: "TRANSCODING",
      retryCount: 0,
    },
  };
}

/**
 * COMPLETE for the pipeline's job: a CMAF group (both manifests in `playlistFilePaths`, no
 * `outputFilePaths`), and a frame-capture file group for the thumbnails.
 */
export function completeDetail(timestamp: number): Record<string, unknown> {
  return {
    ...baseDetail("COMPLETE", timestamp),
    paddingInserted: 0,
    blackVideoDetected: 0,
    warnings: [{ code: 230005, count: 1 }],
    outputGroupDetails: [
      {
        outputDetails: [
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 1920, heightInPx: 1080, averageBitrate: 2_350_000 },
          },
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 1280, heightInPx: 720, averageBitrate: 1_210_000 },
          },
          {
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 640, heightInPx: 360, averageBitrate: 412_000 },
          },
          { durationInMs: 1_834_443 },
        ],
        type: "CMAF_GROUP",
        playlistFilePaths: [
          `s3://${OUTPUT_BUCKET}/${DASH_KEY}`,
          `s3://${OUTPUT_BUCKET}/${HLS_KEY}`,
        ],
      },
      {
        outputDetails: [
          {
            outputFilePaths: [`s3://${OUTPUT_BUCKET}/${THUMBNAILS_PREFIX}thumb.0000183.jpg`],
            durationInMs: 1_834_400,
            videoDetails: { widthInPx: 640, heightInPx: 360 },
          },
        ],
        type: "FILE_GROUP",
      },
    ],
  };
}

/** ERROR with MediaConvert's code and message. */
export function errorDetail(
  timestamp: number,
  message = "Demuxer: [ReadPacketData File read failed - end of file hit at length [1048576].]",
): Record<string, unknown> {
  return { ...baseDetail("ERROR", timestamp), errorCode: 1030, errorMessage: message };
}

/** CANCELED. */
export const canceledDetail = (timestamp: number): Record<string, unknown> =>
  baseDetail("CANCELED", timestamp);

/** `detail` as job `jobId` of `sourceVersion` sends it. */
export function ofJob(
  jobId: string,
  sourceVersion: string,
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return { ...detail, jobId, userMetadata: { ...PIPELINE_METADATA, sourceVersion } };
}

// ---------------------------------------------------------------------------------------------
// Environment and logs
// ---------------------------------------------------------------------------------------------

const HANDLER_VARIABLES = ["CATALOG_TABLE", "TOPIC_ARN"] as const;

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<(typeof HANDLER_VARIABLES)[number], string>>,
): () => void {
  return setEnvironment(HANDLER_VARIABLES, values);
}
