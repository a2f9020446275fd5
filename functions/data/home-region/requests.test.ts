import { describe, expect, it } from "vitest";
import { InvalidIdentityError, InvalidRequestError } from "./errors";
import { parseEvent } from "./requests";
import {
  LOOKUP_FROM_US,
  MOVE_SAUDI_TO_US,
  REGISTER_SAUDI,
  SAUDI_IDENTITY,
} from "./fixtures/events";
import { DIRECTORY, thrown } from "./test-support";

const SAUDI_NORMALIZED = "nora.alqahtani@example.sa";

describe("parseEvent", () => {
  it("parses each action and normalizes the identity", () => {
    expect(parseEvent(LOOKUP_FROM_US, DIRECTORY)).toEqual({
      action: "lookup",
      identity: SAUDI_NORMALIZED,
    });
    expect(parseEvent(REGISTER_SAUDI, DIRECTORY)).toEqual({
      action: "register",
      identity: SAUDI_NORMALIZED,
      country: "SA",
    });
    expect(parseEvent(MOVE_SAUDI_TO_US, DIRECTORY)).toEqual({
      ...MOVE_SAUDI_TO_US,
      identity: SAUDI_NORMALIZED,
    });
  });

  it("drops properties it does not know", () => {
    expect(parseEvent({ ...LOOKUP_FROM_US, traceId: "abc", homeRegion: 7 }, DIRECTORY)).toEqual({
      action: "lookup",
      identity: SAUDI_NORMALIZED,
    });
  });

  it.each([
    ["not an object", "lookup nora@example.sa", ["event must be an object"]],
    ["null", null, ["event must be an object"]],
    ["an array", [LOOKUP_FROM_US], ["event must be an object"]],
    ["no action", { identity: SAUDI_IDENTITY }, ["action must be one of: lookup, register, move"]],
    [
      "an unknown action",
      { action: "delete", identity: SAUDI_IDENTITY },
      ["action must be one of: lookup, register, move"],
    ],
    [
      "an action in another case",
      { action: "Lookup", identity: SAUDI_IDENTITY },
      ["action must be one of: lookup, register, move"],
    ],
    [
      "register without a country (a region the caller picks is not taken)",
      { action: "register", identity: SAUDI_IDENTITY, homeRegion: "me-south-1" },
      ["country is required"],
    ],
    [
      "register with a country name",
      { ...REGISTER_SAUDI, country: "Saudi Arabia" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with a country in lower case",
      { ...REGISTER_SAUDI, country: "sa" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with the default location as a country",
      { ...REGISTER_SAUDI, country: "*" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with a country that is not a string",
      { ...REGISTER_SAUDI, country: 682 },
      ["country must be a string"],
    ],
    [
      "move with nothing but the identity",
      { action: "move", identity: SAUDI_IDENTITY },
      [
        "fromRegion is required",
        "toRegion is required",
        "reason is required",
        "requestedBy is required",
      ],
    ],
    [
      "move to an unknown region",
      { ...MOVE_SAUDI_TO_US, toRegion: "ap-south-1" },
      ["toRegion must be one of: me-south-1, us-east-1"],
    ],
    [
      "move to the same region",
      { ...MOVE_SAUDI_TO_US, toRegion: "me-south-1" },
      ["toRegion must differ from fromRegion"],
    ],
    ["a blank reason", { ...MOVE_SAUDI_TO_US, reason: "  " }, ["reason must not be blank"]],
    [
      "a reason of 501 characters",
      { ...MOVE_SAUDI_TO_US, reason: "r".repeat(501) },
      ["reason must be at most 500 characters"],
    ],
    [
      "a reason with a control character",
      { ...MOVE_SAUDI_TO_US, reason: "CS-1\nuser asked" },
      ["reason must not contain control characters"],
    ],
    [
      "a reason naming the user by email",
      { ...MOVE_SAUDI_TO_US, reason: `asked by ${SAUDI_IDENTITY.trim()} by phone` },
      ["reason must not contain an email address (use a ticket reference)"],
    ],
    [
      "a reason with a lone surrogate",
      { ...MOVE_SAUDI_TO_US, reason: "CS-1 \ud800" },
      ["reason must be well-formed Unicode"],
    ],
    [
      "an operator given as an email address",
      { ...MOVE_SAUDI_TO_US, requestedBy: "ops@example.com" },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
    [
      "an operator id in upper case",
      { ...MOVE_SAUDI_TO_US, requestedBy: "Ops.Oncall" },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
    [
      "an operator id of 65 characters",
      { ...MOVE_SAUDI_TO_US, requestedBy: "o".repeat(65) },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
  ])("refuses %s", (_, event, issues) => {
    const error = thrown(() => parseEvent(event, DIRECTORY));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).issues).toEqual(issues);
    expect((error as Error).message.toLowerCase()).not.toContain("nora");
  });

  it("accepts a reason of exactly 500 characters, counted in code points", () => {
    const reason = "\u{1F4DD}".repeat(500);
    expect(parseEvent({ ...MOVE_SAUDI_TO_US, reason }, DIRECTORY)).toMatchObject({ reason });
  });

  it("checks the identity after the shape, with InvalidIdentityError", () => {
    expect(thrown(() => parseEvent({ action: "lookup" }, DIRECTORY))).toEqual(
      new InvalidIdentityError("identity is required"),
    );
    const error = thrown(() =>
      parseEvent({ ...REGISTER_SAUDI, identity: "nora at example.sa" }, DIRECTORY),
    );
    expect(error).toBeInstanceOf(InvalidIdentityError);
    expect((error as Error).message).not.toContain("nora");
  });
});
