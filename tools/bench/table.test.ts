/** The bench's plain-text tables. */
import { describe, expect, it } from "vitest";
import { formatTable } from "./table";

describe("formatTable", () => {
  it("right-aligns every column to its widest cell, two spaces apart", () => {
    expect(
      formatTable([
        ["stack", "ms"],
        ["me-south-1", "5.0"],
        ["us", "12.25"],
      ]),
    ).toBe("     stack     ms\nme-south-1    5.0\n        us  12.25\n");
  });

  it("prints nothing for no rows", () => {
    expect(formatTable([])).toBe("");
  });
});
