import { describe, expect, it } from "vitest";
import { FunctionError, InternalError } from "../../shared/errors";
import {
  BadRequest,
  DeadlineExceeded,
  MethodNotAllowed,
  NotFound,
  QueryFailed,
  StoreUnavailable,
  retryAfterOf,
} from "./errors";

describe("the analytics API's errors", () => {
  it.each([
    [new BadRequest("to must be after from"), "BadRequest", 400, "to must be after from"],
    [new NotFound(), "NotFound", 404, "not found"],
    [new MethodNotAllowed(), "MethodNotAllowed", 405, "method not allowed"],
    [new QueryFailed(), "QueryFailed", 500, "the query failed"],
    [
      new StoreUnavailable(),
      "StoreUnavailable",
      503,
      "the analytics store is unavailable, try again later",
    ],
    [
      new DeadlineExceeded(),
      "DeadlineExceeded",
      504,
      "the query took too long and was cancelled, try a shorter range or later",
    ],
  ])("%s answers its status with a fixed body", (error, name, status, message) => {
    expect(error).toBeInstanceOf(FunctionError);
    expect({ name: error.name, status: error.status, message: error.message }).toEqual({
      name,
      status,
      message,
    });
  });

  it("answers an unexpected failure with the shared internal error", () => {
    expect({ status: new InternalError().status, message: new InternalError().message }).toEqual({
      status: 500,
      message: "internal error",
    });
  });

  it("says when to retry only where retrying helps", () => {
    expect(retryAfterOf(new StoreUnavailable())).toBe(5);
    expect(retryAfterOf(new DeadlineExceeded())).toBe(10);
    expect(retryAfterOf(new DeadlineExceeded(30))).toBe(30);
    expect(retryAfterOf(new QueryFailed())).toBeUndefined();
    expect(retryAfterOf(new BadRequest("x"))).toBeUndefined();
    expect(retryAfterOf(new InternalError())).toBeUndefined();
  });
});
