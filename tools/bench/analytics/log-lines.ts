/**
 * CloudFront real-time log lines of the video distributions, generated from the traffic model,
 * and the Kinesis records that carry them to the ingest function.
 */
import { randomBytes } from "node:crypto";
import type { KinesisStreamRecord } from "aws-lambda";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import {
  ABR_STEP_REQUESTS,
  AUDIO_RENDITION,
  COUNTRY_EDGES,
  COURSES,
  HIT_UP_TO,
  MALFORMED_SHARE,
  MASTER_UP_TO,
  pick,
  random,
  REFRESH_HIT_UP_TO,
  seconds,
  SEGMENT_SECONDS,
  SESSION_REQUESTS,
  STATUS_SHARES,
  VARIANT_UP_TO,
  VIDEO_RENDITIONS,
  VIDEO_UP_TO,
  VIDEOS,
} from "./traffic-model";

/** Where generated lines fall in time. */
export interface TrafficWindow {
  readonly seed: number;
  readonly startMs: number;
  readonly spanMs: number;
}

/** What stays the same for a viewer's requests: the video, where they watch from, the edge. */
interface ViewingSession {
  readonly course: string;
  readonly video: string;
  readonly country: string;
  readonly edge: string;
}

function viewingSession(next: () => number): ViewingSession {
  const course = pick(COURSES, next() ** 2);
  const [country, ...edges] = pick(COUNTRY_EDGES, next() ** 2.2);
  return {
    course,
    video: pick(VIDEOS.get(course) ?? [], next()),
    country,
    edge: pick(edges, next()),
  };
}

/** A video rendition drawn by the shares of `VIDEO_RENDITIONS`. */
function videoRenditionOf(draw: number): (typeof VIDEO_RENDITIONS)[number] {
  return pick(
    VIDEO_RENDITIONS.filter((rendition) => draw < rendition.upTo),
    0,
  );
}

/**
 * CloudFront real-time log lines of the video distributions, in the stack's field order and
 * CloudFront's value formats: viewing sessions of `SESSION_REQUESTS` requests (popular courses and
 * Gulf countries first, each session on one edge, the rendition re-chosen every
 * `ABR_STEP_REQUESTS` requests, mostly 720p), manifests, audio, the statuses of `STATUS_SHARES`,
 * cache hits with fast first bytes and misses with a long tail, and about one line in a thousand
 * malformed.
 */
export function logLines(lineCount: number, window: TrafficWindow): string[] {
  const next = random(window.seed);
  const idPrefix = Buffer.alloc(4);
  idPrefix.writeUInt32BE(window.seed >>> 0);
  const lines: string[] = [];
  let session = viewingSession(next);
  let videoRendition = videoRenditionOf(next());
  for (let index = 0; index < lineCount; index += 1) {
    if (index > 0 && index % SESSION_REQUESTS === 0) session = viewingSession(next);
    if (index > 0 && index % ABR_STEP_REQUESTS === 0) videoRendition = videoRenditionOf(next());
    const { course, video, country, edge } = session;
    const kind = next();
    const segment = String(1 + Math.floor(next() * 900)).padStart(5, "0");
    const base = `/courses/${course}/${video}/cmaf/index`;
    const file =
      kind < MASTER_UP_TO
        ? { path: `${base}.m3u8`, type: "application/vnd.apple.mpegurl", bytes: 900 }
        : kind < VARIANT_UP_TO
          ? {
              path: `${base}_${videoRendition.name}.m3u8`,
              type: "application/vnd.apple.mpegurl",
              bytes: 14_000,
            }
          : kind < VIDEO_UP_TO
            ? {
                path: `${base}_${videoRendition.name}_${segment}.cmfv`,
                type: "video/mp4",
                bytes: (videoRendition.kbps * 1000 * SEGMENT_SECONDS) / 8,
              }
            : {
                path: `${base}_${AUDIO_RENDITION}_${segment}.cmfa`,
                type: "audio/mp4",
                bytes: (96 * 1000 * SEGMENT_SECONDS) / 8,
              };
    const statusDraw = next();
    const status = pick(
      STATUS_SHARES.find((share) => statusDraw < share.upTo)?.statuses ?? ["200"],
      next(),
    );
    const aborted = status === "000";
    const failed = status.startsWith("5") || status.startsWith("4");
    const cacheDraw = next();
    const result =
      aborted || failed
        ? "Error"
        : cacheDraw < HIT_UP_TO
          ? "Hit"
          : cacheDraw < REFRESH_HIT_UP_TO
            ? "RefreshHit"
            : "Miss";
    const detailed = aborted ? "ClientCommError" : status.startsWith("5") ? "OriginError" : result;
    const hit = result === "Hit" || result === "RefreshHit";
    const ttfbMs = hit ? 1 + 12 * -Math.log(1 - next()) : 25 + 120 * (-Math.log(1 - next())) ** 1.5;
    const bytes = aborted
      ? Math.floor(file.bytes * next() * 0.5)
      : failed
        ? 600 + Math.floor(next() * 400)
        : status === "304"
          ? 300
          : Math.floor(file.bytes * (0.8 + 0.4 * next()));
    const transferMs = bytes / (1_000 + 4_000 * next());
    const timestampMs = window.startMs + (window.spanMs * index) / lineCount + next() * 1000;
    // Unique by seed and index; random after that, like CloudFront's.
    const requestId = Buffer.concat([idPrefix, Buffer.alloc(4), randomBytes(32)]);
    requestId.writeUInt32BE(index, 4);
    const values: Record<PlaybackLogField, string> = {
      timestamp: seconds(Math.floor(timestampMs)),
      "time-to-first-byte": aborted && next() < 0.5 ? "-" : seconds(aborted ? 0 : ttfbMs),
      "sc-status": status,
      "sc-bytes": String(bytes + 350),
      "cs-method": "GET",
      "cs-protocol": "https",
      "cs-host": "media.knowledgecity.com",
      "cs-uri-stem": file.path,
      "x-edge-location": edge,
      "x-edge-request-id": requestId.toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
      "time-taken": seconds((aborted ? 0 : ttfbMs) + transferMs),
      "cs-protocol-version": next() < 0.9 ? "HTTP/2.0" : "HTTP/1.1",
      "x-edge-response-result-type": result,
      "x-edge-result-type": result,
      "sc-content-type": failed ? "text/html" : file.type,
      "sc-content-len": String(bytes),
      "sc-range-start": "-",
      "sc-range-end": "-",
      "x-edge-detailed-result-type": detailed,
      "c-country": country,
      "cache-behavior-path-pattern": "/courses/*",
      ...cmcdValues(index, window.seed, video, kind, videoRendition.kbps),
    };
    lines.push(malform(values, next, index));
  }
  return lines;
}

/** Bitrate of the top rendition, kbps. */
const TOP_KBPS = Math.max(...VIDEO_RENDITIONS.map((rendition) => rendition.kbps));

/**
 * The CMCD values of a player that sends them (hls.js in query-string mode): the rendition's
 * bitrate, a buffer that now and then runs dry, one random session id per viewing session. Drawn
 * from the index, not the random source, so the other values stay as they were.
 */
function cmcdValues(
  index: number,
  seed: number,
  video: string,
  kind: number,
  kbps: number,
): Pick<Record<PlaybackLogField, string>, Extract<PlaybackLogField, `cmcd-${string}`>> {
  const manifest = kind < VARIANT_UP_TO;
  const audio = kind >= VIDEO_UP_TO;
  const session = Math.floor(index / SESSION_REQUESTS);
  return {
    "cmcd-encoded-bitrate": manifest ? "-" : String(audio ? 96 : kbps),
    "cmcd-buffer-length": manifest ? "-" : String(((index * 7919) % 300) * 100),
    "cmcd-buffer-starvation": index % 50 === 0 ? "true" : "-",
    "cmcd-content-id": video,
    "cmcd-object-duration": manifest ? "-" : String(SEGMENT_SECONDS * 1000),
    "cmcd-deadline": "-",
    "cmcd-measured-throughput": String(100 * (20 + ((index * 31) % 180))),
    "cmcd-object-type": manifest ? "m" : audio ? "a" : "v",
    "cmcd-requested-maximum-throughput": "-",
    "cmcd-streaming-format": "h",
    "cmcd-session-id": `${(seed >>> 0).toString(16).padStart(8, "0")}-0000-4000-8000-${String(session).padStart(12, "0")}`,
    "cmcd-stream-type": "v",
    "cmcd-startup": index % SESSION_REQUESTS < 3 ? "true" : "-",
    "cmcd-top-bitrate": String(TOP_KBPS),
    "cmcd-version": "-",
  };
}

/** The line, or now and then one with a fault the parser must catch (bad field, count, time). */
function malform(
  values: Record<PlaybackLogField, string>,
  next: () => number,
  index: number,
): string {
  const fields = PLAYBACK_LOG_FIELDS.map((field) => values[field]);
  if (next() >= MALFORMED_SHARE) return `${fields.join("\t")}\n`;
  switch (index % 4) {
    case 0:
      return `${fields.join("\t").replace(`\t${values["sc-status"]}\t`, "\t2O0\t")}\n`;
    case 1:
      return `${fields.slice(0, -1).join("\t")}\n`;
    case 2:
      return `${[values.timestamp, "-", "200", ...fields.slice(3)].join("\t")}\n`;
    default:
      return `${["1.6e9", ...fields.slice(1)].join("\t")}\n`;
  }
}

/** A Kinesis record as the event source hands it to Lambda. */
export function kinesisRecord(
  line: string,
  sequence: number,
  arrivalMs: number,
): KinesisStreamRecord {
  const sequenceNumber = `4959033827149025660855969253836157109592157598913${String(sequence).padStart(7, "0")}`;
  const streamArn = "arn:aws:kinesis:me-south-1:111122223333:stream/kc-video-rtlog";
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: `partition-${sequence % 64}`,
      sequenceNumber,
      data: Buffer.from(line, "utf8").toString("base64"),
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::111122223333:role/kc-analytics-rtlog-ingest",
    awsRegion: "me-south-1",
    eventSourceARN: streamArn,
  };
}
