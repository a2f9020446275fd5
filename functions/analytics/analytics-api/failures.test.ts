import { ClickHouseError } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import { BadRequest, DeadlineExceeded, QueryFailed, StoreUnavailable } from "./errors";
import { answerFor, clickHouseErrorCode } from "./failures";

function systemError(code: string, cause?: Error): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:8123`, { cause }), { code });
}

describe("what a failed query is answered with", () => {
  it.each([
    ["a refused connection", systemError("ECONNREFUSED"), StoreUnavailable],
    ["a reset connection", systemError("ECONNRESET"), StoreUnavailable],
    ["an unknown host", systemError("ENOTFOUND"), StoreUnavailable],
    [
      "a wrapped network error",
      new Error("request failed", { cause: systemError("EHOSTUNREACH") }),
      StoreUnavailable,
    ],
    ["the client's socket timeout", new Error("Timeout error."), DeadlineExceeded],
    [
      "an 18.16 timeout",
      new Error("Code: 159, e.displayText() = DB::Exception: Timeout exceeded"),
      DeadlineExceeded,
    ],
    [
      "a killed query",
      new Error("Code: 394, e.displayText() = DB::Exception: Query was cancelled"),
      DeadlineExceeded,
    ],
    [
      "a current memory limit",
      new ClickHouseError({
        message: "Memory limit (total) exceeded",
        code: "241",
        type: "MEMORY_LIMIT_EXCEEDED",
      }),
      StoreUnavailable,
    ],
    [
      "too many queries",
      new ClickHouseError({
        message: "Too many simultaneous queries",
        code: "202",
        type: "TOO_MANY_SIMULTANEOUS_QUERIES",
      }),
      StoreUnavailable,
    ],
    [
      "a missing table",
      new ClickHouseError({ message: "Table does not exist", code: "60", type: "UNKNOWN_TABLE" }),
      QueryFailed,
    ],
    [
      "a syntax error",
      new Error("Code: 62, e.displayText() = DB::Exception: Syntax error"),
      QueryFailed,
    ],
    ["a file system error", systemError("EACCES"), QueryFailed],
    ["a thrown string", "boom", QueryFailed],
  ])("answers %s with its class", (_, error, expected) => {
    expect(answerFor(error)).toBeInstanceOf(expected);
  });

  it("answers a caller's mistake as it is", () => {
    const mistake = new BadRequest("to must be after from");
    expect(answerFor(mistake)).toBe(mistake);
  });

  it("reads ClickHouse codes from either server's errors, and nothing from other text", () => {
    expect(clickHouseErrorCode(new Error("Code: 241, e.displayText() = ..."))).toBe(241);
    expect(clickHouseErrorCode(new ClickHouseError({ message: "m", code: "159" }))).toBe(159);
    expect(clickHouseErrorCode(new Error("the query said Code: 241, then"))).toBeUndefined();
    expect(clickHouseErrorCode(systemError("ECONNREFUSED"))).toBeUndefined();
    expect(clickHouseErrorCode("Code: 241,")).toBeUndefined();
  });
});
