import { describe, expect, it } from "vitest";
import { list, record } from "../../tools/plan/engine";
import {
  BODY_SIZE_LABEL,
  largeBodyPathPrefixProblems,
  MANAGED_RULE_GROUPS,
  webAclRules,
} from "./waf-rules";

/** What a web ACL sees of a request, for the rules below. */
interface Request {
  /** The path as sent, percent-encoded where the client encoded it. */
  readonly uri: string;
  readonly bodyBytes: number;
}

/**
 * The Common rule set's 8 KB body rule labels every request whose body is over 8 KB and blocks it
 * unless the web ACL overrides its action (AWS WAF developer guide, baseline rule groups).
 */
const COMMON_BODY_LIMIT_BYTES = 8192;

/** URL_DECODE, then NORMALIZE_PATH (repeated slashes, `.` and `..` segments), as AWS WAF does. */
function transform(value: string, transformations: readonly unknown[]): string {
  const ordered = transformations
    .map(record)
    .sort((a, b) => Number(a.priority) - Number(b.priority))
    .map((t) => String(t.type));
  return ordered.reduce((text, type) => {
    switch (type) {
      case "NONE":
        return text;
      case "URL_DECODE":
        return decodeURIComponent(text);
      case "NORMALIZE_PATH": {
        const segments: string[] = [];
        for (const segment of text.split("/").slice(1)) {
          if (segment === "..") {
            segments.pop();
          } else if (segment !== "." && segment !== "") {
            segments.push(segment);
          }
        }
        const trailing = text.endsWith("/") && segments.length > 0 ? "/" : "";
        return `/${segments.join("/")}${trailing}`;
      }
      default:
        throw new Error(`the model has no text transformation ${type}`);
    }
  }, value);
}

/** Whether a (non-managed) statement matches, for the statement types the platform uses. */
function matches(
  statement: Record<string, unknown>,
  request: Request,
  labels: Set<string>,
): boolean {
  const [[kind, body] = []] = Object.entries(statement);
  const inner = record(body);
  switch (kind) {
    case "labelMatchStatement":
      expect(inner.scope).toBe("LABEL");
      return labels.has(String(inner.key));
    case "andStatement":
      return list(inner.statements).every((s) => matches(record(s), request, labels));
    case "orStatement":
      return list(inner.statements).some((s) => matches(record(s), request, labels));
    case "notStatement":
      return !matches(record(inner.statement), request, labels);
    case "byteMatchStatement": {
      expect(Object.keys(record(inner.fieldToMatch))).toEqual(["uriPath"]);
      expect(inner.positionalConstraint).toBe("STARTS_WITH");
      const path = transform(request.uri, list(inner.textTransformations));
      return path.startsWith(String(inner.searchString));
    }
    default:
      throw new Error(`the model has no statement ${String(kind)}`);
  }
}

/** The verdict of the web ACL's rules on one request (rate limits left out). */
function verdict(rules: ReturnType<typeof webAclRules>, request: Request): "allow" | "block" {
  const labels = new Set<string>();
  const ordered = rules
    .map((rule) => record(rule))
    .sort((a, b) => Number(a.priority) - Number(b.priority));
  for (const rule of ordered) {
    const statement = record(rule.statement);
    if (statement.rateBasedStatement !== undefined) {
      continue;
    }
    const group = statement.managedRuleGroupStatement;
    if (group !== undefined) {
      const managed = record(group);
      if (
        managed.name === "AWSManagedRulesCommonRuleSet" &&
        request.bodyBytes > COMMON_BODY_LIMIT_BYTES
      ) {
        labels.add(BODY_SIZE_LABEL);
        const counted = list(managed.ruleActionOverrides ?? [])
          .map(record)
          .some(
            (o) => o.name === "SizeRestrictions_BODY" && record(o.actionToUse).count !== undefined,
          );
        if (!counted) {
          return "block";
        }
      }
      continue;
    }
    if (matches(statement, request, labels) && record(rule.action).block !== undefined) {
      return "block";
    }
  }
  return "allow";
}

const BIG = 20 * 1024;
const SMALL = 2 * 1024;

describe("webAclRules and large request bodies", () => {
  it("keeps the 8 KB body limit everywhere when no path takes larger bodies", () => {
    const rules = webAclRules("edge", 2000);
    expect(verdict(rules, { uri: "/api/courses", bodyBytes: BIG })).toBe("block");
    expect(verdict(rules, { uri: "/login", bodyBytes: SMALL })).toBe("allow");
    expect(rules.map((rule) => rule.name)).toEqual([...MANAGED_RULE_GROUPS, "RateLimitPerIp"]);
  });

  it("lets bodies over 8 KB through under the large-body paths, and only there", () => {
    const rules = webAclRules("app-waf", 2000, ["/api/"]);
    expect(verdict(rules, { uri: "/api/courses/42/lessons", bodyBytes: BIG })).toBe("allow");
    expect(verdict(rules, { uri: "/api/", bodyBytes: BIG })).toBe("allow");
    expect(verdict(rules, { uri: "/login", bodyBytes: BIG })).toBe("block");
    expect(verdict(rules, { uri: "/apix/import", bodyBytes: BIG })).toBe("block");
    expect(verdict(rules, { uri: "/api", bodyBytes: BIG })).toBe("block");
    // Paths that only look like the prefix until the app resolves them.
    expect(verdict(rules, { uri: "/api/../admin/import", bodyBytes: BIG })).toBe("block");
    expect(verdict(rules, { uri: "/api/%2e%2e/admin/import", bodyBytes: BIG })).toBe("block");
    expect(verdict(rules, { uri: "//api/courses", bodyBytes: BIG })).toBe("allow");
    // Small bodies were never the managed rule's business.
    expect(verdict(rules, { uri: "/login", bodyBytes: SMALL })).toBe("allow");
  });

  it("accepts several prefixes", () => {
    const rules = webAclRules("app-waf", 2000, ["/api/", "/uploads/scorm/"]);
    expect(verdict(rules, { uri: "/uploads/scorm/pkg", bodyBytes: BIG })).toBe("allow");
    expect(verdict(rules, { uri: "/api/x", bodyBytes: BIG })).toBe("allow");
    expect(verdict(rules, { uri: "/uploads/other", bodyBytes: BIG })).toBe("block");
  });

  it("decides on the label and the path only, so bodies beyond what WAF inspects change nothing", () => {
    const rules = webAclRules("app-waf", 2000, ["/api/"]);
    const custom = rules.filter(
      (rule) => record(rule.statement).managedRuleGroupStatement === undefined,
    );
    // No rule of ours inspects the body: its oversize handling never applies.
    expect(JSON.stringify(custom)).not.toMatch(/"body"|"jsonBody"|oversizeHandling/);
    expect(verdict(rules, { uri: "/api/x", bodyBytes: 10 * 1024 * 1024 })).toBe("allow");
    expect(verdict(rules, { uri: "/x", bodyBytes: 10 * 1024 * 1024 })).toBe("block");
    expect(new Set(rules.map((rule) => rule.priority)).size).toBe(rules.length);
  });

  it("refuses prefixes that would widen the exception or that WAF cannot match", () => {
    expect(largeBodyPathPrefixProblems(["/api/", "/uploads/scorm/"])).toEqual([]);
    expect(
      largeBodyPathPrefixProblems(["/", "api/", "/api", "/a/../b/", "/a b/", "/api/", "/api/*"]),
    ).toEqual([
      'largeBodyPathPrefixes[0] = "/": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
      'largeBodyPathPrefixes[1] = "api/": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
      'largeBodyPathPrefixes[2] = "/api": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
      'largeBodyPathPrefixes[3] = "/a/../b/": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
      'largeBodyPathPrefixes[4] = "/a b/": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
      'largeBodyPathPrefixes[6] = "/api/*": expected a path prefix such as "/api/": it starts and ends with "/", its segments are letters, digits, ".", "_", "~" or "-" and none is "." or ".."',
    ]);
    expect(largeBodyPathPrefixProblems(["/api/", "/api/"])).toEqual([
      'largeBodyPathPrefixes[1] = "/api/": listed twice',
    ]);
    expect(largeBodyPathPrefixProblems([`/${"a".repeat(200)}/`])).toEqual([
      `largeBodyPathPrefixes[0] has 202 characters: AWS WAF matches at most 200`,
    ]);
    const many = Array.from({ length: 11 }, (_, i) => `/p${i}/`);
    expect(largeBodyPathPrefixProblems(many)).toEqual([
      "largeBodyPathPrefixes has 11 prefixes: at most 10",
    ]);
    expect(() => webAclRules("app-waf", 2000, ["/"])).toThrow(
      'largeBodyPathPrefixes[0] = "/": expected a path prefix',
    );
  });
});
