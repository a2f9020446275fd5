import { describe, expect, it } from "vitest";
import { COURSE_ID_PATTERN, REGION_CODE_PATTERN, VIDEO_ID_PATTERN } from "./ids";
import {
  coursePath,
  SOURCE_CONTENT_TYPES,
  SOURCE_EXTENSIONS,
  SOURCE_KEY_LAYOUT,
  SOURCE_KEY_PATTERN,
  sourceKey,
  videoOutputPrefix,
} from "./storage";

const COURSE = "intro-to-finance";
const VIDEO = "0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12";

describe("the source key layout", () => {
  it.each(SOURCE_EXTENSIONS)("parses back what sourceKey writes (.%s)", (extension) => {
    const key = sourceKey(COURSE, VIDEO, extension);
    expect(key).toBe(`uploads/${COURSE}/${VIDEO}/source.${extension}`);
    expect(SOURCE_KEY_PATTERN.exec(key)?.slice(1)).toEqual([COURSE, VIDEO, extension]);
  });

  it.each([
    ["another folder", `raw/${COURSE}/${VIDEO}/source.mp4`],
    ["an upper-case course", `uploads/Intro/${VIDEO}/source.mp4`],
    [
      "a video id that is not a lower-case UUID",
      `uploads/${COURSE}/${VIDEO.toUpperCase()}/source.mp4`,
    ],
    ["an unknown extension", `uploads/${COURSE}/${VIDEO}/source.avi`],
    ["another file name", `uploads/${COURSE}/${VIDEO}/video.mp4`],
    ["a deeper key", `uploads/${COURSE}/x/${VIDEO}/source.mp4`],
    ["a course id of 65 characters", `uploads/${"a".repeat(65)}/${VIDEO}/source.mp4`],
  ])("refuses %s", (_case, key) => {
    expect(SOURCE_KEY_PATTERN.test(key)).toBe(false);
  });

  it("describes itself with every extension", () => {
    expect(SOURCE_KEY_LAYOUT).toBe("uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>");
    expect(Object.keys(SOURCE_CONTENT_TYPES)).toEqual([
      "video/mp4",
      "video/quicktime",
      "video/x-matroska",
      "video/webm",
    ]);
  });
});

describe("the processed layout", () => {
  it("puts a video's outputs under its course, and a course's path on the distribution", () => {
    expect(videoOutputPrefix(COURSE, VIDEO)).toBe(`courses/${COURSE}/${VIDEO}/`);
    expect(coursePath(COURSE)).toBe(`/courses/${COURSE}/`);
  });
});

describe("the id patterns", () => {
  it("take course ids of 1-64 lower-case letters, digits and dashes only", () => {
    expect(COURSE_ID_PATTERN.test("a")).toBe(true);
    expect(COURSE_ID_PATTERN.test("a".repeat(64))).toBe(true);
    for (const bad of ["", "a".repeat(65), "A", "a/b", "a.b", "a*"]) {
      expect(COURSE_ID_PATTERN.test(bad), bad).toBe(false);
    }
  });

  it("take lower-case UUIDs as video ids", () => {
    expect(VIDEO_ID_PATTERN.test(VIDEO)).toBe(true);
    expect(VIDEO_ID_PATTERN.test(VIDEO.toUpperCase())).toBe(false);
    expect(VIDEO_ID_PATTERN.test("video-1")).toBe(false);
  });

  it("take the region codes AWS uses, and nothing shaped otherwise", () => {
    for (const region of [
      "me-south-1",
      "us-east-1",
      "ap-southeast-3",
      "us-gov-west-1",
      "us-isob-east-1",
    ]) {
      expect(REGION_CODE_PATTERN.test(region), region).toBe(true);
    }
    for (const bad of ["me-south", "mesouth1", "ME-SOUTH-1", "me-south-1a", "me-south-100"]) {
      expect(REGION_CODE_PATTERN.test(bad), bad).toBe(false);
    }
  });
});
