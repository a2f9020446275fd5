import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { DeadLetter } from "./core";
import { S3DeadLetterStore, deadLetterKey } from "./s3-dead-letters";
import {
  DEAD_LETTER_BUCKET,
  DEAD_LETTER_KMS_KEY_ARN,
  DEAD_LETTER_PREFIX,
  rejection,
} from "./test-support";
import { ARRIVAL, SHARD, STREAM_ARN, sequenceNumber } from "./fixtures/events";

const s3 = mockClient(S3Client);

beforeEach(() => {
  s3.reset();
});

function letter(n: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    sequenceNumber: sequenceNumber(n),
    partitionKey: `partition-${n}`,
    shardId: `${STREAM_ARN}/${SHARD}`,
    reason: "sc-status: expected three digits",
    data: "MTYwMjY0NjczOC4xNDUJLQ==",
    approximateArrivalTimestamp: ARRIVAL,
    ...overrides,
  };
}

describe("deadLetterKey", () => {
  it("is <prefix>YYYY/MM/DD/<shard>-<first sequence>-<last sequence>.jsonl", () => {
    expect(deadLetterKey(DEAD_LETTER_PREFIX, [letter(3), letter(5), letter(9)])).toBe(
      `dead-letter/rtlog/2020/10/14/${SHARD}-${sequenceNumber(3)}-${sequenceNumber(9)}.jsonl`,
    );
    expect(deadLetterKey(DEAD_LETTER_PREFIX, [letter(4)])).toBe(
      `dead-letter/rtlog/2020/10/14/${SHARD}-${sequenceNumber(4)}-${sequenceNumber(4)}.jsonl`,
    );
  });

  it("depends on the records only, so a batch delivered again gets the same key", () => {
    const records = [letter(1), letter(2)];
    expect(deadLetterKey(DEAD_LETTER_PREFIX, records)).toBe(
      deadLetterKey(
        DEAD_LETTER_PREFIX,
        records.map((record) => ({ ...record })),
      ),
    );
  });

  it("is dated by the first record's arrival, in UTC", () => {
    // 2025-03-01T23:59:59.999Z and 2025-03-02T00:00:00.000Z.
    expect(
      deadLetterKey("p/", [letter(1, { approximateArrivalTimestamp: 1740873599.999 }), letter(2)]),
    ).toMatch(/^p\/2025\/03\/01\//);
    expect(deadLetterKey("p/", [letter(1, { approximateArrivalTimestamp: 1740873600 })])).toMatch(
      /^p\/2025\/03\/02\//,
    );
    expect(deadLetterKey("p/", [letter(1, { approximateArrivalTimestamp: Number.NaN })])).toMatch(
      /^p\/unknown-date\//,
    );
  });

  it("uses the stream's name when the shard is unknown, and keeps key parts to safe characters", () => {
    expect(deadLetterKey("p/", [letter(1, { shardId: STREAM_ARN })])).toBe(
      `p/2020/10/14/kc-video-rtlog-${sequenceNumber(1)}-${sequenceNumber(1)}.jsonl`,
    );
    expect(
      deadLetterKey("p/", [
        letter(1, { shardId: `${STREAM_ARN}/shard 1?`, sequenceNumber: "1/2" }),
      ]),
    ).toBe("p/2020/10/14/shard_1_-1_2-1_2.jsonl");
  });

  it("needs a record", () => {
    expect(() => deadLetterKey("p/", [])).toThrow(RangeError);
  });
});

describe("S3DeadLetterStore", () => {
  const store = new S3DeadLetterStore(new S3Client({ region: "me-south-1" }), {
    bucket: DEAD_LETTER_BUCKET,
    prefix: DEAD_LETTER_PREFIX,
    kmsKeyArn: DEAD_LETTER_KMS_KEY_ARN,
  });

  it("writes one JSON-lines object, encrypted with the KMS key, and returns its key", async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
    const records = [letter(3), letter(5, { reason: "data: not base64", data: "not base64!" })];
    const key = await store.put(records);
    expect(key).toBe(deadLetterKey(DEAD_LETTER_PREFIX, records));
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toEqual({
      Bucket: DEAD_LETTER_BUCKET,
      Key: key,
      Body: `${JSON.stringify(records[0])}\n${JSON.stringify(records[1])}\n`,
      ContentType: "application/x-ndjson",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: DEAD_LETTER_KMS_KEY_ARN,
    });
    const lines = (typeof input?.Body === "string" ? input.Body : "").trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(records);
  });

  it("lets S3's errors through", async () => {
    const denied = new S3ServiceException({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
      message: "Access Denied",
    });
    s3.on(PutObjectCommand).rejects(denied);
    expect(await rejection(store.put([letter(1)]))).toBe(denied);
  });
});
