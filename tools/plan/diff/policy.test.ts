/** Policy results compared: new and gone by rule, resource and enforcement; IAM failures. */
import { describe, expect, it } from "vitest";
import type { Violation } from "../../../policy/rules";
import { iamFailureLines } from "./base";
import { diffFindings, hasNewMandatory, iamFindings, violationFindings } from "./policy";
import { SecretMask } from "./secrets";

const URN = "urn:pulumi:s::p::kc:data:UserDataStore$aws:dynamodb/table:Table::kc-users";
const mask = new SecretMask([]);

function violation(overrides: Partial<Violation> = {}): Violation {
  return {
    rule: "user-data-residency",
    urn: URN,
    message: "replica in eu-west-1 is outside the allowed regions",
    enforcement: "mandatory",
    ...overrides,
  };
}

const findings = (violations: readonly Violation[]) => violationFindings(violations, mask);

describe("diffFindings", () => {
  it("keys a violation by rule, resource and enforcement, and ignores a message that changed", () => {
    const diff = diffFindings(
      findings([violation()]),
      findings([violation({ message: "replica in eu-west-2 is outside the allowed regions" })]),
    );
    expect(diff).toEqual({ added: [], removed: [] });
  });

  it("names a new mandatory violation, which fails the diff", () => {
    const diff = diffFindings([], findings([violation()]));
    expect(diff.added).toEqual([
      {
        rule: "user-data-residency",
        resource: "aws:dynamodb/table:Table::kc-users",
        enforcement: "mandatory",
        message: "replica in eu-west-1 is outside the allowed regions",
      },
    ]);
    expect(hasNewMandatory(diff)).toBe(true);
  });

  it("does not fail on a new advisory violation, a mandatory one gone, or one made advisory", () => {
    const advisory = violation({ rule: "data-class-tag", enforcement: "advisory" });
    expect(hasNewMandatory(diffFindings([], findings([advisory])))).toBe(false);
    const gone = diffFindings(findings([violation()]), []);
    expect(gone.removed.map((f) => f.rule)).toEqual(["user-data-residency"]);
    expect(hasNewMandatory(gone)).toBe(false);
    const relaxed = diffFindings(
      findings([violation()]),
      findings([violation({ enforcement: "advisory" })]),
    );
    expect(relaxed.added.map((f) => f.enforcement)).toEqual(["advisory"]);
    expect(relaxed.removed.map((f) => f.enforcement)).toEqual(["mandatory"]);
    expect(hasNewMandatory(relaxed)).toBe(false);
  });

  it("counts a second violation of one kind as new", () => {
    const other = violation({ message: "another replica" });
    const diff = diffFindings(findings([violation()]), findings([violation(), other]));
    expect(diff.added.map((f) => f.message)).toEqual(["another replica"]);
    expect(hasNewMandatory(diff)).toBe(true);
  });

  it("treats an IAM failure as mandatory, matched by the path it names", () => {
    const stderr = [
      "IAM me-south-1: 62 paths allowed, 125 denied as required; 1 path(s) failed, 0 other problem(s)",
      "IAM me-south-1: tokenize kms:Encrypt on key/user-data: denied, must be allowed (why; detail)",
      "mandatory policy violations; see the report",
    ].join("\n");
    const lines = iamFailureLines(stderr);
    expect(lines).toEqual({
      "me-south-1": [
        "IAM me-south-1: tokenize kms:Encrypt on key/user-data: denied, must be allowed (why; detail)",
      ],
    });
    const failing = iamFindings(lines["me-south-1"] ?? [], mask);
    expect(hasNewMandatory(diffFindings([], failing))).toBe(true);
    expect(diffFindings(failing, failing)).toEqual({ added: [], removed: [] });
    expect(failing[0]?.message).toBe(
      "tokenize kms:Encrypt on key/user-data: denied, must be allowed (why; detail)",
    );
  });

  it("masks known secrets in messages", () => {
    const leaky = violation({ message: "password Planted-Secret-Value is weak" });
    const masked = violationFindings([leaky], new SecretMask(["Planted-Secret-Value"]));
    expect(masked[0]?.message).toBe("password [secret] is weak");
  });
});
