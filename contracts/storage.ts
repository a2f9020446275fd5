/**
 * The S3 key layout of the video path, shared by the buckets' notifications, lifecycle rules and
 * policies (components) and the functions that write and read the keys:
 *
 * - raw bucket: `uploads/<courseId>/<videoId>/source.<ext>` (one presigned POST per upload);
 * - processed bucket: `courses/<courseId>/<videoId>/...` (MediaConvert outputs), served by the
 *   video distribution at `https://<playback domain>/courses/<courseId>/...`.
 */
import { COURSE_ID_PATTERN, VIDEO_ID_PATTERN, patternBody } from "./ids";

/** The raw bucket's folder of uploads, with its trailing `/` (a notification filter prefix). */
export const UPLOADS_PREFIX = "uploads/";

/** The processed bucket's folder of course videos, with its trailing `/`. */
export const COURSES_PREFIX = "courses/";

/** The content types a deployment may accept for source videos, and each one's key extension. */
export const SOURCE_CONTENT_TYPES = {
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/x-matroska": "mkv",
  "video/webm": "webm",
} as const;

/** A source video's content type. */
export type SourceContentType = keyof typeof SOURCE_CONTENT_TYPES;
/** A source video's key extension. */
export type SourceExtension = (typeof SOURCE_CONTENT_TYPES)[SourceContentType];

/** Every source extension, in `SOURCE_CONTENT_TYPES` order. */
export const SOURCE_EXTENSIONS = Object.values(SOURCE_CONTENT_TYPES) as SourceExtension[];

/** The key of an upload: `uploads/<courseId>/<videoId>/source.<ext>`. */
export function sourceKey(courseId: string, videoId: string, extension: SourceExtension): string {
  return `${UPLOADS_PREFIX}${courseId}/${videoId}/source.${extension}`;
}

/** Source keys, capturing course id, video id and extension. */
export const SOURCE_KEY_PATTERN = new RegExp(
  `^${UPLOADS_PREFIX}(${patternBody(COURSE_ID_PATTERN)})/(${patternBody(VIDEO_ID_PATTERN)})/source\\.(${SOURCE_EXTENSIONS.join("|")})$`,
);

/** The source key layout, as error messages describe it. */
export const SOURCE_KEY_LAYOUT = `${UPLOADS_PREFIX}<courseId>/<videoId>/source.<${SOURCE_EXTENSIONS.join("|")}>`;

/** The processed bucket's folder of one video: `courses/<courseId>/<videoId>/`. */
export function videoOutputPrefix(courseId: string, videoId: string): string {
  return `${COURSES_PREFIX}${courseId}/${videoId}/`;
}

/** The URL path of one course's folder on the video distribution: `/courses/<courseId>/`. */
export function coursePath(courseId: string): string {
  return `/${COURSES_PREFIX}${courseId}/`;
}
