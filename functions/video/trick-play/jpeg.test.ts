import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jpegSize } from "./jpeg";
import { jpegHeader } from "./test-support";

describe("jpegSize", () => {
  it("reads the size from any start-of-frame marker after other segments", () => {
    const sofMarkers = [
      0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65_535 }),
        fc.integer({ min: 1, max: 65_535 }),
        fc.constantFrom(...sofMarkers),
        (width, height, marker) => {
          expect(jpegSize(jpegHeader(width, height, marker))).toEqual({ width, height });
        },
      ),
    );
  });

  it("does not take a Huffman table (C4) for a frame header", () => {
    expect(jpegSize(jpegHeader(160, 90, 0xc4))).toBeUndefined();
  });

  it("returns undefined for what is not a JPEG, or is cut before its frame header", () => {
    expect(jpegSize(new TextEncoder().encode("\x89PNG\r\n"))).toBeUndefined();
    expect(jpegSize(jpegHeader(160, 90).slice(0, 14))).toBeUndefined();
    expect(jpegSize(new Uint8Array())).toBeUndefined();
  });
});
