import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyError, isThrottling, withThrottlingRetries } from "./failures";
import { backoffDelayMs } from "../../shared/retry";
import { RecordFailureError, TransientFailureError } from "./errors";
import { awsError } from "./test-support";

/** The error a promise rejects with, or `run` throws. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

describe("classifyError", () => {
  it.each<[string, string, string, "HeadObject" | "Probe" | "CreateJob", unknown]>([
    [
      "a source Probe cannot read",
      "permanent",
      "probe_rejected",
      "Probe",
      awsError("BadRequestException", 400),
    ],
    [
      "a throttled Probe",
      "transient",
      "throttled",
      "Probe",
      awsError("TooManyRequestsException", 429),
    ],
    [
      "a Probe failing on the service side",
      "transient",
      "service_error",
      "Probe",
      awsError("InternalServerErrorException", 500),
    ],
    // Probe reads the object with the caller's credentials: a denial is a permission to fix.
    ["a denied Probe", "transient", "access_denied", "Probe", awsError("ForbiddenException", 403)],
    [
      "MediaConvert throttling",
      "transient",
      "throttled",
      "CreateJob",
      awsError("TooManyRequestsException", 429),
    ],
    [
      "a generic throttle",
      "transient",
      "throttled",
      "HeadObject",
      awsError("ThrottlingException", 400),
    ],
    ["S3 SlowDown", "transient", "throttled", "HeadObject", awsError("SlowDown", 503)],
    ["a bare 429", "transient", "throttled", "CreateJob", awsError("UnknownError", 429)],
    [
      "a rejected job",
      "permanent",
      "job_rejected",
      "CreateJob",
      awsError("BadRequestException", 400),
    ],
    [
      "an unprocessable job",
      "permanent",
      "job_rejected",
      "CreateJob",
      awsError("UnprocessableEntityException", 422),
    ],
    [
      "a 500",
      "transient",
      "service_error",
      "CreateJob",
      awsError("InternalServerErrorException", 500),
    ],
    [
      "a 503 from S3",
      "transient",
      "service_error",
      "HeadObject",
      awsError("ServiceUnavailable", 503),
    ],
    [
      "a denied call",
      "transient",
      "access_denied",
      "CreateJob",
      awsError("ForbiddenException", 403),
    ],
    ["a denied HeadObject", "transient", "access_denied", "HeadObject", awsError("Forbidden", 403)],
    [
      "a timeout",
      "transient",
      "network_error",
      "CreateJob",
      Object.assign(new Error("socket"), { name: "TimeoutError" }),
    ],
    [
      "a reset socket",
      "transient",
      "network_error",
      "HeadObject",
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
    ],
    [
      "a missing queue",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("NotFoundException", 404),
    ],
    [
      "a conflict",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("ConflictException", 409),
    ],
    // A HEAD error has no body: the SDK names S3's 400 (a refused bucket name, key, ...) Unknown.
    [
      "a HeadObject S3 refuses",
      "permanent",
      "source_rejected",
      "HeadObject",
      awsError("Unknown", 400),
    ],
    [
      "a bucket name the SDK refuses before sending",
      "permanent",
      "invalid_bucket",
      "HeadObject",
      Object.assign(new Error("Bucket name shouldn't contain '/'"), { name: "InvalidBucketName" }),
    ],
    [
      "a 400 the service blames on itself",
      "transient",
      "service_error",
      "HeadObject",
      awsError("Unknown", 400, "server"),
    ],
    [
      "a 400 from CreateJob that is not a refused job",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("Unknown", 400),
    ],
    ["a thrown null", "transient", "unexpected_error", "HeadObject", null],
    ["a thrown string", "transient", "unexpected_error", "CreateJob", "boom"],
  ])("%s is %s (%s)", (_, kind, reason, operation, error) => {
    const classified = classifyError(operation, error);
    expect(classified).toBeInstanceOf(RecordFailureError);
    expect(classified).toMatchObject({ kind, reason });
    // Safe: the operation and the error name, never the SDK message.
    expect(classified.detail).not.toContain("simulated");
    expect(classified.detail).toContain(
      operation === "CreateJob" && kind === "permanent" ? "MediaConvert" : operation,
    );
  });

  it("keeps the SDK error as the cause of a transient failure", () => {
    const error = awsError("InternalServerErrorException", 500);
    const classified = classifyError("CreateJob", error);
    expect(classified).toBeInstanceOf(TransientFailureError);
    expect(classified.cause).toBe(error);
    expect(classified.detail).toBe(
      "CreateJob failed on the service side (InternalServerErrorException)",
    );
  });

  it("recognizes throttling by name or status only", () => {
    expect(isThrottling(awsError("TooManyRequestsException", 429))).toBe(true);
    expect(isThrottling(awsError("ThrottlingException", 400))).toBe(true);
    expect(isThrottling(awsError("ProvisionedThroughputExceededException", 400))).toBe(true);
    expect(isThrottling(awsError("BadRequestException", 400))).toBe(false);
    expect(isThrottling(new Error("429"))).toBe(false);
  });
});

describe("withThrottlingRetries", () => {
  const retry = { maxRetries: 4, baseDelayMs: 200, maxDelayMs: 3200 };

  it("retries throttled calls with growing, jittered waits, then returns the result", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withThrottlingRetries(
      "CreateJob",
      () => {
        calls += 1;
        return calls <= 2
          ? Promise.reject(awsError("TooManyRequestsException", 429))
          : Promise.resolve("job");
      },
      { retry, random: () => 0.5, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
    );
    expect(result).toEqual({ value: "job", attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it("gives up after the last retry with a transient throttled failure", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const error = await failure(() =>
      withThrottlingRetries(
        "CreateJob",
        () => {
          calls += 1;
          return Promise.reject(awsError("TooManyRequestsException", 429));
        },
        { retry, random: () => 0.999, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
      ),
    );
    expect(calls).toBe(5);
    expect(sleeps).toEqual([199, 399, 799, 1598]);
    expect(error).toBeInstanceOf(TransientFailureError);
    expect(error).toMatchObject({ reason: "throttled" });
  });

  it("does not retry anything else", async () => {
    let calls = 0;
    const error = await failure(() =>
      withThrottlingRetries(
        "CreateJob",
        () => {
          calls += 1;
          return Promise.reject(awsError("BadRequestException", 400));
        },
        { retry, sleep: () => Promise.resolve() },
      ),
    );
    expect(calls).toBe(1);
    expect(error).toMatchObject({ kind: "permanent", reason: "job_rejected" });
  });

  it("waits within [0, min(max, base * 2^(n-1)))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const delay = backoffDelayMs(n, retry, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(3200, 200 * 2 ** (n - 1)));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------
