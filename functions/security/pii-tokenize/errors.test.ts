import { describe, expect, it } from "vitest";
import { KeyServiceError, VaultIntegrityError } from "./errors";
import { ConfigurationError, InternalError, toCallerError } from "../../shared/errors";

describe("errors", () => {
  it("have fixed names", () => {
    expect(new ConfigurationError(["A", "B"]).message).toBe("missing environment variables: A, B");
    expect(new KeyServiceError("Encrypt")).toMatchObject({
      name: "KeyServiceError",
      message: "key service call Encrypt failed",
    });
    expect(new VaultIntegrityError("tok_x", "why").name).toBe("VaultIntegrityError");
  });

  it("hides anything that is not ours", () => {
    const raw = new Error("ValidationException: value 'jane@example.com' is invalid");
    expect(toCallerError(raw)).toBeInstanceOf(InternalError);
    expect(toCallerError(raw).message).toBe("internal error");
    const ours = new KeyServiceError("Decrypt");
    expect(toCallerError(ours)).toBe(ours);
  });
});
