import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEdgeCacheSettings, parseEdgeCacheSettings } from "./config";
import { FunctionError } from "../../shared/errors";
import { EdgeCacheSettingsError } from "./errors";

const SETTINGS = {
  maxAgeSeconds: 86_400,
  staleWhileRevalidateSeconds: 3600,
  staleIfErrorSeconds: 604_800,
};

describe("parseEdgeCacheSettings", () => {
  it("reads the three settings", () => {
    expect(parseEdgeCacheSettings({ ...SETTINGS })).toEqual(SETTINGS);
  });

  it("reports every bad or unknown field at once, with its value and what is allowed", () => {
    expect(() =>
      parseEdgeCacheSettings({
        maxAgeSeconds: 0,
        staleWhileRevalidateSeconds: 1.5,
        staleIfErrorSeconds: 31_536_001,
        staleWhileRevalidate: 60,
      }),
    ).toThrow(
      new EdgeCacheSettingsError(
        "cache-settings.json: maxAgeSeconds = 0: expected a whole number of seconds from 1 to 31536000; " +
          "staleWhileRevalidateSeconds = 1.5: expected a whole number of seconds from 1 to 31536000; " +
          "staleIfErrorSeconds = 31536001: expected a whole number of seconds from 1 to 31536000; " +
          "staleWhileRevalidate: unknown setting; known settings are maxAgeSeconds, staleWhileRevalidateSeconds, staleIfErrorSeconds",
      ),
    );
  });

  it("names a missing field", () => {
    expect(() => parseEdgeCacheSettings({ maxAgeSeconds: 60, staleIfErrorSeconds: 60 })).toThrow(
      "staleWhileRevalidateSeconds = undefined: expected a whole number of seconds from 1 to 31536000",
    );
  });

  it.each([null, [], "86400"])("refuses %j, which is not an object", (raw) => {
    expect(() => parseEdgeCacheSettings(raw)).toThrow(/expected an object with maxAgeSeconds/);
  });
});

describe("loadEdgeCacheSettings", () => {
  const directory = mkdtempSync(join(tmpdir(), "edge-settings-"));
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("refuses a file that is not JSON, quoting it", () => {
    writeFileSync(join(directory, "cache-settings.json"), "max-age=60");
    expect(() => loadEdgeCacheSettings(directory)).toThrow(
      new EdgeCacheSettingsError("cache-settings.json = max-age=60: not JSON"),
    );
  });
});

describe("EdgeCacheSettingsError", () => {
  it("is a function error whose code is its name", () => {
    const error = new EdgeCacheSettingsError("cache-settings.json: not JSON");
    expect(error).toBeInstanceOf(FunctionError);
    expect(error.name).toBe("EdgeCacheSettingsError");
  });
});
