/**
 * The policy results of two plans compared: which violations are new and which are gone, by rule,
 * resource (type and name, as the resource comparison keys it) and enforcement. IAM failures of
 * the offline plan (`../iam/check.ts`) count as mandatory findings of the rule `iam`, as the plan
 * itself treats them (`npm run plan` exits 1 on either).
 */
import type { Violation } from "../../../policy/rules";
import { keyOfUrn } from "./resources";
import type { SecretMask } from "./secrets";

/** The rule name IAM failures are reported under. */
export const IAM_RULE = "iam";

/** One policy result. */
export interface Finding {
  readonly rule: string;
  /** `type::name` of the resource; empty for an IAM failure, whose message names its path. */
  readonly resource: string;
  readonly enforcement: string;
  readonly message: string;
}

/** How the policy results differ. */
export interface PolicyDiff {
  readonly added: readonly Finding[];
  readonly removed: readonly Finding[];
}

/** A plan's violations as findings, their messages masked. */
export function violationFindings(violations: readonly Violation[], mask: SecretMask): Finding[] {
  return violations.map((v) => ({
    rule: v.rule,
    resource: keyOfUrn(v.urn),
    enforcement: v.enforcement,
    message: mask.text(v.message),
  }));
}

/** IAM failure lines (`IAM <stack>: ...`, as `npm run plan` prints them) as findings. */
export function iamFindings(lines: readonly string[], mask: SecretMask): Finding[] {
  return lines.map((line) => ({
    rule: IAM_RULE,
    resource: "",
    enforcement: "mandatory",
    message: mask.text(line.replace(/^IAM [^:]+: /, "")),
  }));
}

/**
 * What a finding is, for matching: its rule, resource and enforcement; for an IAM failure, which
 * names no resource, the message too. A violation whose message alone changed (a value in it) is
 * neither new nor gone.
 */
function identity(finding: Finding): string {
  return [
    finding.rule,
    finding.resource,
    finding.enforcement,
    finding.rule === IAM_RULE ? finding.message : "",
  ].join("\u0000");
}

/** Compares two plans' findings as multisets: one more of a kind is one new. */
export function diffFindings(before: readonly Finding[], after: readonly Finding[]): PolicyDiff {
  const group = (findings: readonly Finding[]) => {
    const groups = new Map<string, Finding[]>();
    for (const finding of findings) {
      const id = identity(finding);
      groups.set(id, [...(groups.get(id) ?? []), finding]);
    }
    return groups;
  };
  const old = group(before);
  const now = group(after);
  const excess = (mine: Map<string, Finding[]>, theirs: Map<string, Finding[]>): Finding[] =>
    [...mine].flatMap(([id, findings]) => {
      const messages = (theirs.get(id) ?? []).map((f) => f.message);
      // Of several of a kind, the ones whose messages the other side lacks are the new ones.
      const unmatched = findings.filter((f) => !messages.includes(f.message));
      const matched = findings.filter((f) => messages.includes(f.message));
      return [...unmatched, ...matched].slice(0, Math.max(0, findings.length - messages.length));
    });
  const order = (a: Finding, b: Finding): number =>
    a.rule.localeCompare(b.rule) ||
    a.resource.localeCompare(b.resource) ||
    a.message.localeCompare(b.message);
  return { added: excess(now, old).sort(order), removed: excess(old, now).sort(order) };
}

/** Whether a difference brings a mandatory finding the base did not have. */
export function hasNewMandatory(diff: PolicyDiff): boolean {
  return diff.added.some((finding) => finding.enforcement === "mandatory");
}
