/**
 * Bundles a handler under `functions/` into one minified CommonJS file with esbuild, at program
 * time, so `pulumi up` always deploys the code of the commit it runs from. Bundles are cached per
 * process: the plan and the tests build each handler once.
 */
import * as pulumi from "@pulumi/pulumi";
import { build, type Plugin } from "esbuild";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The folder that holds the handlers. */
export const FUNCTIONS_ROOT = resolve(__dirname, "..", "..", "functions");

/** The Node.js version the bundles target; it matches the Lambda runtime. */
export const BUNDLE_TARGET = "node22";

const cache = new Map<string, Promise<string>>();

/**
 * zod re-exports every message locale (a quarter of a megabyte) through its `z` namespace, which a
 * bundler cannot trim; the handlers use the English messages only, so the others are left out.
 */
const englishOnlyZodLocales: Plugin = {
  name: "english-only-zod-locales",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
      resolveDir: join(FUNCTIONS_ROOT, "..", "node_modules", "zod", "v4", "locales"),
    }));
  },
};

/**
 * The bundled code of `functions/<entry>.ts`. Throws at once when the handler does not exist; a
 * handler that does not build rejects, naming it.
 */
export function bundleCode(entry: string): Promise<string> {
  const cached = cache.get(entry);
  if (cached !== undefined) {
    return cached;
  }
  const path = join(FUNCTIONS_ROOT, `${entry}.ts`);
  if (!existsSync(path)) {
    throw new Error(`no handler at functions/${entry}.ts`);
  }
  // Async because esbuild runs plugins in its async API only.
  const code = build({
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
    plugins: [englishOnlyZodLocales],
    write: false,
    logLevel: "silent",
  }).then((result) => {
    const text = result.outputFiles[0]?.text;
    if (text === undefined) {
      throw new Error(`bundling functions/${entry}.ts produced no output`);
    }
    return text;
  });
  cache.set(entry, code);
  return code;
}

/** A Lambda code archive with the bundle as `index.js` (handler `index.<export>`). */
export async function bundleArchive(entry: string): Promise<pulumi.asset.AssetArchive> {
  const code = await bundleCode(entry);
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) });
}
