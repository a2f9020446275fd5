import { describe, expect, it } from "vitest";
import {
  defaultContentSecurityPolicy,
  EDGE_DEFAULTS,
  edgeHostNames,
  edgeSettingsProblems,
  MAX_CONTENT_SECURITY_POLICY_LENGTH,
  PERMISSIONS_POLICY,
  validationRecordFor,
  type EdgeSettings,
} from "./edge-policies";

const DOMAIN = "knowledgecity.com";
const DEFAULTS: EdgeSettings = {
  ...EDGE_DEFAULTS,
  contentSecurityPolicy: defaultContentSecurityPolicy(DOMAIN),
};

describe("edgeSettingsProblems", () => {
  it("accepts the defaults and the bounds", () => {
    expect(edgeSettingsProblems(DOMAIN, DEFAULTS)).toEqual([]);
    expect(
      edgeSettingsProblems("learn.knowledgecity.co.uk", {
        ...DEFAULTS,
        priceClass: "PriceClass_100",
        rateLimitPerFiveMinutes: 10,
        courseContentTtlSeconds: 86_400,
        spaIndexTtlSeconds: 3600,
        assetTtlSeconds: 1,
        contentSecurityPolicy: "x".repeat(MAX_CONTENT_SECURITY_POLICY_LENGTH),
      }),
    ).toEqual([]);
  });

  it.each([
    ["KnowledgeCity.com", "expected a lower-case DNS name"],
    ["knowledgecity", "expected a lower-case DNS name"],
    ["-bad.knowledgecity.com", "expected a lower-case DNS name"],
    ["knowledgecity.com.", "expected a lower-case DNS name"],
    ["https://knowledgecity.com", "expected a lower-case DNS name"],
    ["www.knowledgecity.com", "expected the apex"],
  ])("refuses the domain %s", (domain, problem) => {
    const problems = edgeSettingsProblems(domain, DEFAULTS);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`domain = "${domain}": ${problem}`);
  });

  it("names every setting out of bounds, with its value and the bounds", () => {
    expect(
      edgeSettingsProblems(DOMAIN, {
        priceClass: "PriceClass_300" as EdgeSettings["priceClass"],
        rateLimitPerFiveMinutes: 2_000_000_001,
        courseContentTtlSeconds: 86_401,
        spaIndexTtlSeconds: 3601,
        assetTtlSeconds: 31_536_001,
        contentSecurityPolicy: "x".repeat(MAX_CONTENT_SECURITY_POLICY_LENGTH + 1),
      }),
    ).toEqual([
      'priceClass = "PriceClass_300": expected one of PriceClass_All, PriceClass_200, PriceClass_100',
      "rateLimitPerFiveMinutes = 2000000001: expected an integer from 10 to 2000000000",
      "courseContentTtlSeconds = 86401: expected an integer from 1 to 86400",
      "spaIndexTtlSeconds = 3601: expected an integer from 1 to 3600",
      "assetTtlSeconds = 31536001: expected an integer from 1 to 31536000",
      "contentSecurityPolicy has 1784 characters: CloudFront allows at most 1783",
    ]);
  });

  it("refuses a CSP with a line break, which would split the header", () => {
    expect(
      edgeSettingsProblems(DOMAIN, {
        ...DEFAULTS,
        contentSecurityPolicy: "default-src 'self';\nscript-src 'self'",
      }),
    ).toEqual(["contentSecurityPolicy contains a line break or another control character"]);
  });
});

describe("defaultContentSecurityPolicy", () => {
  const policy = defaultContentSecurityPolicy(DOMAIN);
  const directives = new Map(
    policy.split("; ").map((directive) => {
      const [name = "", ...values] = directive.split(" ");
      return [name, values] as const;
    }),
  );

  it("lets the SPA call its API and the platform's hosts, nothing else", () => {
    expect(directives.get("connect-src")).toEqual([
      "'self'",
      "https://api.knowledgecity.com",
      "https://*.knowledgecity.com",
    ]);
    expect(directives.get("default-src")).toEqual(["'self'"]);
  });

  it("allows no inline or foreign script, no plugins and no framing", () => {
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy).not.toContain("unsafe");
    expect(policy.length).toBeLessThanOrEqual(MAX_CONTENT_SECURITY_POLICY_LENGTH);
  });

  it("keeps the Permissions-Policy to full screen from this origin", () => {
    expect(PERMISSIONS_POLICY).toContain("camera=()");
    expect(PERMISSIONS_POLICY).toContain("fullscreen=(self)");
  });
});

describe("validationRecordFor", () => {
  const options = [
    {
      domainName: `www.${DOMAIN}`,
      resourceRecordName: `_b.www.${DOMAIN}.`,
      resourceRecordType: "CNAME",
      resourceRecordValue: "_y.acm-validations.aws.",
    },
    {
      domainName: DOMAIN,
      resourceRecordName: `_a.${DOMAIN}.`,
      resourceRecordType: "CNAME",
      resourceRecordValue: "_x.acm-validations.aws.",
    },
  ];

  it("finds a domain's record by its name, whatever the order", () => {
    expect(edgeHostNames(DOMAIN)).toEqual([DOMAIN, `www.${DOMAIN}`]);
    expect(validationRecordFor(options, DOMAIN)).toEqual({
      name: `_a.${DOMAIN}.`,
      type: "CNAME",
      value: "_x.acm-validations.aws.",
    });
    expect(validationRecordFor(options, `www.${DOMAIN}`).name).toBe(`_b.www.${DOMAIN}.`);
  });

  it("fails for a domain ACM asked nothing for", () => {
    expect(() => validationRecordFor(options, `api.${DOMAIN}`)).toThrow(
      "the certificate has no DNS validation record for api.knowledgecity.com",
    );
    expect(() => validationRecordFor(undefined, DOMAIN)).toThrow(
      "the certificate has no DNS validation record for knowledgecity.com",
    );
  });
});
