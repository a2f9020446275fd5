/**
 * From the events to the task, end to end without AWS: EventBridge's input transformer is
 * emulated on the fixtures' MediaConvert COMPLETE event (as EventBridge delivers it) and on an ECS
 * "task stopped" event, with the paths and templates the program deploys
 * (components/video/video-task-events.ts). The task's configuration loader reads the environment
 * the task would start with; the stopped task's dead letter has the task's own dead letters' shape.
 *
 * The emulation follows the InputTransformer reference: each path's value replaces its
 * `<placeholder>`; inside a JSON string as text, elsewhere as JSON
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html).
 */
import { describe, expect, it } from "vitest";
import {
  COMPLETE_EVENT_PATHS,
  STOPPED_EVENT_PATHS,
  definitionEnvironment,
  runTaskInputTemplate,
  stoppedTaskDeadLetterTemplate,
} from "../../../components/video/video-task-events";
import { TASK_STOPPED_REASON, TRICK_PLAY_TASK } from "../../../contracts/video-tasks";
import {
  HLS_KEY,
  JOB_ID,
  COURSE_ID,
  OUTPUT_BUCKET,
  VIDEO_ID,
  at,
  completeDetail,
  jobEvent,
} from "../encode-status/fixtures/events";
import { loadConfiguration } from "./config";
import { deadLetterBody, failure } from "./errors";

/** The value at a JSON path of dot names and array indices (`$.detail.a[0].b`). */
function valueAt(event: unknown, path: string): unknown {
  const steps = path
    .replace(/^\$\./, "")
    .split(".")
    .flatMap((part) => {
      const [name = "", ...indices] = part.split(/[[\]]+/).filter((piece) => piece !== "");
      return [name, ...indices.map(Number)];
    });
  return steps.reduce<unknown>((node, step) => {
    if (node === null || typeof node !== "object") return undefined;
    return (node as Record<string | number, unknown>)[step];
  }, event);
}

/** The transformed input: placeholders replaced, as text inside strings, as JSON outside. */
function transform(
  event: unknown,
  paths: Readonly<Record<string, string>>,
  template: string,
): string {
  let inString = false;
  let output = "";
  for (let index = 0; index < template.length; index += 1) {
    const char = template[index] ?? "";
    if (char === '"' && template[index - 1] !== "\\") inString = !inString;
    const placeholder = char === "<" ? /^<([\w.-]+)>/.exec(template.slice(index)) : null;
    const name = placeholder?.[1];
    if (placeholder === null || name === undefined || !(name in paths)) {
      output += char;
      continue;
    }
    const value = valueAt(event, paths[name] ?? "");
    output += inString ? String(value) : JSON.stringify(value);
    index += placeholder[0].length - 1;
  }
  return output;
}

interface Overrides {
  readonly containerOverrides: readonly {
    readonly name: string;
    readonly environment: readonly { readonly name: string; readonly value: string }[];
  }[];
}

const QUEUE_URL = "https://sqs.me-south-1.amazonaws.com/111122223333/kc-video-tasks-trick-play-dlq";

describe("the COMPLETE event, through the run target's input transformer", () => {
  const event = jobEvent(completeDetail(at(60)));
  const overrides = JSON.parse(
    transform(event, COMPLETE_EVENT_PATHS, runTaskInputTemplate(TRICK_PLAY_TASK)),
  ) as Overrides;

  it("starts the task with a configuration naming the job's HLS playlist", () => {
    const [container] = overrides.containerOverrides;
    expect(container?.name).toBe(TRICK_PLAY_TASK);
    const environment = Object.fromEntries(
      [
        ...definitionEnvironment({
          renditionsBucket: OUTPUT_BUCKET,
          deadLetterQueueUrl: QUEUE_URL,
          deadlineSeconds: 900,
          catalogTable: "kc-video-catalog-0a1b2c",
        }),
        ...(container?.environment ?? []),
      ].map(({ name, value }) => [name, value]),
    );
    const config = loadConfiguration(environment);
    expect(config).toEqual({
      request: { courseId: COURSE_ID, videoId: VIDEO_ID, jobId: JOB_ID, manifestKey: HLS_KEY },
      bucket: OUTPUT_BUCKET,
      deadlineMs: 900_000,
      workRoot: "/scratch",
      catalogTable: "kc-video-catalog-0a1b2c",
      deadLetterQueueUrl: QUEUE_URL,
    });
  });

  it("still finds the playlist when the group lists the HLS one first", () => {
    const detail = completeDetail(at(60));
    const groups = detail.outputGroupDetails as { playlistFilePaths?: string[] }[];
    groups[0]?.playlistFilePaths?.reverse();
    const reordered = JSON.parse(
      transform(jobEvent(detail), COMPLETE_EVENT_PATHS, runTaskInputTemplate(TRICK_PLAY_TASK)),
    ) as Overrides;
    const uris = reordered.containerOverrides[0]?.environment.find(
      (entry) => entry.name === "PLAYLIST_URIS",
    )?.value;
    expect(uris?.split(" ")[0]).toBe(`s3://${OUTPUT_BUCKET}/${HLS_KEY}`);
  });
});

describe("a stopped task's event, through the stopped-task rule's input transformer", () => {
  // An ECS task state change for a task killed for memory (exit 137), started by the run target.
  const stopped = {
    version: "0",
    id: "9bcdac79-b31f-4d3d-9410-fbd727c29fab",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "111122223333",
    time: "2025-01-01T00:12:00Z",
    region: "me-south-1",
    resources: ["arn:aws:ecs:me-south-1:111122223333:task/kc-video-tasks-cluster/0d1f2e3c"],
    detail: {
      clusterArn: "arn:aws:ecs:me-south-1:111122223333:cluster/kc-video-tasks-cluster",
      containers: [
        {
          name: TRICK_PLAY_TASK,
          exitCode: 137,
          reason: "OutOfMemoryError: Container killed due to memory usage",
          lastStatus: "STOPPED",
        },
      ],
      lastStatus: "STOPPED",
      desiredStatus: "STOPPED",
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      taskArn: "arn:aws:ecs:me-south-1:111122223333:task/kc-video-tasks-cluster/0d1f2e3c",
      taskDefinitionArn:
        "arn:aws:ecs:me-south-1:111122223333:task-definition/kc-video-tasks-trick-play:3",
      overrides: {
        containerOverrides: [
          { name: TRICK_PLAY_TASK, environment: [{ name: "VIDEO_ID", value: VIDEO_ID }] },
        ],
      },
    },
  };

  it("is a dead letter of the task's shape, stating the reason, the exit and how to rerun it", () => {
    const letter = JSON.parse(
      transform(stopped, STOPPED_EVENT_PATHS, stoppedTaskDeadLetterTemplate(TRICK_PLAY_TASK)),
    ) as Record<string, unknown>;
    const own = JSON.parse(
      deadLetterBody({ videoId: VIDEO_ID }, failure("ffmpeg-failed", "exit 1")),
    ) as Record<string, unknown>;
    // The fields every dead letter of the task has, whoever sent it.
    for (const field of ["deadLetteredBy", "reason", "detail", "retryable"]) {
      expect(Object.keys(letter), field).toContain(field);
      expect(Object.keys(own), field).toContain(field);
    }
    expect(letter).toEqual({
      deadLetteredBy: TRICK_PLAY_TASK,
      reason: TASK_STOPPED_REASON,
      detail: "Essential container in task exited",
      stopCode: "EssentialContainerExited",
      retryable: true,
      taskArn: stopped.detail.taskArn,
      containers: stopped.detail.containers,
      overrides: stopped.detail.overrides,
    });
  });
});
