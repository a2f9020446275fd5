/**
 * Course, video, rendition and protocol from the `cs-uri-stem` value of a real-time log line
 * (part of `parse.ts`).
 *
 * Real-time logs append the query string to `cs-uri-stem`, so the path is cut at `?`. Segments are
 * decoded one by one, so an encoded `/` (`%2F`) cannot pose as a path separator; a segment without
 * `%` decodes to itself and is left as it is.
 */
import { COURSE_ID_PATTERN, VIDEO_ID_PATTERN, patternBody } from "../../../contracts/ids";
import type { PlaybackProtocol } from "../clickhouse/tables";

/** What the path of a request tells. */
export interface PathParts {
  /** From `/courses/<courseId>/...`, with something below the course; else empty. */
  readonly courseId: string;
  /** From `/courses/<courseId>/<videoId>/...`, with something below the video; else empty. */
  readonly videoId: string;
  /** From a rendition file name (`720p_3000k`, `audio_96k`); else empty. */
  readonly rendition: string;
  readonly protocol: PlaybackProtocol;
}

/** MediaConvert's rendition files: `index_720p_3000k[_00001].cmfv`, `index_audio_96k.m3u8`. */
const RENDITION_FILE_BODY = String.raw`index_(\d{2,4}p_\d{1,6}k|audio_\d{1,6}k)(?:_\d{1,9})?\.(?:m3u8|cmfv|cmfa|mp4|m4s)`;
const RENDITION_FILE = new RegExp(`^${RENDITION_FILE_BODY}$`);

/** A path segment that decodes to itself and ends the path nowhere (no `?`, no tab). */
const PLAIN_SEGMENT = String.raw`[^/?%\t]*`;
const COURSE_ID = patternBody(COURSE_ID_PATTERN);
const VIDEO_ID = patternBody(VIDEO_ID_PATTERN);

/**
 * The path of almost every request: a file below a course's video folder, without escapes, read
 * by one match from where the value starts (`y`) instead of a split and a decode per segment.
 * The match must reach the `?` or the tab after the value, so it covers the whole path, its last
 * segment is the file name, and the rendition group only holds when the whole name is a rendition
 * file (the other alternative takes any name). The folders are taken lazily (`*?`): the file
 * name is tried after each folder, which spares backtracking through the name when the folders
 * would be taken greedily; either way the only match is the same. Any other path fails it and
 * is read segment by segment.
 */
const VIDEO_FILE_PATH = new RegExp(
  `/courses/(${COURSE_ID})/(${VIDEO_ID})/(?:${PLAIN_SEGMENT}/)*?(?:${RENDITION_FILE_BODY}|${PLAIN_SEGMENT})(?=[?\\t]|$)`,
  "y",
);
/** The groups of `VIDEO_FILE_PATH`, counted so that groups inside the id patterns cannot shift them. */
const COURSE_GROUP = 1;
const VIDEO_GROUP = COURSE_GROUP + 1 + groupCount(COURSE_ID);
const RENDITION_GROUP = VIDEO_GROUP + 1 + groupCount(VIDEO_ID);

/** How many capturing groups a pattern body has: a match of the empty alternative holds them all. */
function groupCount(body: string): number {
  return (new RegExp(`${body}|`).exec("")?.length ?? 1) - 1;
}

/**
 * The parts of the path in `line[start, end)` (a value that is neither empty nor `-`, followed by
 * a tab), or `undefined` when a segment holds a bad percent-escape.
 */
export function pathParts(line: string, start: number, end: number): PathParts | undefined {
  VIDEO_FILE_PATH.lastIndex = start;
  const match = VIDEO_FILE_PATH.exec(line);
  if (match !== null) {
    return {
      courseId: match[COURSE_GROUP] ?? "",
      videoId: match[VIDEO_GROUP] ?? "",
      rendition: match[RENDITION_GROUP] ?? "",
      protocol: protocolOf(line, VIDEO_FILE_PATH.lastIndex),
    };
  }
  const value = line.slice(start, end);
  const queryAt = value.indexOf("?");
  return segmentParts(queryAt === -1 ? value : value.slice(0, queryAt));
}

/** The parts of any path: segments decoded where they hold `%`, then the rules one by one. */
function segmentParts(path: string): PathParts | undefined {
  let segments: string[];
  try {
    segments = path
      .split("/")
      .map((segment) => (segment.includes("%") ? decodeURIComponent(segment) : segment));
  } catch {
    return undefined;
  }
  // `/courses/<courseId>/...`: ids only count as folders, with something below them.
  const [root, area, course, video] = segments;
  const courseId =
    root === "" &&
    area === "courses" &&
    course !== undefined &&
    segments.length > 3 &&
    COURSE_ID_PATTERN.test(course)
      ? course
      : "";
  const videoId =
    courseId !== "" && video !== undefined && segments.length > 4 && VIDEO_ID_PATTERN.test(video)
      ? video
      : "";
  const fileName = segments[segments.length - 1] ?? "";
  return {
    courseId,
    videoId,
    rendition: RENDITION_FILE.exec(fileName)?.[1] ?? "",
    protocol: protocolOf(fileName, fileName.length),
  };
}

/** The protocol of the file name that ends at `end` in `text`. */
function protocolOf(text: string, end: number): PlaybackProtocol {
  return text.endsWith(".m3u8", end) ? "hls" : text.endsWith(".mpd", end) ? "dash" : "other";
}
