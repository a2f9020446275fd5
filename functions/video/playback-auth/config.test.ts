import { describe, expect, it } from "vitest";
import { MAX_SESSION_SECONDS, MIN_SESSION_SECONDS } from "./core";
import { loadConfiguration } from "./config";
import { ConfigurationError } from "./errors";
import { HANDLER_ENV, KEY_PAIR_ID, PLAYBACK_DOMAIN, SECRET_ARN, thrown } from "./test-support";

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

describe("loadConfiguration", () => {
  it("reads the required variables and defaults the session to an hour", () => {
    expect(loadConfiguration(HANDLER_ENV)).toEqual({
      playbackDomain: PLAYBACK_DOMAIN,
      cookieDomain: PLAYBACK_DOMAIN,
      keyPairId: KEY_PAIR_ID,
      privateKeySecretArn: SECRET_ARN,
      defaultSessionSeconds: 3600,
    });
  });

  it("trims and lower-cases the domains and reads the optional variables", () => {
    expect(
      loadConfiguration({
        ...HANDLER_ENV,
        PLAYBACK_DOMAIN: " Media.Example.COM ",
        COOKIE_DOMAIN: "Example.com",
        DEFAULT_SESSION_SECONDS: " 1800 ",
      }),
    ).toMatchObject({
      playbackDomain: "media.example.com",
      cookieDomain: "example.com",
      defaultSessionSeconds: 1800,
    });
  });

  it("accepts the session bounds as the default", () => {
    for (const seconds of [MIN_SESSION_SECONDS, MAX_SESSION_SECONDS]) {
      expect(
        loadConfiguration({ ...HANDLER_ENV, DEFAULT_SESSION_SECONDS: String(seconds) })
          .defaultSessionSeconds,
      ).toBe(seconds);
    }
  });

  it("lists every missing variable, blank ones included", () => {
    const error = thrown(() => loadConfiguration({ KEY_PAIR_ID: "  " }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      name: "ConfigurationError",
      message:
        "missing environment variables: PLAYBACK_DOMAIN, KEY_PAIR_ID, PRIVATE_KEY_SECRET_ARN",
      missing: ["PLAYBACK_DOMAIN", "KEY_PAIR_ID", "PRIVATE_KEY_SECRET_ARN"],
    });
  });

  it.each(["d111111abcdef8.cloudfront.net", "D111111ABCDEF8.CloudFront.net", "cloudfront.net"])(
    "refuses the CloudFront domain %s: cookies need a custom domain",
    (domain) => {
      const error = thrown(() => loadConfiguration({ ...HANDLER_ENV, PLAYBACK_DOMAIN: domain }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({
        name: "ConfigurationError",
        message:
          "PLAYBACK_DOMAIN must be a custom domain, not a *.cloudfront.net hostname: " +
          "CloudFront signed cookies need the distribution's alternate domain name",
      });
    },
  );

  it.each([
    "https://media.example.com",
    "media.example.com:443",
    "media.example.com/courses",
    "*.example.com",
    "media.example.com.",
    "localhost",
    "10.0.0.1",
    "-media.example.com",
    "media_files.example.com",
    `${"a".repeat(64)}.example.com`,
  ])("refuses %j as PLAYBACK_DOMAIN", (domain) => {
    expect(() => loadConfiguration({ ...HANDLER_ENV, PLAYBACK_DOMAIN: domain })).toThrow(
      new ConfigurationError(
        [],
        ["PLAYBACK_DOMAIN must be a hostname such as media.example.com (no scheme, port or path)"],
      ),
    );
  });

  it("requires COOKIE_DOMAIN to be the playback domain or a parent of it", () => {
    expect(loadConfiguration({ ...HANDLER_ENV, COOKIE_DOMAIN: PLAYBACK_DOMAIN }).cookieDomain).toBe(
      PLAYBACK_DOMAIN,
    );
    for (const domain of ["other.example.com", "ample.com", "video.media.example.com"]) {
      expect(() => loadConfiguration({ ...HANDLER_ENV, COOKIE_DOMAIN: domain })).toThrow(
        "COOKIE_DOMAIN must be PLAYBACK_DOMAIN or a parent domain of it",
      );
    }
    expect(() =>
      loadConfiguration({
        ...HANDLER_ENV,
        PLAYBACK_DOMAIN: "d1.cloudfront.net",
        COOKIE_DOMAIN: "cloudfront.net",
      }),
    ).toThrow(/^PLAYBACK_DOMAIN must be a custom domain.*; COOKIE_DOMAIN must be a custom domain/);
  });

  it.each([
    ["8a9b6e3c-1f2d-4c5b-9a8e-7d6c5b4a3f21", "a key group id"],
    ["k2jcjmdehxqw5f", "lower case"],
    ["arn:aws:cloudfront::111122223333:public-key/K2JCJMDEHXQW5F", "an ARN"],
  ])("refuses KEY_PAIR_ID %j (%s)", (keyPairId) => {
    expect(() => loadConfiguration({ ...HANDLER_ENV, KEY_PAIR_ID: keyPairId })).toThrow(
      new ConfigurationError(
        [],
        [
          "KEY_PAIR_ID must be a CloudFront public key id (upper-case letters and digits), " +
            "not a key group id",
        ],
      ),
    );
  });

  it.each([
    "playback/cloudfront-key",
    "arn:aws:kms:me-south-1:111122223333:key/1234",
    "arn:aws:secretsmanager:me-south-1:1111:secret:x",
  ])("refuses PRIVATE_KEY_SECRET_ARN %j", (arn) => {
    expect(() => loadConfiguration({ ...HANDLER_ENV, PRIVATE_KEY_SECRET_ARN: arn })).toThrow(
      "PRIVATE_KEY_SECRET_ARN must be a Secrets Manager secret ARN",
    );
  });

  it.each(["59", "14401", "0", "-60", "3600.5", "1e3", "one hour", "0x100"])(
    "refuses DEFAULT_SESSION_SECONDS %j",
    (seconds) => {
      expect(() => loadConfiguration({ ...HANDLER_ENV, DEFAULT_SESSION_SECONDS: seconds })).toThrow(
        new ConfigurationError(
          [],
          ["DEFAULT_SESSION_SECONDS must be a whole number from 60 to 14400"],
        ),
      );
    },
  );

  it("reports missing and invalid variables together", () => {
    expect(() =>
      loadConfiguration({ PLAYBACK_DOMAIN: "x.cloudfront.net", DEFAULT_SESSION_SECONDS: "5" }),
    ).toThrow(
      "missing environment variables: KEY_PAIR_ID, PRIVATE_KEY_SECRET_ARN; " +
        "PLAYBACK_DOMAIN must be a custom domain, not a *.cloudfront.net hostname: " +
        "CloudFront signed cookies need the distribution's alternate domain name; " +
        "DEFAULT_SESSION_SECONDS must be a whole number from 60 to 14400",
    );
  });
});
