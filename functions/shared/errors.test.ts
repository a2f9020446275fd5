import { describe, expect, it } from "vitest";
import {
  configurationMessage,
  ConfigurationError,
  FunctionError,
  InternalError,
  toCallerError,
} from "./errors";

class NotFound extends FunctionError {
  override readonly name = "NotFound";
  override get status(): number {
    return 404;
  }
}

describe("configurationMessage", () => {
  it("lists the missing variables first, then every problem", () => {
    expect(configurationMessage(["A", "B"], ["C must be a number"])).toBe(
      "missing environment variables: A, B; C must be a number",
    );
    expect(configurationMessage([], ["C must be a number"])).toBe("C must be a number");
    expect(configurationMessage(["A"])).toBe("missing environment variables: A");
  });
});

describe("ConfigurationError", () => {
  it("keeps the missing variables and problems apart", () => {
    const error = new ConfigurationError(["A"], ["B is bad"]);
    expect(error).toBeInstanceOf(FunctionError);
    expect(error).toMatchObject({
      name: "ConfigurationError",
      missing: ["A"],
      problems: ["B is bad"],
      message: "missing environment variables: A; B is bad",
      status: 500,
    });
  });

  it("puts a heading before the list", () => {
    expect(new ConfigurationError([], ["A is required"], "invalid configuration").message).toBe(
      "invalid configuration: A is required",
    );
  });
});

describe("toCallerError", () => {
  it("hands a FunctionError over as it is", () => {
    const error = new NotFound("course c-1 not found");
    expect(toCallerError(error)).toBe(error);
    expect(toCallerError(error).status).toBe(404);
  });

  it("never hands over a raw message", () => {
    const error = toCallerError(new Error("AccessDenied for user alice@example.com"));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe("internal error");
    expect(toCallerError("text")).toBeInstanceOf(InternalError);
  });

  it("adds no own properties that would change how an error compares", () => {
    expect(Object.keys(new InternalError())).toEqual(["name"]);
  });
});
