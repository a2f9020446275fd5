/**
 * The batch metrics as one CloudWatch Embedded Metric Format log line: CloudWatch Logs turns it
 * into metrics without an API call, so alarms can watch malformed records and failed batches.
 */
import type { IngestCounts } from "./core";

/** The metrics' namespace. */
export const METRICS_NAMESPACE = "KnowledgeCity/Analytics";

/** What one batch reports. `BatchFailures` is 1 when the batch is to be delivered again. */
export interface BatchMetrics extends IngestCounts {
  readonly batchFailures: number;
}

/** The EMF object for one batch, dimension `FunctionName`. */
export function batchMetricsRecord(
  metrics: BatchMetrics,
  functionName: string,
  at: Date,
): Record<string, unknown> {
  const values = {
    Received: metrics.received,
    Inserted: metrics.inserted,
    Duplicates: metrics.duplicates,
    Malformed: metrics.malformed,
    BatchFailures: metrics.batchFailures,
  };
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [["FunctionName"]],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: "Count" })),
        },
      ],
    },
    FunctionName: functionName,
    ...values,
  };
}

/** Writes the batch's EMF line to standard output, where Lambda sends it to CloudWatch Logs. */
export function writeBatchMetrics(metrics: BatchMetrics, functionName: string, at: Date): void {
  console.log(JSON.stringify(batchMetricsRecord(metrics, functionName, at)));
}
