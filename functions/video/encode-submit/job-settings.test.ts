import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidJobOptionsError, InvalidLadderError } from "./errors";
import {
  AUDIO_GROUP_ID,
  AUDIO_SELECTOR_NAME,
  DEFAULT_LECTURE_LADDER,
  DEFAULT_QVBR_QUALITY_LEVEL,
  buildJobSettings,
  ladderProblems,
  outputFiles,
  parseLadder,
  renditionNameModifier,
} from "./job-settings";
import { INPUT, PREFIX, groupOfType, videoOutputs, audioOutputs } from "./job-settings.fixtures";
import { thrown } from "../../shared/test-support";
import { validLadder } from "./test-support";

describe("the default lecture ladder", () => {
  it("is the five 16:9 rungs from 234p at 145 kbps to 1080p at 4.5 Mbps", () => {
    expect(
      DEFAULT_LECTURE_LADDER.map((rung) => `${rung.width}x${rung.height}@${rung.maxBitrateKbps}`),
    ).toEqual(["416x234@145", "640x360@365", "960x540@1200", "1280x720@2500", "1920x1080@4500"]);
    expect(ladderProblems(DEFAULT_LECTURE_LADDER)).toEqual([]);
  });
});

describe("buildJobSettings", () => {
  const settings = buildJobSettings({
    inputUri: INPUT,
    outputPrefix: PREFIX,
    ladder: DEFAULT_LECTURE_LADDER,
  });

  it("reads one input with the default audio track and a zero-based timecode", () => {
    expect(settings.Inputs).toEqual([
      {
        FileInput: INPUT,
        TimecodeSource: "ZEROBASED",
        AudioSelectors: { [AUDIO_SELECTOR_NAME]: { DefaultSelection: "DEFAULT" } },
        VideoSelector: { Rotate: "AUTO" },
      },
    ]);
    expect(settings.TimecodeConfig).toEqual({ Source: "ZEROBASED" });
  });

  it("writes one CMAF package that both HLS and DASH manifests describe", () => {
    const cmaf = groupOfType(settings, "CMAF_GROUP_SETTINGS").OutputGroupSettings
      ?.CmafGroupSettings;
    expect(cmaf).toMatchObject({
      Destination: `${PREFIX}cmaf/index`,
      WriteHlsManifest: "ENABLED",
      WriteDashManifest: "ENABLED",
      SegmentControl: "SEGMENTED_FILES",
      SegmentLength: 6,
      FragmentLength: 2,
    });
    expect(settings.OutputGroups?.map((group) => group.OutputGroupSettings?.Type)).toEqual([
      "CMAF_GROUP_SETTINGS",
      "FILE_GROUP_SETTINGS",
    ]);
  });

  it("encodes every rung as H.264 QVBR at the rung's size, peak bitrate and quality", () => {
    const outputs = videoOutputs(groupOfType(settings, "CMAF_GROUP_SETTINGS"));
    expect(outputs).toHaveLength(DEFAULT_LECTURE_LADDER.length);
    outputs.forEach((output, index) => {
      const rung = DEFAULT_LECTURE_LADDER[index];
      const video = output.VideoDescription;
      expect(video?.Width).toBe(rung?.width);
      expect(video?.Height).toBe(rung?.height);
      expect(video?.ScalingBehavior).toBe("DEFAULT");
      expect(video?.CodecSettings?.Codec).toBe("H_264");
      expect(video?.CodecSettings?.H264Settings).toMatchObject({
        RateControlMode: "QVBR",
        QvbrSettings: { QvbrQualityLevel: DEFAULT_QVBR_QUALITY_LEVEL },
        MaxBitrate: (rung?.maxBitrateKbps ?? 0) * 1000,
        SceneChangeDetect: "TRANSITION_DETECTION",
        GopSize: 2,
        GopSizeUnits: "SECONDS",
      });
      // QVBR sets no average bitrate.
      expect(video?.CodecSettings?.H264Settings?.Bitrate).toBeUndefined();
      expect(output.ContainerSettings).toEqual({
        Container: "CMFC",
        CmfcSettings: { AudioRenditionSets: AUDIO_GROUP_ID },
      });
    });
    expect(outputs.map((output) => output.NameModifier)).toEqual([
      "_234p_145k",
      "_360p_365k",
      "_540p_1200k",
      "_720p_2500k",
      "_1080p_4500k",
    ]);
  });

  it("adds one audio-only output: AAC stereo, 96 kbps, 48 kHz, in the rungs' audio group", () => {
    const [audio, ...others] = audioOutputs(groupOfType(settings, "CMAF_GROUP_SETTINGS"));
    expect(others).toEqual([]);
    expect(audio?.VideoDescription).toBeUndefined();
    expect(audio?.ContainerSettings?.CmfcSettings?.AudioGroupId).toBe(AUDIO_GROUP_ID);
    expect(audio?.AudioDescriptions).toEqual([
      {
        AudioSourceName: AUDIO_SELECTOR_NAME,
        CodecSettings: {
          Codec: "AAC",
          AacSettings: {
            Bitrate: 96_000,
            SampleRate: 48_000,
            CodingMode: "CODING_MODE_2_0",
            CodecProfile: "LC",
            RateControlMode: "CBR",
            Specification: "MPEG4",
          },
        },
      },
    ]);
  });

  it("captures a 640x360 JPEG every 10 s, at most 100, into thumbnails/", () => {
    const group = groupOfType(settings, "FILE_GROUP_SETTINGS");
    expect(group.OutputGroupSettings?.FileGroupSettings?.Destination).toBe(
      `${PREFIX}thumbnails/thumb`,
    );
    expect(group.Outputs).toHaveLength(1);
    const [capture] = group.Outputs ?? [];
    expect(capture?.Extension).toBe("jpg");
    expect(capture?.ContainerSettings?.Container).toBe("RAW");
    expect(capture?.VideoDescription).toMatchObject({ Width: 640, Height: 360 });
    expect(capture?.VideoDescription?.CodecSettings).toEqual({
      Codec: "FRAME_CAPTURE",
      FrameCaptureSettings: {
        FramerateNumerator: 1,
        FramerateDenominator: 10,
        MaxCaptures: 100,
        Quality: 80,
      },
    });
  });

  it("takes the segment length, thumbnail interval and per-rung quality given", () => {
    const custom = buildJobSettings({
      inputUri: INPUT,
      outputPrefix: PREFIX,
      ladder: [
        { width: 640, height: 360, maxBitrateKbps: 400, qvbrQualityLevel: 6 },
        { width: 1280, height: 720, maxBitrateKbps: 3000, qvbrQualityLevel: 9 },
      ],
      segmentSeconds: 4,
      thumbnailIntervalSeconds: 30,
    });
    const cmaf = groupOfType(custom, "CMAF_GROUP_SETTINGS");
    expect(cmaf.OutputGroupSettings?.CmafGroupSettings?.SegmentLength).toBe(4);
    expect(
      videoOutputs(cmaf).map(
        (output) =>
          output.VideoDescription?.CodecSettings?.H264Settings?.QvbrSettings?.QvbrQualityLevel,
      ),
    ).toEqual([6, 9]);
    const capture = groupOfType(custom, "FILE_GROUP_SETTINGS").Outputs?.[0];
    expect(
      capture?.VideoDescription?.CodecSettings?.FrameCaptureSettings?.FramerateDenominator,
    ).toBe(30);
  });

  it("rejects bad options and a bad ladder at once, listing every problem", () => {
    const error = thrown(() =>
      buildJobSettings({
        inputUri: "https://example.com/source.mp4",
        outputPrefix: "s3://kc-video-processed-me-south-1/courses/fin-101",
        ladder: [{ width: 641, height: 360, maxBitrateKbps: 400 }],
        segmentSeconds: 5,
        thumbnailIntervalSeconds: 0,
      }),
    );
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect((error as InvalidJobOptionsError).problems).toEqual([
      'inputUri must be s3://<bucket>/<key>, got "https://example.com/source.mp4"',
      'outputPrefix must be s3://<bucket>/<folder>/ ending in "/", got "s3://kc-video-processed-me-south-1/courses/fin-101"',
      "segmentSeconds must be a multiple of 2 between 2 and 30, got 5",
      "thumbnailIntervalSeconds must be an integer between 1 and 3600, got 0",
      "ladder[0].width must be even, got 641",
    ]);
    expect((error as Error).message).toMatch(/^invalid job options: inputUri must be/);
  });
});

describe("outputFiles", () => {
  it("names the manifests and the poster frame under the prefix", () => {
    expect(outputFiles(PREFIX)).toEqual({
      hlsManifest: `${PREFIX}cmaf/index.m3u8`,
      dashManifest: `${PREFIX}cmaf/index.mpd`,
      poster: `${PREFIX}thumbnails/thumb.0000000.jpg`,
    });
  });
});

describe("parseLadder", () => {
  it("accepts a ladder given as JSON and keeps its optional quality levels", () => {
    const json =
      '[{"width":640,"height":360,"maxBitrateKbps":365},{"width":1280,"height":720,"maxBitrateKbps":2500,"qvbrQualityLevel":8}]';
    expect(parseLadder(JSON.parse(json))).toEqual([
      { width: 640, height: 360, maxBitrateKbps: 365 },
      { width: 1280, height: 720, maxBitrateKbps: 2500, qvbrQualityLevel: 8 },
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ["not an array", { width: 640 }, ["ladder must be an array of rungs"]],
    ["no rungs", [], ["ladder must have between 1 and 10 rungs, got 0"]],
    [
      "eleven rungs",
      Array.from({ length: 11 }, (_, index) => ({
        width: 640,
        height: 360,
        maxBitrateKbps: 200 + index * 100,
      })),
      ["ladder must have between 1 and 10 rungs, got 11"],
    ],
    [
      "a rung that is not an object",
      [42],
      ["ladder[0] must be an object with width, height and maxBitrateKbps"],
    ],
    [
      "missing fields",
      [{}],
      [
        "ladder[0].width is required",
        "ladder[0].height is required",
        "ladder[0].maxBitrateKbps is required",
      ],
    ],
    [
      "unknown fields",
      [{ width: 640, height: 360, maxBitrateKbps: 365, bitrate: 365, fps: 30 }],
      ['ladder[0] has unknown fields "bitrate", "fps"'],
    ],
    [
      "odd dimensions",
      [{ width: 641, height: 361, maxBitrateKbps: 365 }],
      ["ladder[0].width must be even, got 641", "ladder[0].height must be even, got 361"],
    ],
    [
      "dimensions out of range",
      [{ width: 126, height: 2162, maxBitrateKbps: 365 }],
      [
        "ladder[0].width must be between 128 and 3840, got 126",
        "ladder[0].height must be between 72 and 2160, got 2162",
      ],
    ],
    [
      "an odd width below the minimum",
      [{ width: 101, height: 72, maxBitrateKbps: 365 }],
      [
        "ladder[0].width must be between 128 and 3840, got 101",
        "ladder[0].width must be even, got 101",
      ],
    ],
    [
      "fractions and strings",
      [{ width: 640.5, height: "360", maxBitrateKbps: 365 }],
      [
        "ladder[0].width must be an integer, got 640.5",
        'ladder[0].height must be an integer, got "360"',
      ],
    ],
    [
      "bitrates out of range",
      [
        { width: 416, height: 234, maxBitrateKbps: 99 },
        { width: 3840, height: 2160, maxBitrateKbps: 20_001 },
      ],
      [
        "ladder[0].maxBitrateKbps must be between 100 and 20000, got 99",
        "ladder[1].maxBitrateKbps must be between 100 and 20000, got 20001",
      ],
    ],
    [
      "QVBR quality out of range",
      [
        { width: 640, height: 360, maxBitrateKbps: 365, qvbrQualityLevel: 0 },
        { width: 1280, height: 720, maxBitrateKbps: 2500, qvbrQualityLevel: 11 },
      ],
      [
        "ladder[0].qvbrQualityLevel must be between 1 and 10, got 0",
        "ladder[1].qvbrQualityLevel must be between 1 and 10, got 11",
      ],
    ],
    [
      "bitrates not strictly increasing",
      [
        { width: 640, height: 360, maxBitrateKbps: 800 },
        { width: 960, height: 540, maxBitrateKbps: 800 },
        { width: 1280, height: 720, maxBitrateKbps: 600 },
      ],
      [
        "ladder[1].maxBitrateKbps must be greater than ladder[0].maxBitrateKbps (800), got 800",
        "ladder[2].maxBitrateKbps must be greater than ladder[1].maxBitrateKbps (800), got 600",
      ],
    ],
    [
      "several problems in several rungs",
      [
        { width: 640, height: 360, maxBitrateKbps: 1200 },
        "rung",
        { width: 1281, height: 720, maxBitrateKbps: 1000 },
      ],
      [
        "ladder[1] must be an object with width, height and maxBitrateKbps",
        "ladder[2].width must be even, got 1281",
        "ladder[2].maxBitrateKbps must be greater than ladder[0].maxBitrateKbps (1200), got 1000",
      ],
    ],
  ])("rejects %s with exact messages", (_, input, problems) => {
    const error = thrown(() => parseLadder(input));
    expect(error).toBeInstanceOf(InvalidLadderError);
    expect((error as InvalidLadderError).problems).toEqual(problems);
    expect((error as Error).message).toBe(`invalid ladder: ${problems.join("; ")}`);
    expect(ladderProblems(input)).toEqual(problems);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("job settings properties", () => {
  it("any valid ladder gives one QVBR video output per rung, matching it, with unique names", () => {
    fc.assert(
      fc.property(validLadder, (ladder) => {
        expect(parseLadder(JSON.parse(JSON.stringify(ladder)))).toEqual(ladder);
        const settings = buildJobSettings({ inputUri: INPUT, outputPrefix: PREFIX, ladder });
        const cmaf = groupOfType(settings, "CMAF_GROUP_SETTINGS");
        const outputs = videoOutputs(cmaf);
        expect(outputs).toHaveLength(ladder.length);
        expect(audioOutputs(cmaf)).toHaveLength(1);
        outputs.forEach((output, index) => {
          const rung = ladder[index];
          const h264 = output.VideoDescription?.CodecSettings?.H264Settings;
          expect(h264?.RateControlMode).toBe("QVBR");
          expect(h264?.QvbrSettings?.QvbrQualityLevel).toBe(
            rung?.qvbrQualityLevel ?? DEFAULT_QVBR_QUALITY_LEVEL,
          );
          expect(h264?.MaxBitrate).toBe((rung?.maxBitrateKbps ?? 0) * 1000);
          expect(output.VideoDescription?.Width).toBe(rung?.width);
          expect(output.VideoDescription?.Height).toBe(rung?.height);
          expect(output.NameModifier).toBe(rung === undefined ? "" : renditionNameModifier(rung));
        });
        const names = (cmaf.Outputs ?? []).map((output) => output.NameModifier);
        expect(new Set(names).size).toBe(names.length);
        groupOfType(settings, "FILE_GROUP_SETTINGS");
      }),
    );
  });

  it("swapping two rungs of different bitrate always breaks the order and is rejected", () => {
    fc.assert(
      fc.property(
        validLadder.filter((ladder) => ladder.length >= 2),
        fc.nat(),
        (ladder, seed) => {
          const index = seed % (ladder.length - 1);
          const swapped = [...ladder];
          const [a, b] = [swapped[index], swapped[index + 1]];
          if (a === undefined || b === undefined) return;
          swapped[index] = b;
          swapped[index + 1] = a;
          const problems = ladderProblems(swapped);
          expect(problems).toContain(
            `ladder[${index + 1}].maxBitrateKbps must be greater than ladder[${index}].maxBitrateKbps (${b.maxBitrateKbps}), got ${a.maxBitrateKbps}`,
          );
          expect(() =>
            buildJobSettings({ inputUri: INPUT, outputPrefix: PREFIX, ladder: swapped }),
          ).toThrow(InvalidJobOptionsError);
        },
      ),
    );
  });
});
