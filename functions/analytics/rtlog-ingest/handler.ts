/**
 * Lambda `handler`: consumes the Kinesis stream of the video distributions' CloudFront real-time
 * logs and writes one `playback_requests` row per request to ClickHouse. The event source mapping
 * must enable `ReportBatchItemFailures`.
 *
 * Per batch: malformed records -> one JSON-lines object in the dead-letter bucket; repeated and
 * already stored request ids -> counted as duplicates; the rest -> one insert that skips stored
 * ids (see `ClickHouseSink`). When the dead-letter write or the ClickHouse write fails, the batch
 * is reported at its first sequence number and delivered again. One log line and one EMF metrics
 * line per batch; record contents are never logged.
 *
 * Environment, read at cold start (anything missing or invalid fails it with
 * `ConfigurationError`): `CLICKHOUSE_URL` (https), `CLICKHOUSE_DATABASE`, `CLICKHOUSE_USER`,
 * `CLICKHOUSE_PASSWORD_SECRET_ARN` (the secret's string is the password), `DEAD_LETTER_BUCKET`,
 * `DEAD_LETTER_PREFIX` (ending in `/`), `DEAD_LETTER_KMS_KEY_ARN`; `AWS_LAMBDA_FUNCTION_NAME`
 * (set by Lambda) names the metrics' dimension.
 *
 * IAM: `secretsmanager:GetSecretValue` on the secret, `s3:PutObject` under the dead-letter
 * prefix, `kms:GenerateDataKey` on the dead-letter key, and the stream's read permissions.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import {
  ClickHouseSink,
  createClickHouseConnection,
  type ClickHouseConnection,
  type ClickHouseConnectionOptions,
} from "./clickhouse-sink";
import { loadConfiguration, type RtlogIngestConfig } from "./config";
import { ingestBatch, shardOf, type PlaybackSink } from "./core";
import { writeBatchMetrics } from "./metrics";
import { S3DeadLetterStore } from "./s3-dead-letters";
import { CachedSecretString } from "./secret";
import { describeError, log } from "../../shared/log";

/** What the handler is built from. */
export interface RtlogIngestHandlerDeps {
  readonly config: RtlogIngestConfig;
  /** Writes the dead-letter objects. */
  readonly s3: S3Client;
  /** Reads the ClickHouse password. */
  readonly secretsManager: SecretsManagerClient;
  /** Opens a ClickHouse client: once per container, and again after a failed call. */
  readonly connectClickHouse: (options: ClickHouseConnectionOptions) => ClickHouseConnection;
  /** The clock of the metrics and of the rows' `ingested_at`. @default () => new Date() */
  readonly now?: () => Date;
}

/** A Kinesis batch handler with partial batch responses. */
export type RtlogIngestHandler = (
  event: KinesisStreamEvent,
  context?: Pick<Context, "awsRequestId">,
) => Promise<KinesisStreamBatchResponse>;

/** The open ClickHouse client and the sink over it. */
interface Connection {
  readonly client: ClickHouseConnection;
  readonly sink: ClickHouseSink;
}

/** Builds the handler; the ClickHouse client is opened on first use and then kept. */
export function createHandler(deps: RtlogIngestHandlerDeps): RtlogIngestHandler {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const password = new CachedSecretString(deps.secretsManager, config.clickHousePasswordSecretArn);
  const deadLetters = new S3DeadLetterStore(deps.s3, {
    bucket: config.deadLetterBucket,
    prefix: config.deadLetterPrefix,
    kmsKeyArn: config.deadLetterKmsKeyArn,
  });

  let connection: Promise<Connection> | undefined;
  const connect = (): Promise<Connection> => {
    connection ??= password.get().then((value) => {
      const client = deps.connectClickHouse({
        url: config.clickHouseUrl,
        database: config.clickHouseDatabase,
        username: config.clickHouseUser,
        password: value,
      });
      return {
        client,
        sink: new ClickHouseSink(client, config.clickHouseDatabase, { now }),
      };
    });
    return connection;
  };
  /** After a failed call: a rotated password or a broken client is replaced on the next batch. */
  const disconnect = async (): Promise<void> => {
    const stale = connection;
    connection = undefined;
    password.forget();
    try {
      await (await stale)?.client.close();
    } catch {
      // Nothing to keep from a client that failed to open or to close.
    }
  };
  const sink: PlaybackSink = {
    insertNew: async (rows, from, to) => (await connect()).sink.insertNew(rows, from, to),
  };

  return async (event, context) => {
    const requestId = context?.awsRequestId;
    const records = event.Records;
    const first = records[0];
    const batch =
      first === undefined
        ? {}
        : {
            shardId: shardOf(first),
            firstSequenceNumber: first.kinesis.sequenceNumber,
            lastSequenceNumber: records[records.length - 1]?.kinesis.sequenceNumber,
          };

    const result = await ingestBatch(records, { sink, deadLetters });
    if (result.failure !== undefined) {
      log("error", "rtlog_ingest.retry", {
        requestId,
        ...batch,
        stage: result.failure.stage,
        ...describeError(result.failure.error),
      });
      if (result.failure.stage !== "dead_letter") await disconnect();
    }
    const retried = result.batchItemFailures.length > 0;
    log(retried || result.counts.malformed > 0 ? "warn" : "info", "rtlog_ingest.batch", {
      requestId,
      ...batch,
      ...result.counts,
      malformedReasons: result.malformedReasons,
      deadLetterKey: result.deadLetterKey ?? null,
      retried,
    });
    writeBatchMetrics(
      { ...result.counts, batchFailures: retried ? 1 : 0 },
      config.functionName,
      now(),
    );
    return { batchItemFailures: result.batchItemFailures };
  };
}

/** The handler Lambda runs, configured from the environment at cold start. */
export const handler: RtlogIngestHandler = createHandler({
  config: loadConfiguration(process.env),
  // Both keep the SDK's standard retries (throttling, 5xx, network errors).
  s3: new S3Client({}),
  secretsManager: new SecretsManagerClient({}),
  connectClickHouse: createClickHouseConnection,
});
