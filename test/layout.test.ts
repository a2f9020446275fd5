/**
 * The tree's rules, which a reader relies on to find things: infrastructure and runtime code meet
 * only in contracts/, contracts/ depends on nothing, the program and the offline plan stand on their
 * own (the tests import the plan's engine, not the other way round), and every source file has one
 * purpose.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../stacks/stack-files";

const SOURCE_ROOTS = [
  "components",
  "functions",
  "contracts",
  "stacks",
  "tools",
  "policy",
  "charts",
];

/** Every TypeScript file under `folder`, relative to the project root. */
function typeScriptFiles(folder: string): string[] {
  return readdirSync(join(PROJECT_ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      return entry.name === "node_modules" || entry.name === "upstream"
        ? []
        : typeScriptFiles(path);
    }
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const FILES = SOURCE_ROOTS.flatMap(typeScriptFiles);
/** Tests and what only tests use: fixtures and test support. */
const isTest = (path: string): boolean => /(\.test|\.fixtures|test-support)\.ts$/.test(path);

/** The project files `file` imports (relative specifiers resolved against the project root). */
function localImports(file: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, file), "utf8");
  const specifiers = [
    ...text.matchAll(/(?:from|import|vi\.mock|require)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g),
  ].map((match) => match[1] ?? "");
  return specifiers.map((specifier) =>
    relative(PROJECT_ROOT, resolve(PROJECT_ROOT, dirname(file), specifier)),
  );
}

function violations(from: (file: string) => boolean, to: (target: string) => boolean): string[] {
  return FILES.filter(from).flatMap((file) =>
    localImports(file)
      .filter(to)
      .map((target) => `${file} imports ${target}`),
  );
}

const under =
  (...folders: string[]) =>
  (path: string): boolean =>
    folders.some((folder) => path === folder || path.startsWith(`${folder}/`));

describe("the tree", () => {
  it("reads every source root", () => {
    for (const root of SOURCE_ROOTS) {
      expect(FILES.some(under(root)), root).toBe(true);
    }
  });

  it("keeps components/ and functions/ apart: both import contracts/, never each other", () => {
    const source = (path: string): boolean => !isTest(path);
    expect(violations((f) => under("components")(f) && source(f), under("functions"))).toEqual([]);
    expect(violations((f) => under("functions")(f) && source(f), under("components"))).toEqual([]);
    // Component tests read functions through contracts/ too; a function's test may bundle its
    // handler with the program's own bundler, to test what is deployed.
    expect(violations(under("components"), under("functions"))).toEqual([]);
  });

  it("has contracts/ import nothing of the project but itself", () => {
    expect(violations(under("contracts"), (target) => !under("contracts")(target))).toEqual([]);
  });

  it("has the program and the offline plan import nothing from test/", () => {
    const source = (path: string): boolean => !isTest(path);
    expect(
      violations((f) => under("tools/plan", "stacks", "components")(f) && source(f), under("test")),
    ).toEqual([]);
  });

  it("keeps every source file under 600 lines", () => {
    const long = FILES.filter((file) => !isTest(file))
      .map(
        (file) =>
          [file, readFileSync(join(PROJECT_ROOT, file), "utf8").split("\n").length] as const,
      )
      .filter(([, lines]) => lines > 600)
      .map(([file, lines]) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});
