/**
 * Everything runs on Node.js 22, the runtime of the Lambda functions and of the analytics image,
 * whatever Node.js runs npm: `npm ci` installs the `node-<os>-<cpu>` package pinned in
 * package.json (the package the registry's `node` package would fetch at install time, here
 * locked with its checksum), which links `node` into node_modules/.bin, and `npm run`/`npx` put
 * that folder first on PATH (https://docs.npmjs.com/cli/v11/using-npm/scripts#path).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");

interface PackageJson {
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}
interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly optional?: boolean;
  /** As the package declares it: a name or a list of names. */
  readonly os?: string | readonly string[];
  readonly cpu?: string | readonly string[];
}
interface LockFile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), "utf8"));

/** The exact Node.js version, also read by tools that pick a Node.js (setup-node, nvm, fnm). */
const PINNED = readFileSync(join(ROOT, ".node-version"), "utf8").trim();
/** The registry's Node.js binary packages, one per operating system and processor. */
const RUNTIME_PACKAGE = /^node-(linux|darwin|win)-(x64|arm64)$/;
/** `process.platform` of each operating system in those names. */
const PLATFORM_OF: Readonly<Record<string, string>> = {
  linux: "linux",
  darwin: "darwin",
  win: "win32",
};
/** This machine's runtime package, named as the registry names them ("win", not "win32"). */
const OWN_PACKAGE = `node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`;

describe("the Node.js runtime", () => {
  it("runs the tests on the pinned Node.js 22", () => {
    expect(PINNED).toMatch(/^22\.\d+\.\d+$/);
    expect(process.versions.node).toBe(PINNED);
  });

  it("is the binary npm installed from the registry, not one found on the machine", () => {
    const binary = process.platform === "win32" ? "node.exe" : "node";
    expect(realpathSync(process.execPath)).toBe(
      realpathSync(join(ROOT, "node_modules", OWN_PACKAGE, "bin", binary)),
    );
  });

  it("runs child processes on it, whether they start Node.js by path or by name", () => {
    for (const command of [process.execPath, "node"]) {
      const child = spawnSync(command, ["-p", "process.versions.node"], { encoding: "utf8" });
      expect(child.error, command).toBeUndefined();
      expect(child.stdout.trim(), command).toBe(PINNED);
    }
  });

  it("is installed from the lock file: the pinned version for each platform, with its checksum", () => {
    const declared = Object.entries(
      (readJson("package.json") as PackageJson).optionalDependencies ?? {},
    ).filter(([name]) => RUNTIME_PACKAGE.test(name));
    expect(declared.map(([name]) => name)).toContain(OWN_PACKAGE);
    const lock = readJson("package-lock.json") as LockFile;
    for (const [name, range] of declared) {
      // An exact version: a range would let a later `npm install` move it off `.node-version`.
      expect(range, name).toBe(PINNED);
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry?.version, name).toBe(PINNED);
      expect(entry?.integrity, name).toMatch(/^sha512-/);
      // Optional and tagged with its platform, so npm installs only the one that fits the machine.
      const [, os = "", cpu = ""] = RUNTIME_PACKAGE.exec(name) ?? [];
      expect(entry?.optional, name).toBe(true);
      expect([entry?.os].flat(), name).toEqual([PLATFORM_OF[os]]);
      expect([entry?.cpu].flat(), name).toEqual([cpu]);
    }
  });
});
