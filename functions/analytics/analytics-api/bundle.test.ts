import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/** The image's build step, as the Dockerfile runs it: each entry must bundle into one file. */
describe("the analytics API image's bundles", () => {
  it.each(["main.ts", "migrate-main.ts", "load-events-main.ts", "rollup-main.ts"])(
    "bundle %s for Node.js 22",
    async (entry) => {
      const result = await build({
        entryPoints: [`${__dirname}/${entry}`],
        bundle: true,
        platform: "node",
        target: "node22",
        mainFields: ["module", "main"],
        write: false,
        logLevel: "silent",
      });
      expect(result.errors).toEqual([]);
      expect(result.outputFiles).toHaveLength(1);
      expect(result.outputFiles[0]?.text).toContain("@clickhouse/client");
    },
  );
});
