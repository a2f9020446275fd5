import type { AnalyticsCluster } from "../analytics/analytics-cluster";
import type { Compliance } from "../security/compliance";
import type { GlobalEdge } from "../edge/global-edge";
import type { HomeRegion } from "../data/home-region";
import type { Monolith } from "../app/monolith";
import type { ObservedResources } from "./metrics";
import type { Tokenization } from "../security/tokenization";
import type { UserDataStore } from "../data/user-data-store";
import type { VideoPipeline } from "../video/video-pipeline";

/** The parts of a region whose health the alarms watch. */
export interface PlatformParts {
  readonly monolith: Monolith;
  readonly userStore: UserDataStore;
  readonly tokenization: Tokenization;
  readonly compliance: Compliance;
  readonly homeRegion?: HomeRegion;
  readonly video?: VideoPipeline;
  readonly edge?: GlobalEdge;
  readonly analytics?: AnalyticsCluster;
}

function entries<T>(record: Readonly<Record<string, T>>): { id: string; value: T }[] {
  return Object.entries(record).map(([id, value]) => ({ id, value }));
}

/**
 * Everything in a region that breaks users when it fails, by a readable id: the monolith's load
 * balancer, instances and queues, every function, the video pipeline's queues, MediaConvert queue
 * and CDN, the user store, and the global edge where the stack hosts it.
 */
export function platformSignals(parts: PlatformParts): ObservedResources {
  const { monolith, video, analytics } = parts;
  const functions = [
    { id: "pii-tokenize", name: parts.tokenization.tokenizeFunction.function.name },
    { id: "pii-detokenize", name: parts.tokenization.detokenizeFunction.function.name },
    { id: "residency-audit", name: parts.compliance.auditFunction.function.name },
    ...(parts.homeRegion === undefined
      ? []
      : [{ id: "home-region", name: parts.homeRegion.function.function.name }]),
    ...(video === undefined
      ? []
      : entries(video.signals.functions).map(({ id, value }) => ({ id, name: value }))),
    ...(analytics?.ingest === undefined
      ? []
      : [{ id: "rtlog-ingest", name: analytics.ingest.functionName }]),
  ];
  return {
    loadBalancers: [{ id: "monolith", ...monolith.signals.loadBalancer }],
    autoScalingGroups: [{ id: "monolith", ...monolith.signals.autoScalingGroup }],
    queues: [
      { id: "monolith-work", name: monolith.signals.queueName },
      ...(video === undefined
        ? []
        : entries(video.signals.queues).map(({ id, value }) => ({ id, name: value }))),
    ],
    deadLetterQueues: [
      { id: "monolith-work", name: monolith.signals.deadLetterQueueName },
      ...(video === undefined
        ? []
        : entries(video.signals.deadLetterQueues).map(({ id, value }) => ({ id, name: value }))),
      ...(analytics?.ingest === undefined
        ? []
        : [{ id: "rtlog-ingest", name: analytics.ingest.failureQueueName }]),
    ],
    functions,
    mediaConvertQueues:
      video === undefined ? [] : [{ id: "video", arn: video.signals.mediaConvertQueueArn }],
    auroraClusters:
      parts.userStore.cluster === undefined
        ? []
        : [{ id: "users", identifier: parts.userStore.cluster.clusterIdentifier }],
    dynamoTables: [
      ...entries(parts.userStore.tables).flatMap(({ id, value }) =>
        value === undefined ? [] : [{ id: `${id}-table`, name: value.name }],
      ),
      ...(video === undefined ? [] : [{ id: "video-catalog", name: video.catalogTableName }]),
    ],
    distributions: [
      ...(parts.edge === undefined
        ? []
        : [{ id: "spa", distributionId: parts.edge.distributionId }]),
      ...(video === undefined
        ? []
        : [{ id: "video", distributionId: video.signals.distributionId }]),
    ],
  };
}
