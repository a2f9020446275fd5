import { describe, expect, it } from "vitest";
import { loadConfiguration } from "./config";
import { MAX_SINGLE_UPLOAD_BYTES } from "./core";
import { ConfigurationError } from "./errors";
import { CONFIG, HANDLER_ENV } from "./test-support";
import { thrown } from "../../shared/test-support";

describe("loadConfiguration", () => {
  it("reads the environment, trimming and de-duplicating the content types", () => {
    expect(
      loadConfiguration({
        ...HANDLER_ENV,
        ALLOWED_CONTENT_TYPES: "video/mp4, video/quicktime,video/webm,video/mp4",
      }),
    ).toEqual(CONFIG);
  });

  it("takes URL_TTL_SECONDS from 1 to 3600", () => {
    expect(loadConfiguration({ ...HANDLER_ENV, URL_TTL_SECONDS: "3600" }).urlTtlSeconds).toBe(3600);
    expect(loadConfiguration({ ...HANDLER_ENV, URL_TTL_SECONDS: " " }).urlTtlSeconds).toBe(900);
    for (const value of ["3601", "0", "15m", "-5", "90.5"]) {
      expect(() => loadConfiguration({ ...HANDLER_ENV, URL_TTL_SECONDS: value })).toThrow(
        `URL_TTL_SECONDS must be a whole number of seconds from 1 to 3600, got ${value}`,
      );
    }
  });

  it("caps MAX_UPLOAD_BYTES at what S3 takes in one POST", () => {
    expect(
      loadConfiguration({ ...HANDLER_ENV, MAX_UPLOAD_BYTES: String(MAX_SINGLE_UPLOAD_BYTES) })
        .maxUploadBytes,
    ).toBe(5_368_709_120);
    expect(() => loadConfiguration({ ...HANDLER_ENV, MAX_UPLOAD_BYTES: "10737418240" })).toThrow(
      "MAX_UPLOAD_BYTES must be a whole number of bytes from 1 to 5368709120 (5 GiB, the most S3 " +
        "accepts in one POST), got 10737418240",
    );
    for (const value of ["0", "1e9", "2GB", "-1"]) {
      expect(() => loadConfiguration({ ...HANDLER_ENV, MAX_UPLOAD_BYTES: value })).toThrow(
        "MAX_UPLOAD_BYTES must be a whole number of bytes",
      );
    }
  });

  it("lists every problem at once", () => {
    const error = thrown(() =>
      loadConfiguration({
        RAW_BUCKET: "Not_A_Bucket",
        KMS_KEY_ARN: "alias/uploads",
        ALLOWED_CONTENT_TYPES: "video/mp4,video/avi",
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      name: "ConfigurationError",
      problems: [
        "RAW_BUCKET must be an S3 bucket name",
        "KMS_KEY_ARN must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
        "MAX_UPLOAD_BYTES is required",
        'ALLOWED_CONTENT_TYPES: "video/avi" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
      ],
    });
  });

  it("requires at least one content type", () => {
    expect(() => loadConfiguration({ ...HANDLER_ENV, ALLOWED_CONTENT_TYPES: "" })).toThrow(
      "invalid configuration: ALLOWED_CONTENT_TYPES is required",
    );
  });
});
