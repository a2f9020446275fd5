/**
 * Test support (not bundled: the entry point does not import it): an in-memory renditions
 * bucket, playlists shaped as MediaConvert's CMAF group writes them, a minimal JPEG header and a
 * WebVTT reader that checks the file's structure.
 */
import type { ObjectStore } from "./core";

export const COURSE_ID = "intro-to-finance";
export const VIDEO_ID = "0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12";
export const JOB_ID = "1735689600123-k3x9qe";
/** The job's CMAF folder (`courses/<course>/<video>/<version token>/cmaf/`). */
export const CMAF_PREFIX = `courses/${COURSE_ID}/${VIDEO_ID}/3f9a0c1b7d2e4a56/cmaf/`;
export const MANIFEST_KEY = `${CMAF_PREFIX}index.m3u8`;
export const TRACK_PREFIX = `${CMAF_PREFIX}trickplay/`;

/** A stored object. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** The renditions bucket in memory; `failOn` makes calls on matching keys throw. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly calls: string[] = [];
  failOn: ((operation: "get" | "exists" | "put", key: string) => boolean) | undefined;

  set(key: string, body: Uint8Array | string, contentType = "application/octet-stream"): void {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    this.objects.set(key, { body: bytes, contentType });
  }

  text(key: string): string | undefined {
    const found = this.objects.get(key);
    return found === undefined ? undefined : new TextDecoder().decode(found.body);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.check("get", key);
    return Promise.resolve(this.objects.get(key)?.body);
  }

  exists(key: string): Promise<boolean> {
    this.check("exists", key);
    return Promise.resolve(this.objects.has(key));
  }

  put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    this.check("put", key);
    this.objects.set(key, { body: Uint8Array.from(body), contentType });
    return Promise.resolve();
  }

  private check(operation: "get" | "exists" | "put", key: string): void {
    this.calls.push(`${operation} ${key}`);
    if (this.failOn?.(operation, key) === true) {
      const error = new Error("We encountered an internal error. Please try again.");
      error.name = "InternalError";
      throw error;
    }
  }
}

/**
 * A multivariant playlist as MediaConvert writes it for a CMAF group: the 720p variant first,
 * the 360p one (lower bandwidth) second, and an audio rendition.
 */
export const MULTIVARIANT = [
  "#EXTM3U",
  "#EXT-X-VERSION:6",
  "#EXT-X-INDEPENDENT-SEGMENTS",
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="program_audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="index_audio_96k.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=2750000,AVERAGE-BANDWIDTH=1210000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000,AUDIO="program_audio"',
  "index_720p_2500k.m3u8",
  '#EXT-X-STREAM-INF:BANDWIDTH=461000,AVERAGE-BANDWIDTH=412000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO="program_audio"',
  "index_360p_365k.m3u8",
  "",
].join("\n");

/** The 360p variant's media playlist: `segments` segments of the given durations. */
export function mediaPlaylist(
  durationsSeconds: readonly number[],
  name = "index_360p_365k",
): string {
  return [
    "#EXTM3U",
    "#EXT-X-TARGETDURATION:6",
    "#EXT-X-VERSION:6",
    "#EXT-X-MEDIA-SEQUENCE:1",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    "#EXT-X-INDEPENDENT-SEGMENTS",
    `#EXT-X-MAP:URI="${name}_init.cmfv"`,
    ...durationsSeconds.flatMap((seconds, index) => [
      `#EXTINF:${seconds.toFixed(5)},`,
      `${name}_${String(index + 1).padStart(5, "0")}.cmfv`,
    ]),
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

/** The smallest JPEG-shaped bytes with a frame header of `width` x `height` (SOI, SOF0, EOI). */
export function jpegHeader(width: number, height: number, marker = 0xc0): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    // An APP0 segment before the frame header, as encoders write.
    0xff,
    0xe0,
    0x00,
    0x06,
    0x4a,
    0x46,
    0x49,
    0x46,
    0xff,
    marker,
    0x00,
    0x0b,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x01,
    0x01,
    0x11,
    0x00,
    0xff,
    0xd9,
  ]);
}

/** A cue as read back from a WebVTT file. */
export interface ParsedCue {
  readonly startMs: number;
  readonly endMs: number;
  readonly payload: string;
}

function timestampMs(text: string): number {
  const match = /^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(text);
  if (match === null) {
    throw new Error(`not a WebVTT timestamp with hours: ${JSON.stringify(text)}`);
  }
  const [hours, minutes, seconds, millis] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/**
 * The cues of a WebVTT file; throws on anything outside the structure the index uses: the
 * `WEBVTT` line, a blank line, then cues of a timing line and one payload line, blank-separated.
 */
export function parseVtt(text: string): ParsedCue[] {
  const blocks = text.split("\n\n");
  if (blocks[0] !== "WEBVTT") {
    throw new Error(`expected the WEBVTT header alone, got ${JSON.stringify(blocks[0])}`);
  }
  if (!text.endsWith("\n")) {
    throw new Error("expected a final line break");
  }
  return blocks.slice(1).map((block) => {
    const lines = block.replace(/\n$/, "").split("\n");
    const [timing, payload, ...rest] = lines;
    const times = timing?.split(" --> ");
    if (times?.length !== 2 || payload === undefined || rest.length > 0) {
      throw new Error(`malformed cue ${JSON.stringify(block)}`);
    }
    return { startMs: timestampMs(times[0] ?? ""), endMs: timestampMs(times[1] ?? ""), payload };
  });
}

/** A payload `sprite-K.jpg#xywh=x,y,w,h` taken apart. */
export function parsePayload(payload: string): {
  readonly file: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
} {
  const match = /^(sprite-\d+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(payload);
  if (match === null) {
    throw new Error(`not a sprite reference: ${JSON.stringify(payload)}`);
  }
  const [x, y, w, h] = match.slice(2).map(Number) as [number, number, number, number];
  return { file: match[1] ?? "", x, y, w, h };
}
