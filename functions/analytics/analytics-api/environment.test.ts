import { describe, expect, it } from "vitest";
import { readApiSettings, readEnvironment, readLakeEnvironment } from "./environment";

const BASE = {
  CLICKHOUSE_URL: "http://clickhouse-clickhouse.clickhouse.svc.cluster.local:8123",
  CLICKHOUSE_DATABASE: "analytics",
  CLICKHOUSE_USER: "api",
  CLICKHOUSE_PASSWORD: "s3cret",
};

describe("the service's environment", () => {
  it("parses with defaults", () => {
    expect(readEnvironment(BASE)).toEqual({ ...BASE, PORT: 8080 });
    expect(
      readEnvironment({
        ...BASE,
        PORT: "9000",
        CLICKHOUSE_CLUSTER: "analytics",
        RAW_RETENTION_DAYS: "90",
      }),
    ).toMatchObject({ PORT: 9000, CLICKHOUSE_CLUSTER: "analytics", RAW_RETENTION_DAYS: 90 });
  });

  it.each([
    [{ ...BASE, CLICKHOUSE_URL: "ftp://x" }, "CLICKHOUSE_URL: expected an http(s) URL"],
    [
      { ...BASE, CLICKHOUSE_DATABASE: "Analytics; DROP" },
      "CLICKHOUSE_DATABASE: expected a database name",
    ],
    [{ ...BASE, PORT: "eighty" }, "PORT: expected a port number"],
    [{ ...BASE, CLICKHOUSE_PASSWORD: "" }, "CLICKHOUSE_PASSWORD: expected the user's password"],
  ])("stops with one line naming the variable %#", (env, message) => {
    expect(() => readEnvironment(env)).toThrow(message);
  });

  it("parses the lake loader's variables, with defaults, and names a bad one", () => {
    expect(readLakeEnvironment({ LAKE_BUCKET: "kc-lake", LAKE_REGION: "me-south-1" })).toEqual({
      LAKE_BUCKET: "kc-lake",
      LAKE_REGION: "me-south-1",
      LAKE_PREFIX: "curated/learning-events/",
      LOAD_DAYS_BACK: 3,
    });
    expect(() => readLakeEnvironment({ LAKE_BUCKET: "kc-lake", LAKE_REGION: "mars" })).toThrow(
      "LAKE_REGION: expected an AWS region code",
    );
  });

  it("gives the API server's bounds sane defaults, and names a bad one", () => {
    expect(readApiSettings({})).toEqual({
      REQUEST_TIMEOUT_MS: 10_000,
      CACHE_TTL_MS: 5_000,
      CACHE_MAX_ENTRIES: 500,
      CACHE_MAX_BYTES: 16 * 1024 * 1024,
      CLICKHOUSE_MAX_CONNECTIONS: 10,
      QUERY_MAX_MEMORY_BYTES: 2 * 1024 * 1024 * 1024,
      QUERY_MAX_RESULT_ROWS: 20_000,
      QUERY_MAX_RESULT_BYTES: 16 * 1024 * 1024,
    });
    expect(readApiSettings({ CACHE_TTL_MS: "0", REQUEST_TIMEOUT_MS: "3000" })).toMatchObject({
      CACHE_TTL_MS: 0,
      REQUEST_TIMEOUT_MS: 3_000,
    });
    expect(() => readApiSettings({ REQUEST_TIMEOUT_MS: "50" })).toThrow(
      "REQUEST_TIMEOUT_MS: expected an integer from 100 to 120000",
    );
    expect(() => readApiSettings({ CACHE_TTL_MS: "5s" })).toThrow(
      "CACHE_TTL_MS: expected an integer from 0 to 300000",
    );
    expect(() => readApiSettings({ CLICKHOUSE_MAX_CONNECTIONS: "0" })).toThrow(
      "CLICKHOUSE_MAX_CONNECTIONS: expected an integer from 1 to 1000",
    );
  });
});
