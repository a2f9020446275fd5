import type { JobSettings } from "@aws-sdk/client-mediaconvert";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidJobOptionsError } from "./errors";
import {
  DEFAULT_LECTURE_LADDER,
  buildJobSettings,
  type Ladder,
  type SourceVideo,
} from "./job-settings";
import { planRenditions } from "./job-settings";
import { INPUT, PREFIX, groupOfType, videoOutputs } from "./job-settings.fixtures";
import { thrown } from "../../shared/test-support";
import { validLadder } from "./test-support";

// ---------------------------------------------------------------------------------------------
// The ladder against the source: no upscaling, upright rotated video
// ---------------------------------------------------------------------------------------------

/** `<width>x<height>@<kbps>` of each video output of the streaming group. */
function renditionSizes(settings: JobSettings): string[] {
  return videoOutputs(groupOfType(settings, "CMAF_GROUP_SETTINGS")).map(
    (output) =>
      `${output.VideoDescription?.Width}x${output.VideoDescription?.Height}@${(output.VideoDescription?.CodecSettings?.H264Settings?.MaxBitrate ?? 0) / 1000}`,
  );
}

const forSource = (source: SourceVideo, ladder: Ladder = DEFAULT_LECTURE_LADDER): JobSettings =>
  buildJobSettings({ inputUri: INPUT, outputPrefix: PREFIX, ladder, source });

describe("buildJobSettings with the source's size", () => {
  it("gives a 640x360 source no rendition above 360p (no 540p, 720p or 1080p)", () => {
    expect(renditionSizes(forSource({ width: 640, height: 360 }))).toEqual([
      "416x234@145",
      "640x360@365",
    ]);
  });

  it("gives a 1920x1080 source the full ladder, unchanged", () => {
    expect(renditionSizes(forSource({ width: 1920, height: 1080 }))).toEqual([
      "416x234@145",
      "640x360@365",
      "960x540@1200",
      "1280x720@2500",
      "1920x1080@4500",
    ]);
  });

  it("stops a 4K source at the ladder's top rung", () => {
    expect(renditionSizes(forSource({ width: 3840, height: 2160 })).at(-1)).toBe("1920x1080@4500");
  });

  it("turns the ladder portrait for a 1920x1080 source rotated 90 degrees, and applies the rotation", () => {
    const settings = forSource({ width: 1920, height: 1080, rotationDegrees: 90 });
    expect(renditionSizes(settings)).toEqual([
      "234x416@145",
      "360x640@365",
      "540x960@1200",
      "720x1280@2500",
      "1080x1920@4500",
    ]);
    expect(settings.Inputs?.[0]?.VideoSelector?.Rotate).toBe("AUTO");
    const names = videoOutputs(groupOfType(settings, "CMAF_GROUP_SETTINGS")).map(
      (output) => output.NameModifier,
    );
    expect(names).toEqual([
      "_416p_145k",
      "_640p_365k",
      "_960p_1200k",
      "_1280p_2500k",
      "_1920p_4500k",
    ]);
    expect(
      groupOfType(settings, "FILE_GROUP_SETTINGS").Outputs?.[0]?.VideoDescription,
    ).toMatchObject({ Width: 360, Height: 640 });
  });

  it("treats -90 and 270 degrees like 90, and 180 degrees as landscape", () => {
    const portrait = renditionSizes(forSource({ width: 1920, height: 1080, rotationDegrees: 90 }));
    expect(renditionSizes(forSource({ width: 1920, height: 1080, rotationDegrees: -90 }))).toEqual(
      portrait,
    );
    expect(renditionSizes(forSource({ width: 1920, height: 1080, rotationDegrees: 270 }))).toEqual(
      portrait,
    );
    expect(
      renditionSizes(forSource({ width: 1920, height: 1080, rotationDegrees: 180 })).at(-1),
    ).toBe("1920x1080@4500");
  });

  it("keeps the lowest rung, at the source's size, for a source smaller than every rung", () => {
    const settings = forSource({ width: 320, height: 180 });
    expect(renditionSizes(settings)).toEqual(["320x180@145"]);
    expect(
      groupOfType(settings, "FILE_GROUP_SETTINGS").Outputs?.[0]?.VideoDescription,
    ).toMatchObject({ Width: 320, Height: 180 });
  });

  it("keeps the source's aspect ratio: a 4:3 1440x1080 source gets 4:3 renditions up to 1440x1080", () => {
    expect(renditionSizes(forSource({ width: 1440, height: 1080 }))).toEqual([
      "312x234@145",
      "480x360@365",
      "720x540@1200",
      "960x720@2500",
      "1440x1080@4500",
    ]);
  });

  it("encodes a source between two rungs once at its own (even) size, with the next rung's bitrate", () => {
    expect(renditionSizes(forSource({ width: 1001, height: 563 }))).toEqual([
      "416x234@145",
      "640x360@365",
      "960x540@1200",
      "1000x562@2500",
    ]);
  });

  it("applies rotation metadata even when the source's size is unknown, and keeps the full ladder", () => {
    const settings = buildJobSettings({
      inputUri: INPUT,
      outputPrefix: PREFIX,
      ladder: DEFAULT_LECTURE_LADDER,
    });
    expect(settings.Inputs?.[0]?.VideoSelector).toEqual({ Rotate: "AUTO" });
    expect(renditionSizes(settings)).toHaveLength(DEFAULT_LECTURE_LADDER.length);
  });

  it("rejects a source size or rotation it cannot use, listing every problem", () => {
    const error = thrown(() => forSource({ width: 16, height: 1080.5, rotationDegrees: 45 }));
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect((error as InvalidJobOptionsError).problems).toEqual([
      "source.width must be an integer between 32 and 8192, got 16",
      "source.height must be an integer between 32 and 8192, got 1080.5",
      "source.rotationDegrees must be a multiple of 90, got 45",
    ]);
  });

  it("plans the renditions on their own, as buildJobSettings encodes them", () => {
    expect(
      planRenditions(DEFAULT_LECTURE_LADDER, { width: 640, height: 360 }).map(
        (rendition) => `${rendition.width}x${rendition.height}@${rendition.rung.maxBitrateKbps}`,
      ),
    ).toEqual(renditionSizes(forSource({ width: 640, height: 360 })));
  });
});

const rotations = fc.constantFrom(0, 90, 180, 270, -90, -180, -270, 360, 450);
const sourceVideo: fc.Arbitrary<SourceVideo> = fc.record({
  width: fc.integer({ min: 32, max: 8192 }),
  height: fc.integer({ min: 32, max: 8192 }),
  rotationDegrees: rotations,
});

describe("ladder properties against the source", () => {
  it("no output is wider or taller than the source as displayed, and the ladder is never empty", () => {
    fc.assert(
      fc.property(validLadder, sourceVideo, (ladder, source) => {
        const quarterTurn = Math.abs(source.rotationDegrees ?? 0) % 180 === 90;
        const shown = quarterTurn
          ? { width: source.height, height: source.width }
          : { width: source.width, height: source.height };
        const settings = buildJobSettings({
          inputUri: INPUT,
          outputPrefix: PREFIX,
          ladder,
          source,
        });
        const cmaf = groupOfType(settings, "CMAF_GROUP_SETTINGS");
        const outputs = videoOutputs(cmaf);
        expect(outputs.length).toBeGreaterThanOrEqual(1);
        expect(outputs.length).toBeLessThanOrEqual(ladder.length);
        const capture = groupOfType(settings, "FILE_GROUP_SETTINGS").Outputs?.[0];
        for (const output of [...outputs, capture]) {
          const width = output?.VideoDescription?.Width ?? Number.NaN;
          const height = output?.VideoDescription?.Height ?? Number.NaN;
          expect(width).toBeLessThanOrEqual(shown.width);
          expect(height).toBeLessThanOrEqual(shown.height);
          expect(width % 2).toBe(0);
          expect(height % 2).toBe(0);
          expect(Math.min(width, height)).toBeGreaterThanOrEqual(32);
        }
        // Each output keeps its rung's bitrate and quality, in the ladder's order.
        const bitrates = outputs.map(
          (output) => output.VideoDescription?.CodecSettings?.H264Settings?.MaxBitrate ?? 0,
        );
        expect(bitrates).toEqual([...bitrates].sort((a, b) => a - b));
        expect(new Set(bitrates).size).toBe(bitrates.length);
        for (const bitrate of bitrates) {
          expect(ladder.map((rung) => rung.maxBitrateKbps * 1000)).toContain(bitrate);
        }
        const names = (cmaf.Outputs ?? []).map((output) => output.NameModifier);
        expect(new Set(names).size).toBe(names.length);
        expect(settings.Inputs?.[0]?.VideoSelector?.Rotate).toBe("AUTO");
      }),
    );
  });

  it("a source at least as large as every rung, in the ladder's orientation, keeps every rung", () => {
    fc.assert(
      fc.property(validLadder, fc.integer({ min: 0, max: 2000 }), (ladder, extra) => {
        const width = Math.max(...ladder.map((rung) => rung.width)) + extra;
        const height = Math.max(...ladder.map((rung) => rung.height)) + extra;
        const outputs = videoOutputs(
          groupOfType(forSource({ width, height }, ladder), "CMAF_GROUP_SETTINGS"),
        );
        expect(outputs).toHaveLength(ladder.length);
      }),
    );
  });
});
