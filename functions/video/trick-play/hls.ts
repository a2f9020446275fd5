/**
 * Just enough of HLS ([RFC 8216](https://www.rfc-editor.org/rfc/rfc8216)) to find the input of
 * the trick-play track (pure: no I/O): the lowest-bandwidth video variant of a multivariant
 * playlist, and the initialization section and segments of its media playlist, whose fragmented
 * MP4 pieces concatenate into one file ffmpeg reads.
 */
import type { PixelSize } from "./plan";

/** A variant stream of a multivariant playlist (`EXT-X-STREAM-INF`). */
export interface Variant {
  /** `BANDWIDTH`, bits per second. */
  readonly bandwidth: number;
  /** `RESOLUTION`, when given. */
  readonly resolution?: PixelSize;
  /** The media playlist's key. */
  readonly key: string;
}

/** A video-on-demand media playlist with its segments as object keys. */
export interface MediaPlaylist {
  /** `EXT-X-MAP`'s key: the fragmented MP4 initialization section, when there is one. */
  readonly initKey?: string;
  readonly segmentKeys: readonly string[];
  /** Sum of the segments' `EXTINF` durations, in whole milliseconds. */
  readonly durationMs: number;
}

/** A playlist the task cannot use; `reason` says why, for the failure report. */
export class PlaylistError extends Error {
  override readonly name = "PlaylistError";
}

function lines(text: string): string[] {
  const all = text.split(/\r?\n/).map((line) => line.trim());
  if (all[0] !== "#EXTM3U") {
    throw new PlaylistError("not an HLS playlist: the first line is not #EXTM3U");
  }
  return all.filter((line) => line !== "");
}

/** Attributes of a tag (`NAME=value,NAME="quoted, value"`). */
export function attributes(list: string): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  for (const match of list.matchAll(pattern)) {
    const [, name, raw] = match;
    if (name !== undefined && raw !== undefined) {
      result.set(name, raw.startsWith('"') ? raw.slice(1, -1) : raw);
    }
  }
  return result;
}

/**
 * The key of `uri` as written in the playlist at `playlistKey`: relative to its folder, without
 * a scheme, a leading `/`, a query, `.` or `..` segments, so it cannot leave the video's folder.
 */
export function resolveKey(playlistKey: string, uri: string): string {
  const parts = uri.split("/");
  if (
    uri === "" ||
    /^[a-z][a-z0-9+.-]*:/i.test(uri) ||
    uri.startsWith("/") ||
    uri.includes("?") ||
    uri.includes("#") ||
    parts.some((part) => part === "" || part === "." || part === "..")
  ) {
    throw new PlaylistError(`unsupported URI ${JSON.stringify(uri)}: expected a relative path`);
  }
  return `${playlistKey.slice(0, playlistKey.lastIndexOf("/") + 1)}${uri}`;
}

/** The variants of a multivariant playlist, in playlist order. */
export function parseVariants(playlistKey: string, text: string): Variant[] {
  const all = lines(text);
  const variants: Variant[] = [];
  all.forEach((line, index) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
    const attrs = attributes(line.slice("#EXT-X-STREAM-INF:".length));
    const uri = all[index + 1];
    const bandwidth = Number(attrs.get("BANDWIDTH"));
    if (uri === undefined || uri.startsWith("#") || !Number.isInteger(bandwidth)) {
      throw new PlaylistError(`EXT-X-STREAM-INF at line ${index + 1} lacks BANDWIDTH or a URI`);
    }
    const resolution = /^(\d+)x(\d+)$/.exec(attrs.get("RESOLUTION") ?? "");
    variants.push({
      bandwidth,
      key: resolveKey(playlistKey, uri),
      ...(resolution === null
        ? {}
        : { resolution: { width: Number(resolution[1]), height: Number(resolution[2]) } }),
    });
  });
  return variants;
}

/**
 * The variant the thumbnails come from: the lowest `BANDWIDTH` among those with a `RESOLUTION`
 * (video), the first of equals. Thumbnails are 160 px wide, so the smallest rendition loses
 * nothing and is the least to download and decode.
 */
export function lowestVideoVariant(variants: readonly Variant[]): Variant {
  const video = variants.filter((variant) => variant.resolution !== undefined);
  const lowest = video.reduce<Variant | undefined>(
    (best, variant) => (best === undefined || variant.bandwidth < best.bandwidth ? variant : best),
    undefined,
  );
  if (lowest === undefined) {
    throw new PlaylistError("the multivariant playlist lists no variant with a RESOLUTION");
  }
  return lowest;
}

/**
 * A media playlist: its init section, segments and duration. Only complete VOD playlists of
 * whole segment files are accepted (`EXT-X-ENDLIST` present, no `EXT-X-BYTERANGE`, no
 * encryption, one `EXT-X-MAP` at most).
 */
export function parseMediaPlaylist(playlistKey: string, text: string): MediaPlaylist {
  const all = lines(text);
  let initKey: string | undefined;
  let pendingMs: number | undefined;
  let totalMs = 0;
  const segmentKeys: string[] = [];
  for (const line of all) {
    if (line.startsWith("#EXT-X-BYTERANGE")) {
      throw new PlaylistError("byte-range segments (EXT-X-BYTERANGE) are not supported");
    }
    if (line.startsWith("#EXT-X-KEY:") && attributes(line.slice(11)).get("METHOD") !== "NONE") {
      throw new PlaylistError("encrypted segments (EXT-X-KEY) are not supported");
    }
    if (line.startsWith("#EXT-X-MAP:")) {
      const uri = attributes(line.slice("#EXT-X-MAP:".length)).get("URI");
      if (uri === undefined || initKey !== undefined) {
        throw new PlaylistError("expected one EXT-X-MAP with a URI");
      }
      initKey = resolveKey(playlistKey, uri);
    } else if (line.startsWith("#EXTINF:")) {
      const seconds = Number(line.slice("#EXTINF:".length).split(",")[0]);
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new PlaylistError(`invalid segment duration in ${JSON.stringify(line)}`);
      }
      pendingMs = seconds * 1000;
    } else if (!line.startsWith("#")) {
      if (pendingMs === undefined) {
        throw new PlaylistError(`segment ${JSON.stringify(line)} has no EXTINF`);
      }
      segmentKeys.push(resolveKey(playlistKey, line));
      totalMs += pendingMs;
      pendingMs = undefined;
    }
  }
  if (!all.includes("#EXT-X-ENDLIST")) {
    throw new PlaylistError("the media playlist is not complete (no EXT-X-ENDLIST)");
  }
  if (segmentKeys.length === 0) {
    throw new PlaylistError("the media playlist lists no segment");
  }
  return {
    ...(initKey === undefined ? {} : { initKey }),
    segmentKeys,
    durationMs: Math.round(totalMs),
  };
}
