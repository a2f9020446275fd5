/**
 * The README's generated blocks (architecture diagrams, config table) equal what the program
 * generates now: a change to a component, a flow or a config schema that is not followed by
 * `npm run readme` fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedReadme, README_PATH, staleBlocks } from "./generate";

describe("README generated blocks", () => {
  it("are current (run `npm run readme` after changing the program or its config schema)", async () => {
    const current = readFileSync(README_PATH, "utf8");
    const generated = await generatedReadme(current);
    expect(staleBlocks(current, generated)).toEqual([]);
    expect(generated).toBe(current);
  }, 120_000);

  it("show a mermaid diagram for every stack and a row for a known key", () => {
    const current = readFileSync(README_PATH, "utf8");
    for (const stack of ["me-south-1", "us-east-1"]) {
      expect(current).toContain(`**Stack ${stack}**`);
    }
    expect(current.match(/```mermaid\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(current).toMatch(/\| `knowledgecity:network\.cidr` +\|/);
  });
});
