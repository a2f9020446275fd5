/**
 * The pixel size of a JPEG file from its frame header (pure), to check what ffmpeg wrote without
 * decoding it. A JPEG is a sequence of marker segments (`FF xx`, then a two-byte big-endian length
 * that counts itself); the start-of-frame segment (SOF0-SOF15 except DHT `C4`, JPG `C8` and DAC
 * `CC`) holds the sample precision, then the height and the width
 * ([ITU-T T.81](https://www.w3.org/Graphics/JPEG/itu-t81.pdf), B.2.2).
 */
import type { PixelSize } from "./plan";

const NOT_SOF = new Set([0xc4, 0xc8, 0xcc]);

/** The width and height of a JPEG, or `undefined` when `bytes` is not one with a frame header. */
export function jpegSize(bytes: Uint8Array): PixelSize | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) {
      return undefined;
    }
    const marker = view.getUint8(offset + 1);
    if (marker === 0xff) {
      // Fill bytes may precede a marker.
      offset += 1;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) {
      // End of image, or start of scan: no frame header before the entropy-coded data.
      return undefined;
    }
    const length = view.getUint16(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && !NOT_SOF.has(marker)) {
      if (offset + 9 > bytes.length || length < 7) {
        return undefined;
      }
      return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}
