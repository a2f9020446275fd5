import { describe, expect, it } from "vitest";
import {
  PlaylistError,
  attributes,
  lowestVideoVariant,
  parseMediaPlaylist,
  parseVariants,
  resolveKey,
} from "./hls";
import { CMAF_PREFIX, MANIFEST_KEY, MULTIVARIANT, mediaPlaylist } from "./test-support";

const MEDIA_KEY = `${CMAF_PREFIX}index_360p_365k.m3u8`;

describe("multivariant playlists", () => {
  it("lists the variants with bandwidth, resolution and key, in order", () => {
    expect(parseVariants(MANIFEST_KEY, MULTIVARIANT)).toEqual([
      {
        bandwidth: 2_750_000,
        resolution: { width: 1280, height: 720 },
        key: `${CMAF_PREFIX}index_720p_2500k.m3u8`,
      },
      {
        bandwidth: 461_000,
        resolution: { width: 640, height: 360 },
        key: MEDIA_KEY,
      },
    ]);
  });

  it("picks the lowest bandwidth among video variants, not the first listed", () => {
    const variants = [
      { bandwidth: 900, key: "a", resolution: { width: 640, height: 360 } },
      { bandwidth: 100, key: "audio-only" },
      { bandwidth: 500, key: "b", resolution: { width: 416, height: 234 } },
      { bandwidth: 500, key: "c", resolution: { width: 416, height: 234 } },
    ];
    expect(lowestVideoVariant(variants).key).toBe("b");
    expect(() => lowestVideoVariant([{ bandwidth: 100, key: "audio-only" }])).toThrow(
      "the multivariant playlist lists no variant with a RESOLUTION",
    );
  });

  it("reads quoted attributes with commas", () => {
    const attrs = attributes('BANDWIDTH=461000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360');
    expect(attrs.get("CODECS")).toBe("avc1.64001e,mp4a.40.2");
    expect(attrs.get("RESOLUTION")).toBe("640x360");
  });

  it("refuses what is not a playlist and a variant without a URI", () => {
    expect(() => parseVariants(MANIFEST_KEY, "<html>")).toThrow(PlaylistError);
    expect(() => parseVariants(MANIFEST_KEY, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n")).toThrow(
      "EXT-X-STREAM-INF at line 2 lacks BANDWIDTH or a URI",
    );
  });
});

describe("media playlists", () => {
  it("gives the init section, the segments in order and the summed duration", () => {
    const media = parseMediaPlaylist(MEDIA_KEY, mediaPlaylist([6, 6, 6, 6, 1.04]));
    expect(media).toEqual({
      initKey: `${CMAF_PREFIX}index_360p_365k_init.cmfv`,
      segmentKeys: [1, 2, 3, 4, 5].map((n) => `${CMAF_PREFIX}index_360p_365k_0000${n}.cmfv`),
      durationMs: 25_040,
    });
  });

  it("refuses byte ranges, encryption, an unfinished playlist and an empty one", () => {
    const complete = mediaPlaylist([6, 1]);
    const cases: [string, string][] = [
      [complete.replace("#EXTINF:1", "#EXT-X-BYTERANGE:100@0\n#EXTINF:1"), "byte-range"],
      [
        complete.replace("#EXT-X-MAP", '#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXT-X-MAP'),
        "encrypted",
      ],
      [complete.replace("#EXT-X-ENDLIST\n", ""), "not complete"],
      [mediaPlaylist([]), "lists no segment"],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseMediaPlaylist(MEDIA_KEY, text)).toThrow(reason);
    }
  });
});

describe("resolveKey", () => {
  it("resolves relative paths in the playlist's folder", () => {
    expect(resolveKey("a/b/index.m3u8", "seg_1.cmfv")).toBe("a/b/seg_1.cmfv");
    expect(resolveKey("a/b/index.m3u8", "v/seg_1.cmfv")).toBe("a/b/v/seg_1.cmfv");
  });

  it("refuses URIs that could leave the video's folder or the bucket", () => {
    for (const uri of [
      "../x.cmfv",
      "/courses/x.cmfv",
      "https://evil/x",
      "s3://b/k",
      "a//b",
      "x?y",
      "",
    ]) {
      expect(() => resolveKey("a/b/index.m3u8", uri), uri).toThrow(PlaylistError);
    }
  });
});
