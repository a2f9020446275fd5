import { describe, expect, it } from "vitest";
import type { MonolithArgs } from "./monolith";
import {
  DEFAULT_LARGE_BODY_PATH_PREFIXES,
  monolithArgsProblems,
  resolveMonolithArgs,
} from "./monolith-args";

// Only the tunable fields are read; the rest of the arguments is irrelevant here.
const argsWith = (overrides: Partial<MonolithArgs>): MonolithArgs => overrides as MonolithArgs;

describe("The monolith's resolved arguments", () => {
  it("applies the documented defaults", () => {
    expect(resolveMonolithArgs(argsWith({}))).toEqual({
      instanceType: "m7g.large",
      minSize: 2,
      maxSize: 6,
      desiredCapacity: 2,
      cpuTargetPercent: 60,
      memoryTargetPercent: 70,
      healthCheckPath: "/health",
      rateLimitPerFiveMinutes: 2000,
      largeBodyPathPrefixes: DEFAULT_LARGE_BODY_PATH_PREFIXES,
      logRetentionDays: 365,
    });
  });

  it("starts the group at its minimum size unless told otherwise", () => {
    expect(resolveMonolithArgs(argsWith({ minSize: 3 })).desiredCapacity).toBe(3);
    expect(resolveMonolithArgs(argsWith({ minSize: 3, desiredCapacity: 4 })).desiredCapacity).toBe(
      4,
    );
  });

  it("accepts the defaults", () => {
    expect(monolithArgsProblems(resolveMonolithArgs(argsWith({})), ["api.example.com"])).toEqual(
      [],
    );
  });

  it("reports every problem at once, each with its value", () => {
    const resolved = resolveMonolithArgs(
      argsWith({ minSize: 5, maxSize: 3, desiredCapacity: 9, largeBodyPathPrefixes: ["/"] }),
    );
    expect(monolithArgsProblems(resolved, [])).toEqual([
      "minSize 5 is larger than maxSize 3",
      "desiredCapacity 9 is outside minSize..maxSize (5..3)",
      "at least one hostname is needed",
      'largeBodyPathPrefixes[0] = "/": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
    ]);
  });
});
