import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { list, record, Recorded, TEST_CONTEXT } from "../../tools/plan/engine";
import {
  defaultContentSecurityPolicy,
  PERMISSIONS_POLICY,
  SPA_ROUTING_FUNCTION_CODE,
} from "./edge-policies";
import {
  DOMAIN,
  ZONE,
  STACK_PROVIDER,
  GLOBAL_PROVIDER,
  DISTRIBUTION,
  RECORD,
  CLOUDFRONT_FUNCTION,
  run,
  statementsOf,
  behaviours,
  ttlsOf,
} from "./global-edge.fixtures";
import { MANAGED_RULE_GROUPS } from "../security/waf-rules";
import type { GlobalEdgeArgs } from "./global-edge";

describe("GlobalEdge", async () => {
  const edgeRun = await run();
  const recorded = Recorded.of(edgeRun);
  const outputs = edgeRun.outputs;
  const distribution = recorded.named(DISTRIBUTION, "edge-cdn");
  const distributionArn = String(outputs.distributionArn);

  it("exports the distribution, bucket, web ACL and certificate", () => {
    expect(distributionArn).toBe(
      `arn:aws:cloudfront::111122223333:distribution/${String(distribution.id)}`,
    );
    expect(outputs.distributionId).toBe(distribution.id);
    expect(outputs.distributionDomainName).toMatch(/^d[0-9a-f]+\.cloudfront\.net$/);
    const bucket = recorded.named("aws:s3/bucket:Bucket", "edge-spa");
    expect(outputs.bucketName).toMatch(/^edge-spa-/);
    expect(recorded.referencedBy(outputs.bucketName)).toBe(bucket);
    expect(distribution.inputs.webAclId).toBe(outputs.webAclArn);
    expect(record(distribution.inputs.viewerCertificate).acmCertificateArn).toBe(
      outputs.certificateArn,
    );
  });

  it("reads the SPA from its bucket through origin access control, always signed with SigV4", () => {
    const oac = recorded.named(
      "aws:cloudfront/originAccessControl:OriginAccessControl",
      "edge-oac",
    );
    expect(oac.inputs).toMatchObject({
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    const [origin, ...others] = list(distribution.inputs.origins).map(record);
    expect(others).toEqual([]);
    expect(origin?.originAccessControlId).toBe(oac.id);
    expect(origin?.s3OriginConfig).toBeUndefined();
    expect(origin?.domainName).toBe(`${String(outputs.bucketName)}.s3.us-east-1.amazonaws.com`);
    for (const behaviour of behaviours(distribution).values()) {
      expect(behaviour.targetOriginId).toBe(origin?.originId);
    }
  });

  it("keeps the SPA bucket private, encrypted with the content key, readable by this distribution only", () => {
    const bucket = recorded.named("aws:s3/bucket:Bucket", "edge-spa");
    expect(record(bucket.inputs.tags).DataClass).toBe("content");
    const contentKey = recorded.named("aws:kms/key:Key", "keys-content");
    const encryption = recorded.named(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "edge-spa",
    );
    expect(list(encryption.inputs.rules).map(record)[0]).toMatchObject({
      applyServerSideEncryptionByDefault: {
        sseAlgorithm: "aws:kms",
        kmsMasterKeyId: `arn:aws:kms:us-east-1:111122223333:key/${String(contentKey.id)}`,
      },
    });
    expect(
      recorded.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "edge-spa").inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    const policy = recorded.named("aws:s3/bucketPolicy:BucketPolicy", "edge-spa");
    const statements = statementsOf(policy);
    // Every grant names this distribution; the read grant is the objects' only.
    for (const grant of statements.filter((s) => s.Effect === "Allow")) {
      expect(grant).toMatchObject({
        Principal: { Service: "cloudfront.amazonaws.com" },
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      });
    }
    expect(statements.filter((s) => s.Action === "s3:GetObject")).toEqual([
      {
        Sid: "OnlyThisDistributionReads",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: [`arn:aws:s3:::${String(outputs.bucketName)}/*`],
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
    expect(statements[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // The policy waits for the distribution it names.
    expect(policy.dependsOn).toContain(distribution.urn);
  });

  it("names CloudFront, for this distribution only, in the content key's policy", () => {
    const content = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-content"));
    const cloudFront = content.filter(
      (s) => record(s.Principal).Service === "cloudfront.amazonaws.com",
    );
    expect(cloudFront).toEqual([
      {
        Sid: "CloudFrontDecryptsForThisDistribution",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
    for (const other of ["keys-user-data", "keys-telemetry"]) {
      const policy = recorded.named("aws:kms/keyPolicy:KeyPolicy", other);
      expect(String(policy.inputs.policy)).not.toContain("cloudfront");
    }
  });

  it("caches the shell briefly, hashed assets for a year and course content for the configured TTL", () => {
    const byPath = behaviours(distribution);
    expect([...byPath.keys()]).toEqual(["default", "/assets/*", "/courses/*"]);
    expect(ttlsOf(recorded, byPath.get("default"))).toEqual({
      minTtl: 0,
      defaultTtl: 60,
      maxTtl: 60,
    });
    expect(ttlsOf(recorded, byPath.get("/assets/*"))).toEqual({
      minTtl: 0,
      defaultTtl: 31_536_000,
      maxTtl: 31_536_000,
    });
    // A minimum of 0 lets the objects' own Cache-Control (stale-while-revalidate too) apply.
    expect(ttlsOf(recorded, byPath.get("/courses/*"))).toEqual({
      minTtl: 0,
      defaultTtl: 3600,
      maxTtl: 3600,
    });
    expect(distribution.inputs.defaultRootObject).toBe("index.html");
  });

  it("redirects to HTTPS and compresses on every behaviour, caching compressed variants", () => {
    for (const behaviour of behaviours(distribution).values()) {
      expect(behaviour).toMatchObject({
        viewerProtocolPolicy: "redirect-to-https",
        compress: true,
        allowedMethods: ["GET", "HEAD"],
      });
      const cache = record(
        recorded.referencedBy(behaviour.cachePolicyId).inputs
          .parametersInCacheKeyAndForwardedToOrigin,
      );
      expect(cache).toMatchObject({
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        cookiesConfig: { cookieBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
      });
    }
  });

  it("answers application routes with the shell, and a missing file with a real 404", () => {
    // No blanket rewrite of S3's errors into the shell with a 200.
    const errors = list(distribution.inputs.customErrorResponses ?? []).map(record);
    expect(
      errors.filter((e) => e.responseCode === 200 || e.responsePagePath === "/index.html"),
    ).toEqual([]);
    // The routing happens before the cache, on the default behaviour only.
    const byPath = behaviours(distribution);
    const [association, ...others] = list(byPath.get("default")?.functionAssociations).map(record);
    expect(others).toEqual([]);
    expect(association?.eventType).toBe("viewer-request");
    const routing = recorded.named(CLOUDFRONT_FUNCTION, "edge-spa-routes");
    expect(String(routing.state.arn)).toMatch(/^arn:aws:cloudfront:/);
    expect(association?.functionArn).toBe(routing.state.arn);
    expect(routing.inputs).toMatchObject({
      runtime: "cloudfront-js-2.0",
      code: SPA_ROUTING_FUNCTION_CODE,
      publish: true,
    });
    for (const path of ["/assets/*", "/courses/*"]) {
      expect(byPath.get(path)?.functionAssociations, path).toBeUndefined();
    }
    // S3 answers 404, not 403, for a missing key only when the reader may list the bucket.
    const statements = statementsOf(recorded.named("aws:s3/bucketPolicy:BucketPolicy", "edge-spa"));
    expect(statements.filter((s) => s.Action === "s3:ListBucket")).toEqual([
      {
        Sid: "MissingObjectsAre404",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:ListBucket",
        // The shared bucket helper names the bucket and its objects; ListBucket applies to the first.
        Resource: [
          `arn:aws:s3:::${String(outputs.bucketName)}`,
          `arn:aws:s3:::${String(outputs.bucketName)}/*`,
        ],
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ]);
  });

  it("serves the apex and www over HTTP/2 and HTTP/3, IPv6, TLS 1.2 (2021) with SNI", () => {
    expect(distribution.inputs).toMatchObject({
      enabled: true,
      aliases: [DOMAIN, `www.${DOMAIN}`],
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: "PriceClass_All",
      viewerCertificate: {
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.2_2021",
      },
      tags: { DataClass: "content" },
    });
    // The certificate as validated: the distribution waits for the validation.
    const validation = recorded.named(
      "aws:acm/certificateValidation:CertificateValidation",
      "edge-cert",
    );
    expect(record(distribution.inputs.viewerCertificate).acmCertificateArn).toBe(
      validation.inputs.certificateArn,
    );
    expect(distribution.dependsOn).toContain(validation.urn);
  });

  it("sends strict security headers on every response", () => {
    const headers = recorded.named(
      "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
      "edge-headers",
    );
    for (const behaviour of behaviours(distribution).values()) {
      expect(behaviour.responseHeadersPolicyId).toBe(headers.id);
    }
    expect(headers.inputs.securityHeadersConfig).toEqual({
      strictTransportSecurity: {
        accessControlMaxAgeSec: 63_072_000,
        includeSubdomains: true,
        preload: true,
        override: true,
      },
      contentSecurityPolicy: {
        contentSecurityPolicy: defaultContentSecurityPolicy(DOMAIN),
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: "DENY", override: true },
      referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
    });
    expect(
      record(record(headers.inputs.securityHeadersConfig).contentSecurityPolicy)
        .contentSecurityPolicy,
    ).toContain(`connect-src 'self' https://api.${DOMAIN} https://*.${DOMAIN}`);
    expect(headers.inputs.customHeadersConfig).toEqual({
      items: [{ header: "Permissions-Policy", value: PERMISSIONS_POLICY, override: true }],
    });
  });

  it("creates the certificate, its validation and the web ACL through the us-east-1 provider", () => {
    const global = recorded.named("pulumi:providers:aws", GLOBAL_PROVIDER);
    const stack = recorded.named("pulumi:providers:aws", STACK_PROVIDER);
    for (const [type, name] of [
      ["aws:acm/certificate:Certificate", "edge-cert"],
      ["aws:acm/certificateValidation:CertificateValidation", "edge-cert"],
      ["aws:wafv2/webAcl:WebAcl", "edge-waf"],
    ] as const) {
      const resource = recorded.named(type, name);
      expect(resource.provider, `${type} ${name}`).toBe(global.urn);
      expect(resource.region).toBe("us-east-1");
    }
    expect(distribution.provider).toBe(stack.urn);
    expect(recorded.named("aws:s3/bucket:Bucket", "edge-spa").provider).toBe(stack.urn);
  });

  it("validates the certificate by DNS, with one record per host name, keyed by the name", () => {
    const certificate = recorded.named("aws:acm/certificate:Certificate", "edge-cert");
    expect(certificate.inputs).toMatchObject({
      domainName: DOMAIN,
      subjectAlternativeNames: [`www.${DOMAIN}`],
      validationMethod: "DNS",
    });
    const validation = recorded.named(
      "aws:acm/certificateValidation:CertificateValidation",
      "edge-cert",
    );
    expect(validation.inputs.certificateArn).toMatch(/^arn:aws:acm:us-east-1:111122223333:/);
    for (const host of [DOMAIN, `www.${DOMAIN}`]) {
      const validationRecord = recorded.named(RECORD, `edge-cert-validation-${host}`);
      expect(validationRecord.inputs).toMatchObject({ zoneId: ZONE, type: "CNAME" });
      expect(String(validationRecord.inputs.name).endsWith(`.${host}.`)).toBe(true);
      expect(list(validationRecord.inputs.records)).toHaveLength(1);
      expect(validation.dependsOn).toContain(validationRecord.urn);
    }
  });

  it("filters requests with the AWS managed rule groups and a per-IP rate limit", () => {
    const acl = recorded.named("aws:wafv2/webAcl:WebAcl", "edge-waf");
    expect(acl.inputs).toMatchObject({
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true },
    });
    const rules = list(acl.inputs.rules).map(record);
    const managed = rules.filter((rule) => record(rule.statement).managedRuleGroupStatement);
    expect(managed.map((rule) => record(record(rule.statement).managedRuleGroupStatement))).toEqual(
      MANAGED_RULE_GROUPS.map((name) => ({ vendorName: "AWS", name })),
    );
    expect(MANAGED_RULE_GROUPS).toEqual(
      expect.arrayContaining([
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
      ]),
    );
    for (const rule of managed) {
      expect(rule.overrideAction).toEqual({ none: {} });
    }
    const rate = rules.find((rule) => record(rule.statement).rateBasedStatement);
    expect(rate?.action).toEqual({ block: {} });
    expect(record(rate?.statement).rateBasedStatement).toMatchObject({
      limit: 2000,
      aggregateKeyType: "IP",
    });
    expect(rules).toHaveLength(MANAGED_RULE_GROUPS.length + 1);
    expect(new Set(rules.map((rule) => rule.priority)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.visibilityConfig).toMatchObject({
        cloudwatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
      });
    }
  });

  it("points the apex and www at the distribution with A and AAAA aliases", () => {
    const aliases = recorded
      .ofType(RECORD)
      .filter((r) => !r.name.startsWith("edge-cert-validation-"))
      .map((r) => ({ name: r.name, host: r.inputs.name, type: r.inputs.type }));
    expect(aliases).toEqual([
      { name: "edge-apex-a", host: DOMAIN, type: "A" },
      { name: "edge-apex-aaaa", host: DOMAIN, type: "AAAA" },
      { name: "edge-www-a", host: `www.${DOMAIN}`, type: "A" },
      { name: "edge-www-aaaa", host: `www.${DOMAIN}`, type: "AAAA" },
    ]);
    for (const { name } of aliases) {
      const alias = recorded.named(RECORD, name);
      expect(alias.inputs.zoneId).toBe(ZONE);
      expect(alias.inputs.aliases).toEqual([
        {
          name: outputs.distributionDomainName,
          zoneId: "Z2FHTT7JQMUOV",
          evaluateTargetHealth: false,
        },
      ]);
    }
  });
});

describe("GlobalEdge with its settings changed", async () => {
  const recorded = Recorded.of(
    await run({
      courseContentTtlSeconds: 600,
      spaIndexTtlSeconds: 30,
      rateLimitPerFiveMinutes: 500,
      priceClass: "PriceClass_100",
      contentSecurityPolicy: "default-src 'self'",
    }),
  );
  const distribution = recorded.named(DISTRIBUTION, "edge-cdn");

  it("applies the course and shell TTLs, the rate limit, the price class and the CSP", () => {
    const byPath = behaviours(distribution);
    expect(ttlsOf(recorded, byPath.get("/courses/*"))).toEqual({
      minTtl: 0,
      defaultTtl: 600,
      maxTtl: 600,
    });
    expect(ttlsOf(recorded, byPath.get("default"))).toMatchObject({ defaultTtl: 30, maxTtl: 30 });
    expect(distribution.inputs.priceClass).toBe("PriceClass_100");
    const rules = list(recorded.named("aws:wafv2/webAcl:WebAcl", "edge-waf").inputs.rules);
    const rate = rules.map(record).find((rule) => record(rule.statement).rateBasedStatement);
    expect(record(rate?.statement).rateBasedStatement).toMatchObject({ limit: 500 });
    const headers = recorded.named(
      "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
      "edge-headers",
    );
    expect(headers.inputs.securityHeadersConfig).toMatchObject({
      contentSecurityPolicy: { contentSecurityPolicy: "default-src 'self'", override: true },
    });
  });
});

describe("GlobalEdge refuses impossible settings", () => {
  it.each([
    [
      { courseContentTtlSeconds: 86_401 },
      "courseContentTtlSeconds = 86401: expected an integer from 1 to 86400",
    ],
    [
      { domain: "KnowledgeCity.com" },
      'domain = "KnowledgeCity.com": expected a lower-case DNS name such as knowledgecity.com',
    ],
    [
      { domain: "www.knowledgecity.com" },
      'domain = "www.knowledgecity.com": expected the apex; www. is served as well',
    ],
    [
      { rateLimitPerFiveMinutes: 5 },
      "rateLimitPerFiveMinutes = 5: expected an integer from 10 to 2000000000",
    ],
    [{ spaIndexTtlSeconds: 0 }, "spaIndexTtlSeconds = 0: expected an integer from 1 to 3600"],
    [{ assetTtlSeconds: 1.5 }, "assetTtlSeconds = 1.5: expected an integer from 1 to 31536000"],
    [{ contentSecurityPolicy: " " }, "contentSecurityPolicy is empty"],
    [
      { context: TEST_CONTEXT },
      "context.region = me-south-1: the global edge is deployed by the primary stack, in us-east-1",
    ],
    [
      { courseContentTtlSeconds: 0, rateLimitPerFiveMinutes: 5 },
      "rateLimitPerFiveMinutes = 5: expected an integer from 10 to 2000000000; courseContentTtlSeconds = 0: expected an integer from 1 to 86400",
    ],
  ] satisfies [Partial<GlobalEdgeArgs>, string][])("%o: %s", async (overrides, message) => {
    const failure = await run(overrides).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(pulumi.ResourceError);
    expect((failure as Error).message).toBe(message);
  });
});
