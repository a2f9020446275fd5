import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { cloudFrontAliasRecords } from "./cloudfront-records";
import { EdgeCacheControl } from "./edge-cache-control";
import {
  defaultContentSecurityPolicy,
  EDGE_DEFAULTS,
  edgeHostNames,
  edgeSettingsProblems,
  HSTS_MAX_AGE_SECONDS,
  PERMISSIONS_POLICY,
  SPA_ROUTING_FUNCTION_CODE,
  type EdgeSettings,
  type PriceClass,
} from "./edge-policies";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";
import { webAclRules } from "../security/waf-rules";

/** The region CloudFront's certificates and web ACLs must live in. */
export const CLOUDFRONT_CONTROL_REGION = "us-east-1";

/** Arguments of `GlobalEdge`. */
export interface GlobalEdgeArgs {
  /** Account and region of the primary stack, which must be us-east-1. */
  readonly context: AwsContext;
  /** Stack name, used in descriptions. */
  readonly stack: string;
  /**
   * The apex domain, lower-case (`knowledgecity.com`). The SPA is served at the apex and at
   * `www.`; the default CSP trusts `https://api.<domain>` and `https://*.<domain>`.
   */
  readonly domain: string;
  /** The public Route 53 hosted zone of `domain`: validation and alias records go there. */
  readonly hostedZoneId: pulumi.Input<string>;
  /**
   * The stack's data keys. The content key encrypts the SPA bucket, and CloudFront (this
   * distribution only) is allowed to decrypt with it; the caller seals the keys afterwards.
   */
  readonly keys: DataKeys;
  /**
   * A provider in us-east-1, where AWS requires CloudFront's ACM certificate and CLOUDFRONT-scope
   * web ACL. Passed to those explicitly, so they stay there whatever the stack's provider is.
   */
  readonly usEast1Provider: aws.Provider;
  /** Edge locations to serve from. @default "PriceClass_All" */
  readonly priceClass?: PriceClass;
  /** Requests one IP may make in five minutes before WAF blocks it (10 or more). @default 2000 */
  readonly rateLimitPerFiveMinutes?: number;
  /**
   * Longest time, in seconds, an edge serves course content (`/courses/*`) before asking S3
   * again (1 to 86400); also the `max-age` given to objects stored without `Cache-Control` or
   * `Expires`. Objects uploaded with their own are cached as they say (up to this). @default 3600
   */
  readonly courseContentTtlSeconds?: number;
  /**
   * `stale-while-revalidate` of course content stored without caching instructions, in seconds
   * (1 to 31536000): for this long after it expires an edge answers with the object it has while
   * it fetches the new one. @default 86400
   */
  readonly courseStaleWhileRevalidateSeconds?: number;
  /**
   * `stale-if-error` of course content stored without caching instructions, in seconds (1 to
   * 31536000): for this long after it expires an edge answers with the object it has when S3
   * fails. @default 604800
   */
  readonly courseStaleIfErrorSeconds?: number;
  /**
   * TTL of the SPA shell (`index.html`), which answers every application route, 1 to 3600
   * seconds. @default 60
   */
  readonly spaIndexTtlSeconds?: number;
  /** TTL of content-hashed assets (`/assets/*`), in seconds. @default 31536000 (one year) */
  readonly assetTtlSeconds?: number;
  /**
   * The Content-Security-Policy header of every response (at most 1783 characters).
   * @default defaultContentSecurityPolicy(domain)
   */
  readonly contentSecurityPolicy?: string;
}

/** Stale windows of course content, in seconds, when the stack does not set them. */
export const COURSE_STALE_DEFAULTS = {
  staleWhileRevalidateSeconds: 86_400,
  staleIfErrorSeconds: 604_800,
} as const;

/** The origin id of the SPA bucket in the distribution. */
const SPA_ORIGIN = "spa-bucket";

/**
 * The global edge of the platform, deployed once, by the primary stack: a CloudFront
 * distribution serving the SPA and course content at the apex and `www.` from a private,
 * encrypted S3 bucket that only this distribution can read (origin access control), with TLS 1.2+
 * over HTTP/2 and HTTP/3, strict security headers, the shell `index.html` for application routes
 * (a CloudFront Function; a missing file is a 404), course content cached with
 * stale-while-revalidate and stale-if-error (an origin-response Lambda@Edge function gives objects
 * stored without caching instructions the course TTL and both stale windows), a WAF web ACL
 * (AWS managed rules and a per-IP rate limit), a DNS-validated certificate and Route 53 aliases.
 *
 * It holds no user data: the bucket holds content, encrypted with the stack's content key.
 */
export class GlobalEdge extends pulumi.ComponentResource {
  public readonly distributionId: pulumi.Output<string>;
  public readonly distributionArn: pulumi.Output<string>;
  /** The distribution's own host name (`dxxxx.cloudfront.net`). */
  public readonly distributionDomainName: pulumi.Output<string>;
  /** The SPA bucket, where deploys upload the shell, assets and course content. */
  public readonly bucketName: pulumi.Output<string>;
  public readonly webAclArn: pulumi.Output<string>;
  /** ARN of the certificate, known once it is validated. */
  public readonly certificateArn: pulumi.Output<string>;
  /** The origin-response function that sets the Cache-Control of cached course content. */
  public readonly courseCacheControl: EdgeCacheControl;

  constructor(name: string, args: GlobalEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:edge:GlobalEdge", name, {}, opts);
    if (args.context.region !== CLOUDFRONT_CONTROL_REGION) {
      throw new pulumi.ResourceError(
        `context.region = ${args.context.region}: the global edge is deployed by the primary stack, in ${CLOUDFRONT_CONTROL_REGION}`,
        this,
      );
    }
    const settings: EdgeSettings = {
      priceClass: args.priceClass ?? EDGE_DEFAULTS.priceClass,
      rateLimitPerFiveMinutes:
        args.rateLimitPerFiveMinutes ?? EDGE_DEFAULTS.rateLimitPerFiveMinutes,
      courseContentTtlSeconds:
        args.courseContentTtlSeconds ?? EDGE_DEFAULTS.courseContentTtlSeconds,
      spaIndexTtlSeconds: args.spaIndexTtlSeconds ?? EDGE_DEFAULTS.spaIndexTtlSeconds,
      assetTtlSeconds: args.assetTtlSeconds ?? EDGE_DEFAULTS.assetTtlSeconds,
      contentSecurityPolicy:
        args.contentSecurityPolicy ?? defaultContentSecurityPolicy(args.domain),
    };
    const problems = edgeSettingsProblems(args.domain, settings);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const inUsEast1 = { parent: this, provider: args.usEast1Provider };
    const hostNames = edgeHostNames(args.domain);
    const [apex, www] = hostNames;

    // Certificate: DNS-validated, one validation record per host name, keyed by the name.
    const certificateArn = validatedCertificate(
      `${name}-cert`,
      {
        hostnames: hostNames,
        hostedZoneId: args.hostedZoneId,
        keyAlgorithm: "RSA_2048",
        provider: args.usEast1Provider,
      },
      this,
    );

    const webAcl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        description: `KnowledgeCity ${args.stack}: the global edge`,
        scope: "CLOUDFRONT",
        defaultAction: { allow: {} },
        rules: webAclRules(name, settings.rateLimitPerFiveMinutes),
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          metricName: `${name}-waf`,
          sampledRequestsEnabled: true,
        },
        tags: { Name: `${name}-waf` },
      },
      inUsEast1,
    );

    // The bucket policy names the distribution, which needs the bucket: the policy's condition
    // takes the distribution's ARN through a deferred output, resolved once the distribution is
    // declared. The engine then creates the bucket, the distribution and the policy in that order.
    const [distributionArn, resolveDistributionArn] = pulumi.deferredOutput<string>();
    const bucket = new SecureBucket(
      `${name}-spa`,
      {
        dataClass: "content",
        encryption: { kmsKeyArn: args.keys.keyArns.content },
        statements: [
          {
            Sid: "OnlyThisDistributionReads",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            // Every object (the empty prefix), not the bucket itself.
            objectPrefix: "",
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
          },
          {
            // Without it S3 answers 403 for a key that does not exist, with it 404
            // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). Viewers cannot
            // list: CloudFront sends no query string to the bucket and `/` is the shell.
            Sid: "MissingObjectsAre404",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:ListBucket",
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
          },
        ],
        lifecycleRules: [
          {
            id: "expire-replaced-deploys",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 30 },
          },
        ],
      },
      parent,
    );
    const originAccess = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: `KnowledgeCity ${args.stack}: CloudFront signs every request to the SPA bucket`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      parent,
    );

    const cachePolicy = (role: string, ttlSeconds: number, comment: string) =>
      new aws.cloudfront.CachePolicy(
        `${name}-${role}`,
        {
          comment,
          // A minimum of 0 lets objects' own Cache-Control ask for less; the maximum caps it.
          minTtl: 0,
          defaultTtl: ttlSeconds,
          maxTtl: ttlSeconds,
          parametersInCacheKeyAndForwardedToOrigin: {
            cookiesConfig: { cookieBehavior: "none" },
            headersConfig: { headerBehavior: "none" },
            queryStringsConfig: { queryStringBehavior: "none" },
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
          },
        },
        parent,
      );
    const indexCache = cachePolicy(
      "index",
      settings.spaIndexTtlSeconds,
      "SPA shell: short TTL so deploys show quickly",
    );
    const assetCache = cachePolicy(
      "assets",
      settings.assetTtlSeconds,
      "Content-hashed assets: cached for long, a new build has new names",
    );
    const courseCache = cachePolicy(
      "courses",
      settings.courseContentTtlSeconds,
      "Course content: updates show within the TTL, stale served while it revalidates",
    );
    // CloudFront reads stale-while-revalidate and stale-if-error from the origin's Cache-Control
    // only: course objects stored without caching instructions get the course TTL and the stale
    // windows from an origin-response function, before the edge caches them. Only on
    // `/courses/*`: the shell must expire in seconds, and hashed assets carry their own.
    this.courseCacheControl = new EdgeCacheControl(
      `${name}-course-cache-control`,
      {
        context: args.context,
        serves: `course content of ${args.stack}`,
        maxAgeSeconds: settings.courseContentTtlSeconds,
        staleWhileRevalidateSeconds:
          args.courseStaleWhileRevalidateSeconds ??
          COURSE_STALE_DEFAULTS.staleWhileRevalidateSeconds,
        staleIfErrorSeconds:
          args.courseStaleIfErrorSeconds ?? COURSE_STALE_DEFAULTS.staleIfErrorSeconds,
        usEast1Provider: args.usEast1Provider,
      },
      parent,
    );

    const headers = new aws.cloudfront.ResponseHeadersPolicy(
      `${name}-headers`,
      {
        comment: "Security headers of the SPA",
        securityHeadersConfig: {
          strictTransportSecurity: {
            accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
            includeSubdomains: true,
            preload: true,
            override: true,
          },
          contentSecurityPolicy: {
            contentSecurityPolicy: settings.contentSecurityPolicy,
            override: true,
          },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: "DENY", override: true },
          referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
        },
        // Not a security header of the provider: sent as a custom header.
        customHeadersConfig: {
          items: [{ header: "Permissions-Policy", value: PERMISSIONS_POLICY, override: true }],
        },
      },
      parent,
    );

    // Application routes get the shell before the cache is consulted, so one cached copy serves
    // them all; files (assets, course objects) reach S3 as asked and a missing one is a 404.
    const spaRouting = new aws.cloudfront.Function(
      `${name}-spa-routes`,
      {
        runtime: "cloudfront-js-2.0",
        comment: "SPA: application routes are answered with index.html, files are not rewritten",
        code: SPA_ROUTING_FUNCTION_CODE,
        publish: true,
      },
      parent,
    );

    const behaviour = (cache: aws.cloudfront.CachePolicy) => ({
      targetOriginId: SPA_ORIGIN,
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: ["GET", "HEAD"],
      cachedMethods: ["GET", "HEAD"],
      compress: true,
      cachePolicyId: cache.id,
      responseHeadersPolicyId: headers.id,
    });
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `KnowledgeCity ${args.stack}: SPA and course content`,
        aliases: hostNames,
        priceClass: settings.priceClass,
        httpVersion: "http2and3",
        isIpv6Enabled: true,
        defaultRootObject: "index.html",
        origins: [
          {
            originId: SPA_ORIGIN,
            domainName: bucket.bucket.bucketRegionalDomainName,
            originAccessControlId: originAccess.id,
          },
        ],
        defaultCacheBehavior: {
          ...behaviour(indexCache),
          functionAssociations: [{ eventType: "viewer-request", functionArn: spaRouting.arn }],
        },
        orderedCacheBehaviors: [
          { pathPattern: "/assets/*", ...behaviour(assetCache) },
          {
            pathPattern: "/courses/*",
            ...behaviour(courseCache),
            lambdaFunctionAssociations: [
              {
                eventType: "origin-response",
                lambdaArn: this.courseCacheControl.versionArn,
                includeBody: false,
              },
            ],
          },
        ],
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: {
          acmCertificateArn: certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
        webAclId: webAcl.arn,
        tags: dataTags("content"),
      },
      parent,
    );
    resolveDistributionArn(distribution.arn);
    args.keys.allow("content", {
      sid: "CloudFrontDecryptsForThisDistribution",
      principal: { Service: "cloudfront.amazonaws.com" },
      actions: ["kms:Decrypt"],
      condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
    });

    for (const [role, host] of [
      ["apex", apex],
      ["www", www],
    ] as const) {
      cloudFrontAliasRecords(
        `${name}-${role}`,
        {
          hostedZoneId: args.hostedZoneId,
          hostname: host,
          distributionDomainName: distribution.domainName,
        },
        this,
      );
    }

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.distributionDomainName = distribution.domainName;
    this.bucketName = bucket.bucketName;
    this.webAclArn = webAcl.arn;
    this.certificateArn = certificateArn;
    this.registerOutputs({
      distributionId: this.distributionId,
      distributionArn: this.distributionArn,
      distributionDomainName: this.distributionDomainName,
      bucketName: this.bucketName,
      webAclArn: this.webAclArn,
      certificateArn: this.certificateArn,
    });
  }
}
