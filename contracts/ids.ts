/**
 * The identifiers that cross between the upload API, the encoder, the catalog, playback and
 * analytics. They are parts of object keys and URL paths, so each is one path segment of safe
 * characters.
 */

/** Course ids: 1 to 64 lower-case letters, digits and `-` (as the upload API accepts them). */
export const COURSE_ID_PATTERN = /^[a-z0-9-]{1,64}$/;

/** Video ids: the lower-case UUIDs (`crypto.randomUUID()`) the upload API mints. */
export const VIDEO_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A pattern's body without its `^` and `$`, to embed it in a larger pattern. */
export function patternBody(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "");
}

/**
 * AWS region codes such as `me-south-1`, `us-gov-west-1` or `us-isob-east-1`: how stacks name
 * their regions and how functions receive them (home regions, a Config rule's allowed regions).
 */
export const REGION_CODE_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
