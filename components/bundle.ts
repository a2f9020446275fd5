/**
 * Bundles a handler under `functions/` into one minified CommonJS file with esbuild, at program
 * time, so `pulumi up` always deploys the code of the commit it runs from. Bundles are cached per
 * process: the plan and the tests build each handler once.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The folder that holds the handlers. */
export const FUNCTIONS_ROOT = resolve(__dirname, "..", "functions");

/** The Node.js version the bundles target; it matches the Lambda runtime. */
export const BUNDLE_TARGET = "node22";

const cache = new Map<string, string>();

/** The bundled code of `functions/<entry>.ts`; throws naming the entry when it does not build. */
export function bundleCode(entry: string): string {
  const cached = cache.get(entry);
  if (cached !== undefined) {
    return cached;
  }
  const path = join(FUNCTIONS_ROOT, `${entry}.ts`);
  if (!existsSync(path)) {
    throw new Error(`no handler at functions/${entry}.ts`);
  }
  const result = buildSync({
    entryPoints: [path],
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    // Prefer the packages' ES module builds: esbuild can drop what a handler never uses from them.
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) {
    throw new Error(`bundling functions/${entry}.ts produced no output`);
  }
  cache.set(entry, code);
  return code;
}

/** A Lambda code archive with the bundle as `index.js` (handler `index.<export>`). */
export function bundleArchive(entry: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({
    "index.js": new pulumi.asset.StringAsset(bundleCode(entry)),
  });
}
