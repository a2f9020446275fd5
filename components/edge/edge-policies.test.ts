import { createContext, runInContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  defaultContentSecurityPolicy,
  EDGE_DEFAULTS,
  edgeHostNames,
  edgeSettingsProblems,
  MAX_CLOUDFRONT_FUNCTION_BYTES,
  MAX_CONTENT_SECURITY_POLICY_LENGTH,
  PERMISSIONS_POLICY,
  SPA_ROUTING_FUNCTION_CODE,
  type EdgeSettings,
} from "./edge-policies";
import { validationRecordFor } from "../shared/certificate";

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

/** A CloudFront Functions query string: each name with its value, and all values when repeated. */
type QueryString = Record<string, { value: string; multiValue?: { value: string }[] }>;

/** A viewer-request event as CloudFront Functions passes it (event structure version 1.0). */
function viewerRequest(uri: string, querystring: QueryString = {}) {
  return {
    version: "1.0",
    context: {
      distributionDomainName: "d111111abcdef8.cloudfront.net",
      distributionId: "EDFDVBD6EXAMPLE",
      eventType: "viewer-request",
      requestId: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
    },
    viewer: { ip: "198.51.100.11" },
    request: {
      method: "GET",
      uri,
      querystring,
      headers: { host: { value: DOMAIN }, accept: { value: "text/html" } },
      cookies: {},
    },
  };
}

/**
 * The function as CloudFront runs it: the code the component ships, alone in a fresh context
 * (no `require`, no Node globals), its `handler` called with the event.
 */
function routed(uri: string, querystring: QueryString = {}): Record<string, unknown> {
  const context = createContext({});
  runInContext(SPA_ROUTING_FUNCTION_CODE, context, { filename: "spa-routing.js" });
  const handler: unknown = context.handler;
  if (typeof handler !== "function") {
    throw new Error("the function code defines no handler");
  }
  const event = viewerRequest(uri, querystring);
  const result = (handler as (event: unknown) => unknown)(event);
  expect(result).toBe(event.request);
  return event.request;
}

describe("SPA_ROUTING_FUNCTION_CODE", () => {
  it.each([
    "/",
    "/courses",
    "/learn/course-42/lesson-3",
    "/dashboard/",
    "/learn/course-42/",
    "/caf%C3%A9/cours",
    "/%D8%A7%D9%84%D8%AF%D9%88%D8%B1%D8%A7%D8%AA",
  ])("answers the application route %s with the shell", (uri) => {
    expect(routed(uri).uri).toBe("/index.html");
  });

  it.each([
    "/index.html",
    "/favicon.ico",
    "/robots.txt",
    "/missing.js",
    "/manifest.webmanifest",
    "/assets/app.3f9c2b.js",
    "/courses/42/hls/master.m3u8",
    "/courses/42/hls/720p_00001.ts",
    "/.well-known/security.txt",
    "/app%2Ejs",
  ])("leaves the file %s for S3, so a missing one is a 404", (uri) => {
    expect(routed(uri).uri).toBe(uri);
  });

  it("keeps the query string, method and headers of the request", () => {
    const querystring: QueryString = {
      tab: { value: "settings" },
      tag: { value: "a", multiValue: [{ value: "a" }, { value: "b" }] },
    };
    const request = routed("/dashboard", querystring);
    expect(request).toEqual({
      ...viewerRequest("/dashboard", querystring).request,
      uri: "/index.html",
    });
    expect(routed("/player.js", { v: { value: "2" } })).toEqual(
      viewerRequest("/player.js", { v: { value: "2" } }).request,
    );
  });

  it("leaves a path with a malformed escape for S3 to refuse", () => {
    expect(routed("/lesson%E0%A4%A").uri).toBe("/lesson%E0%A4%A");
  });

  it("fits CloudFront's size quota", () => {
    expect(Buffer.byteLength(SPA_ROUTING_FUNCTION_CODE)).toBeLessThanOrEqual(
      MAX_CLOUDFRONT_FUNCTION_BYTES,
    );
  });
});
