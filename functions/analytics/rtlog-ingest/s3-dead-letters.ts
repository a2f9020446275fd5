/**
 * Malformed records kept in S3, one JSON-lines object per batch, encrypted with the function's KMS
 * key. IAM: `s3:PutObject` on `<bucket>/<prefix>*`, `kms:GenerateDataKey` on the key.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DeadLetter, DeadLetterStore } from "./core";

/** Where and how dead letters are written. */
export interface S3DeadLetterOptions {
  readonly bucket: string;
  /** Key prefix ending in `/`, such as `dead-letter/rtlog/`. */
  readonly prefix: string;
  /** The KMS key (ARN) of the objects' server-side encryption. */
  readonly kmsKeyArn: string;
}

/** Characters kept as they are in a key part; anything else becomes `_`. */
const UNSAFE_KEY_CHARACTERS = /[^A-Za-z0-9._-]/g;

/**
 * `<prefix>YYYY/MM/DD/<shard>-<first sequence>-<last sequence>.jsonl`, dated by the first record's
 * arrival (UTC). It depends on the records only, so a batch delivered again overwrites its object
 * instead of adding another. `<shard>` is the shard id (`shardId-000000000000`), or the stream's
 * name when the shard is unknown.
 */
export function deadLetterKey(prefix: string, records: readonly DeadLetter[]): string {
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) {
    throw new RangeError("deadLetterKey needs at least one record");
  }
  const arrival = new Date(Math.floor(first.approximateArrivalTimestamp * 1000));
  const date = Number.isNaN(arrival.getTime())
    ? "unknown-date"
    : arrival.toISOString().slice(0, 10).replaceAll("-", "/");
  const shard = (first.shardId.split("/").pop() ?? "").replace(UNSAFE_KEY_CHARACTERS, "_");
  const sequence = (value: string): string => value.replace(UNSAFE_KEY_CHARACTERS, "_");
  return `${prefix}${date}/${shard}-${sequence(first.sequenceNumber)}-${sequence(last.sequenceNumber)}.jsonl`;
}

/** `DeadLetterStore` over S3 PutObject. */
export class S3DeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly client: S3Client,
    private readonly options: S3DeadLetterOptions,
  ) {}

  async put(records: readonly DeadLetter[]): Promise<string> {
    const key = deadLetterKey(this.options.prefix, records);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: records.map((record) => `${JSON.stringify(record)}\n`).join(""),
        ContentType: "application/x-ndjson",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: this.options.kmsKeyArn,
      }),
    );
    return key;
  }
}
