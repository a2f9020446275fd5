import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_OPTIONS,
  MAX_DURATION_MS,
  inputProblems,
  intervalSeconds,
  optionProblems,
  planTrickPlay,
  thumbnailSize,
  vttTimestamp,
  webVtt,
  type TrickPlayOptions,
} from "./plan";
import { parsePayload, parseVtt } from "./test-support";

const durations = fc.integer({ min: 1, max: MAX_DURATION_MS });
const pictures = fc.record({
  width: fc.integer({ min: 16, max: 7680 }),
  height: fc.integer({ min: 16, max: 4320 }),
});
const optionsArb: fc.Arbitrary<TrickPlayOptions> = fc.record({
  thumbnailWidthPx: fc.integer({ min: 8, max: 320 }).map((half) => half * 2),
  columns: fc.integer({ min: 1, max: 20 }),
  maxRows: fc.integer({ min: 1, max: 20 }),
  minIntervalSeconds: fc.integer({ min: 1, max: 600 }),
  maxThumbnails: fc.integer({ min: 1, max: 10_000 }),
});

describe("intervalSeconds", () => {
  it("keeps the count within maxThumbnails, at the shortest whole interval that does", () => {
    fc.assert(
      fc.property(durations, optionsArb, (durationMs, options) => {
        const interval = intervalSeconds(durationMs, options);
        expect(Number.isInteger(interval)).toBe(true);
        expect(interval).toBeGreaterThanOrEqual(options.minIntervalSeconds);
        expect(Math.ceil(durationMs / (interval * 1000))).toBeLessThanOrEqual(
          options.maxThumbnails,
        );
        if (interval > options.minIntervalSeconds) {
          // One second less would give too many thumbnails.
          expect(Math.ceil(durationMs / ((interval - 1) * 1000))).toBeGreaterThan(
            options.maxThumbnails,
          );
        }
      }),
    );
  });

  it("takes 2 s for a lecture under 2000 s, and 4 s for an hour", () => {
    expect(intervalSeconds(25_000, DEFAULT_OPTIONS)).toBe(2);
    expect(intervalSeconds(2_000_000, DEFAULT_OPTIONS)).toBe(2);
    expect(intervalSeconds(2_000_001, DEFAULT_OPTIONS)).toBe(3);
    expect(intervalSeconds(3_600_000, DEFAULT_OPTIONS)).toBe(4);
  });
});

describe("thumbnailSize", () => {
  it("keeps the width, an even height within one pixel pair of the picture's ratio", () => {
    fc.assert(
      fc.property(pictures, fc.integer({ min: 8, max: 320 }), (picture, half) => {
        const size = thumbnailSize(picture, half * 2);
        expect(size.width).toBe(half * 2);
        expect(size.height % 2).toBe(0);
        expect(size.height).toBeGreaterThanOrEqual(2);
        const exact = (half * 2 * picture.height) / picture.width;
        expect(Math.abs(size.height - Math.max(2, exact))).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("gives 160x90 for 16:9, 160x120 for 4:3, 160x284 for an upright phone video", () => {
    expect(thumbnailSize({ width: 640, height: 360 }, 160)).toEqual({ width: 160, height: 90 });
    expect(thumbnailSize({ width: 640, height: 480 }, 160)).toEqual({ width: 160, height: 120 });
    expect(thumbnailSize({ width: 1080, height: 1920 }, 160)).toEqual({ width: 160, height: 284 });
  });
});

describe("planTrickPlay", () => {
  it("covers [0, duration] with back-to-back cues, one per thumbnail, each inside its sheet", () => {
    fc.assert(
      fc.property(durations, pictures, optionsArb, (durationMs, picture, options) => {
        const plan = planTrickPlay(durationMs, picture, options);
        const { cues } = plan;
        expect(cues).toHaveLength(plan.thumbnailCount);
        expect(plan.thumbnailCount).toBeLessThanOrEqual(options.maxThumbnails);
        expect(cues[0]?.startMs).toBe(0);
        expect(cues.at(-1)?.endMs).toBe(durationMs);
        const tiles = new Set<string>();
        cues.forEach((cue, k) => {
          expect(cue.startMs).toBe(k * plan.intervalSeconds * 1000);
          expect(cue.endMs).toBeGreaterThan(cue.startMs);
          if (k > 0) expect(cue.startMs).toBe(cues[k - 1]?.endMs);
          expect(cue.sheet).toBeLessThan(plan.sheetCount);
          expect(cue.tile.x + cue.tile.width).toBeLessThanOrEqual(plan.sheet.width);
          expect(cue.tile.y + cue.tile.height).toBeLessThanOrEqual(plan.sheet.height);
          tiles.add(`${cue.sheet}:${cue.tile.x}:${cue.tile.y}`);
        });
        // No two thumbnails share a tile, and the sheets hold all of them in order.
        expect(tiles.size).toBe(cues.length);
        expect(plan.sheetCount).toBe(Math.ceil(cues.length / (plan.columns * plan.rows)));
        expect(plan.columns).toBeLessThanOrEqual(options.columns);
        expect(plan.rows).toBeLessThanOrEqual(options.maxRows);
      }),
    );
  });

  it("lays a 25 s clip out as 13 tiles, 10 on the first row of a 10x2 sheet", () => {
    const plan = planTrickPlay(25_000, { width: 640, height: 360 });
    expect(plan).toMatchObject({
      intervalSeconds: 2,
      thumbnailCount: 13,
      columns: 10,
      rows: 2,
      sheetCount: 1,
      sheet: { width: 1600, height: 180 },
    });
    expect(plan.cues[10]).toEqual({
      startMs: 20_000,
      endMs: 22_000,
      sheet: 0,
      tile: { x: 0, y: 90, width: 160, height: 90 },
    });
    expect(plan.cues[12]).toMatchObject({ startMs: 24_000, endMs: 25_000 });
  });

  it("moves to the next sheet after columns x rows thumbnails", () => {
    const plan = planTrickPlay(3_600_000, { width: 1920, height: 1080 });
    expect(plan).toMatchObject({ intervalSeconds: 4, thumbnailCount: 900, sheetCount: 9 });
    expect(plan.cues[99]).toMatchObject({ sheet: 0, tile: { x: 1440, y: 810 } });
    expect(plan.cues[100]).toMatchObject({ sheet: 1, tile: { x: 0, y: 0 } });
  });
});

describe("webVtt", () => {
  it("reads back as the plan's cues with sprite references", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000_000 }), pictures, (durationMs, picture) => {
        const plan = planTrickPlay(durationMs, picture);
        const cues = parseVtt(webVtt(plan));
        expect(cues.map(({ startMs, endMs }) => ({ startMs, endMs }))).toEqual(
          plan.cues.map(({ startMs, endMs }) => ({ startMs, endMs })),
        );
        cues.forEach((cue, k) => {
          const source = plan.cues[k];
          expect(parsePayload(cue.payload)).toEqual({
            file: `sprite-${source?.sheet}.jpg`,
            x: source?.tile.x,
            y: source?.tile.y,
            w: source?.tile.width,
            h: source?.tile.height,
          });
        });
      }),
      { numRuns: 50 },
    );
  });

  it("writes the exact text players read", () => {
    const plan = planTrickPlay(3_500, { width: 640, height: 360 });
    expect(webVtt(plan)).toBe(
      "WEBVTT\n\n" +
        "00:00:00.000 --> 00:00:02.000\nsprite-0.jpg#xywh=0,0,160,90\n\n" +
        "00:00:02.000 --> 00:00:03.500\nsprite-0.jpg#xywh=160,0,160,90\n",
    );
  });

  it("formats timestamps with hours, past 99 hours too", () => {
    expect(vttTimestamp(0)).toBe("00:00:00.000");
    expect(vttTimestamp(3_723_045)).toBe("01:02:03.045");
    expect(vttTimestamp(360_000_000)).toBe("100:00:00.000");
  });
});

describe("checks", () => {
  it("accepts the defaults and names every bad option with its value", () => {
    expect(optionProblems(DEFAULT_OPTIONS)).toEqual([]);
    expect(
      optionProblems({ ...DEFAULT_OPTIONS, thumbnailWidthPx: 161, columns: 0, maxThumbnails: 1.5 }),
    ).toEqual([
      "columns must be an integer from 1 to 20, got 0",
      "maxThumbnails must be an integer from 1 to 10000, got 1.5",
      "thumbnailWidthPx must be even, got 161",
    ]);
  });

  it("refuses an empty, fractional or day-long video and a degenerate picture", () => {
    expect(inputProblems(25_000, { width: 640, height: 360 })).toEqual([]);
    expect(inputProblems(0, { width: 640, height: 360 })).toHaveLength(1);
    expect(inputProblems(1.5, { width: 640, height: 360 })).toHaveLength(1);
    expect(inputProblems(MAX_DURATION_MS + 1, { width: 640, height: 360 })).toHaveLength(1);
    expect(inputProblems(25_000, { width: 0, height: 360 })).toEqual([
      "picture width must be an integer from 2 to 16384, got 0",
    ]);
  });
});
