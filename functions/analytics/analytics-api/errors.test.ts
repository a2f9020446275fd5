import { describe, expect, it } from "vitest";
import { FunctionError, InternalError } from "../../shared/errors";
import { BadRequest, MethodNotAllowed, NotFound, QueryFailed } from "./errors";

describe("the analytics API's errors", () => {
  it.each([
    [new BadRequest("to must be after from"), "BadRequest", 400, "to must be after from"],
    [new NotFound(), "NotFound", 404, "not found"],
    [new MethodNotAllowed(), "MethodNotAllowed", 405, "method not allowed"],
    [new QueryFailed(), "QueryFailed", 500, "the query failed"],
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
});
