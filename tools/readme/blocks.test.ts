import { describe, expect, it } from "vitest";
import { readBlock, replaceBlock } from "./blocks";

const README = [
  "# Title",
  "",
  "<!-- generated:table:begin (npm run readme) -->",
  "old table",
  "<!-- generated:table:end -->",
  "",
  "after",
].join("\n");

describe("generated README blocks", () => {
  it("replaces only the text between a block's markers", () => {
    const next = replaceBlock(README, "table", "| a |\n");
    expect(
      next.startsWith("# Title\n\n<!-- generated:table:begin (npm run readme) -->\n\n| a |\n\n"),
    ).toBe(true);
    expect(next.endsWith("<!-- generated:table:end -->\n\nafter")).toBe(true);
    expect(next).not.toContain("old table");
    expect(readBlock(next, "table")).toBe("| a |");
  });

  it("is stable: replacing with the same content twice gives the same text", () => {
    const once = replaceBlock(README, "table", "x");
    expect(replaceBlock(once, "table", "x")).toBe(once);
  });

  it("refuses a README without the block's markers, or with two", () => {
    expect(() => replaceBlock(README, "diagrams", "x")).toThrow(/generated:diagrams:begin/);
    expect(() => replaceBlock(`${README}\n${README}`, "table", "x")).toThrow(/exactly one/);
  });
});
