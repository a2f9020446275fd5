import { describe, expect, it } from "vitest";
import { readQoeRollupEnvironment } from "./qoe-rollup-environment";

describe("readQoeRollupEnvironment", () => {
  it("takes the defaults when the variables are unset or empty", () => {
    expect(readQoeRollupEnvironment({})).toEqual({ graceMinutes: 5, lookbackHours: 48 });
    expect(readQoeRollupEnvironment({ ROLLUP_GRACE_MINUTES: "" })).toEqual({
      graceMinutes: 5,
      lookbackHours: 48,
    });
  });

  it("reads whole numbers within the bounds", () => {
    expect(
      readQoeRollupEnvironment({ ROLLUP_GRACE_MINUTES: "0", ROLLUP_LOOKBACK_HOURS: "744" }),
    ).toEqual({ graceMinutes: 0, lookbackHours: 744 });
  });

  it("names the variable, the bounds and the value it refuses", () => {
    expect(() => readQoeRollupEnvironment({ ROLLUP_GRACE_MINUTES: "121" })).toThrow(
      'ROLLUP_GRACE_MINUTES: expected a whole number from 0 to 120, got "121"',
    );
    for (const text of ["0", "1.5", "-3", "48h", "1e3"]) {
      expect(() => readQoeRollupEnvironment({ ROLLUP_LOOKBACK_HOURS: text }), text).toThrow(
        `ROLLUP_LOOKBACK_HOURS: expected a whole number from 1 to 744, got "${text}"`,
      );
    }
  });
});
