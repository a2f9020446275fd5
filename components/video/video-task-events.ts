/**
 * The events around a post-encode task, as plain data: what starts it (the COMPLETE event of a
 * job of the pipeline's queue, and the container environment EventBridge builds from it), and
 * what reports a task that stopped without sending its own dead letter (ECS's task state change,
 * and the dead letter EventBridge builds from it). Kept apart from the component so the patterns
 * and templates are tested on their own.
 */
import {
  DEAD_LETTERED_EXIT_CODE,
  TASK_STOPPED_REASON,
  VIDEO_TASK_SCRATCH_PATH,
  type VideoTaskVariable,
} from "../../contracts/video-tasks";

/**
 * The COMPLETE event's fields each task is started with, as EventBridge input paths. The first
 * output group is the streaming (CMAF) group the submit function creates first; its
 * `playlistFilePaths` holds the `.m3u8` and the `.mpd` in no fixed order, so both are passed
 * (array indices are EventBridge JSON paths:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 * A path missing from an event leaves its variable out, which the task reports as missing
 * configuration.
 */
export const COMPLETE_EVENT_PATHS = {
  jobId: "$.detail.jobId",
  courseId: "$.detail.userMetadata.courseId",
  videoId: "$.detail.userMetadata.videoId",
  playlist0: "$.detail.outputGroupDetails[0].playlistFilePaths[0]",
  playlist1: "$.detail.outputGroupDetails[0].playlistFilePaths[1]",
} as const;

/** The event pattern of the completed jobs of `queueArn`. */
export function completedJobsPattern<Q>(queueArn: Q) {
  return {
    source: ["aws.mediaconvert"],
    "detail-type": ["MediaConvert Job State Change"],
    detail: { queue: [queueArn], status: ["COMPLETE"] },
  };
}

/** A container environment entry. */
export interface EnvironmentEntry {
  readonly name: VideoTaskVariable;
  readonly value: string;
}

/**
 * The input template of a task's target: ECS `RunTask` container overrides
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html) carrying
 * the event's ids and playlists; the task's other variables are in its definition. Placeholders
 * sit inside JSON strings, as the InputTransformer reference allows
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html).
 */
export function runTaskInputTemplate(container: string): string {
  const environment: EnvironmentEntry[] = [
    { name: "JOB_ID", value: "<jobId>" },
    { name: "COURSE_ID", value: "<courseId>" },
    { name: "VIDEO_ID", value: "<videoId>" },
    { name: "PLAYLIST_URIS", value: "<playlist0> <playlist1>" },
  ];
  return JSON.stringify({ containerOverrides: [{ name: container, environment }] });
}

/** The variables a task's definition sets (the rest come from the event). */
export interface TaskDefinitionEnvironment {
  readonly renditionsBucket: string;
  readonly deadLetterQueueUrl: string;
  readonly deadlineSeconds: number;
  /** The catalog, for a task that records its output there. */
  readonly catalogTable?: string;
}

/** The environment of a task's definition, sorted by name (as ECS returns it). */
export function definitionEnvironment(settings: TaskDefinitionEnvironment): EnvironmentEntry[] {
  const entries: EnvironmentEntry[] = [
    { name: "RENDITIONS_BUCKET", value: settings.renditionsBucket },
    { name: "DEAD_LETTER_QUEUE_URL", value: settings.deadLetterQueueUrl },
    { name: "DEADLINE_SECONDS", value: String(settings.deadlineSeconds) },
    { name: "WORK_DIR", value: VIDEO_TASK_SCRATCH_PATH },
    ...(settings.catalogTable === undefined
      ? []
      : [{ name: "CATALOG_TABLE" as const, value: settings.catalogTable }]),
  ];
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The pattern of the stopped tasks of one task family in one cluster that did not settle
 * themselves: an exit code other than 0 (done) and `DEAD_LETTERED_EXIT_CODE` (failed, dead letter
 * sent), or no start at all (`TaskFailedToStart`: an image that cannot be pulled, no capacity).
 * Fields of ECS's task state change event:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html;
 * `anything-but` with numbers and `$or`:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html.
 */
export function unsettledStopsPattern<C>(clusterArn: C, taskDefinitionArnPrefix: string) {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      clusterArn: [clusterArn],
      lastStatus: ["STOPPED"],
      taskDefinitionArn: [{ prefix: taskDefinitionArnPrefix }],
      $or: [
        { containers: { exitCode: [{ "anything-but": [0, DEAD_LETTERED_EXIT_CODE] }] } },
        { stopCode: ["TaskFailedToStart"] },
      ],
    },
  };
}

/** The stopped-task event's fields in its dead letter: each is in every STOPPED event. */
export const STOPPED_EVENT_PATHS = {
  taskArn: "$.detail.taskArn",
  stopCode: "$.detail.stopCode",
  stoppedReason: "$.detail.stoppedReason",
  containers: "$.detail.containers",
  overrides: "$.detail.overrides",
} as const;

/**
 * The dead letter of a task that stopped without sending its own, in the shape of the task's
 * (`deadLetteredBy`, `reason`, `detail`, `retryable`), with the task's container states (exit
 * codes and reasons) and its overrides (the event's ids and playlists, to run it again).
 */
export function stoppedTaskDeadLetterTemplate(task: string): string {
  return [
    "{",
    `"deadLetteredBy":${JSON.stringify(task)},`,
    `"reason":${JSON.stringify(TASK_STOPPED_REASON)},`,
    '"detail":<stoppedReason>,',
    '"stopCode":<stopCode>,',
    '"retryable":true,',
    '"taskArn":<taskArn>,',
    '"containers":<containers>,',
    '"overrides":<overrides>',
    "}",
  ].join("");
}
