/**
 * MediaConvert job state changes, the pure part: what the status topic hears, and the flow over
 * injected dependencies (`VideoCatalog`, `StatusNotifier`). Nothing here talks to AWS; the event
 * itself is parsed in `./job-event`.
 *
 * Only the video's current job (the one encode-submit recorded last) changes the catalog: an
 * event of a job that a newer upload superseded is acknowledged and dropped (`superseded`), with
 * no catalog write and no notification.
 */
import {
  isTerminal,
  optional,
  parseJobStateChange,
  type CatalogUpdate,
  type IgnoredReason,
  type JobError,
  type TerminalStatus,
} from "./job-event";

// ---------------------------------------------------------------------------------------------
// The notification
// ---------------------------------------------------------------------------------------------

/** What the status topic publishes when a job ends. */
export interface StatusNotification {
  readonly videoId: string;
  readonly courseId: string;
  readonly status: TerminalStatus;
  readonly jobId: string;
  readonly manifests?: { readonly hls?: string; readonly dash?: string };
  readonly error?: JobError;
}

/** The notification a recorded update sends: terminal statuses only. */
export function notificationFor(update: CatalogUpdate): StatusNotification | undefined {
  if (!isTerminal(update.status)) return undefined;
  const base = {
    videoId: update.videoId,
    courseId: update.courseId,
    status: update.status,
    jobId: update.jobId,
  };
  const outputs = update.outputs;
  if (update.status === "COMPLETE" && outputs !== undefined) {
    return {
      ...base,
      manifests: {
        ...optional("hls", outputs.hlsManifestKey),
        ...optional("dash", outputs.dashManifestKey),
      },
    };
  }
  if (update.status === "ERROR" && update.error !== undefined) {
    return { ...base, error: update.error };
  }
  return base;
}

// ---------------------------------------------------------------------------------------------
// Dependencies and the flow
// ---------------------------------------------------------------------------------------------

/** The catalog's record of a video when an update was refused as stale. */
export interface CurrentRecord {
  readonly status?: string;
  readonly lastEvent?: string;
  readonly jobId?: string;
  readonly updatedAt?: string;
}

/** How a catalog update went. */
export type RecordOutcome =
  | { readonly outcome: "recorded" }
  | { readonly outcome: "stale"; readonly current?: CurrentRecord }
  | { readonly outcome: "superseded"; readonly currentJobId: string };

/** The video catalog. */
export interface VideoCatalog {
  /**
   * Applies `update` unless another job is the video's current one (`superseded`), or the record
   * holds a newer event, or a terminal status and the update is not terminal (`stale`). Throws
   * `CatalogError` when the write fails.
   */
  record(update: CatalogUpdate): Promise<RecordOutcome>;
}

/** The status topic. */
export interface StatusNotifier {
  /** Publishes `notification`; throws `NotificationError` when that fails. */
  publish(notification: StatusNotification): Promise<void>;
}

/** What the flow needs. */
export interface EncodeStatusDeps {
  readonly catalog: VideoCatalog;
  readonly notifier: StatusNotifier;
}

/** What one event did. */
export type StatusOutcome =
  | {
      readonly outcome: "ignored";
      readonly reason: IgnoredReason;
      readonly jobId?: string;
      readonly status?: string;
    }
  | { readonly outcome: "stale"; readonly update: CatalogUpdate; readonly current?: CurrentRecord }
  | {
      readonly outcome: "superseded";
      readonly update: CatalogUpdate;
      /** The job the catalog follows instead. */
      readonly currentJobId: string;
    }
  | {
      readonly outcome: "recorded";
      readonly update: CatalogUpdate;
      readonly notification?: StatusNotification;
    };

/**
 * Validates the event (before any call), records it in the catalog, and publishes terminal
 * statuses. A stale or superseded event changes nothing and publishes nothing.
 */
export async function processJobStateChange(
  event: unknown,
  deps: EncodeStatusDeps,
): Promise<StatusOutcome> {
  const parsed = parseJobStateChange(event);
  if (parsed.kind === "ignored") {
    return {
      outcome: "ignored",
      reason: parsed.reason,
      ...optional("jobId", parsed.jobId),
      ...optional("status", parsed.status),
    };
  }
  const { update } = parsed;
  const result = await deps.catalog.record(update);
  if (result.outcome === "stale" || result.outcome === "superseded") {
    return { ...result, update };
  }
  const notification = notificationFor(update);
  if (notification !== undefined) {
    await deps.notifier.publish(notification);
  }
  return { outcome: "recorded", update, ...optional("notification", notification) };
}
