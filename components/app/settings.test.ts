import { describe, expect, it } from "vitest";
import { monolithProblems, monolithSettingsSchema } from "./settings";

describe("monolith settings", () => {
  it("resolves every default from nothing", () => {
    expect(monolithSettingsSchema.parse(undefined)).toEqual({
      mode: "ec2",
      instanceType: "m7g.large",
      minSize: 2,
      maxSize: 6,
      cpuTargetPercent: 60,
      memoryTargetPercent: 70,
      healthCheckPath: "/health",
      rateLimitPerFiveMinutes: 2000,
    });
  });

  it("finds sizes out of order, with paths inside the monolith's settings", () => {
    const settings = monolithSettingsSchema.parse({ minSize: 4, maxSize: 3, desiredCapacity: 9 });
    expect(monolithProblems(settings)).toEqual([
      { path: ["maxSize"], input: 3, message: "expected at least minSize (4)" },
      {
        path: ["desiredCapacity"],
        input: 9,
        message: "expected a value from minSize to maxSize (4 to 3)",
      },
    ]);
    expect(monolithProblems(monolithSettingsSchema.parse({ desiredCapacity: 4 }))).toEqual([]);
  });
});
