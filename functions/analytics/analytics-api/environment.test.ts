import { describe, expect, it } from "vitest";
import { readEnvironment, readLakeEnvironment } from "./environment";

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
});
