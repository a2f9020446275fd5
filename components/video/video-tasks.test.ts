import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { computedState } from "../../tools/plan/engine/aws-data";
import {
  DEAD_LETTERED_EXIT_CODE,
  TASK_STOPPED_REASON,
  VIDEO_TASK_SCRATCH_PATH,
} from "../../contracts/video-tasks";
import { imageSourceHash } from "../shared/image-repository";
import { STOPPED_EVENT_PATHS } from "./video-task-events";
import { TRICK_PLAY_IMAGE } from "./video-task-image";
import { VideoTasks, type TrickPlaySettings, type VideoTaskSettings } from "./video-tasks";

const IMAGE = "111122223333.dkr.ecr.me-south-1.amazonaws.com/transcripts:1.4.0";
const BUCKET_ARN = "arn:aws:s3:::processed";
const CONTENT_KEY = "arn:aws:kms:me-south-1:111122223333:key/content";
const CATALOG_ARN = "arn:aws:dynamodb:me-south-1:111122223333:table/catalog";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

function run(tasks: readonly VideoTaskSettings[], trickPlay?: TrickPlaySettings) {
  return runComponent((provider) => {
    new VideoTasks(
      "tasks",
      {
        context: TEST_CONTEXT,
        tasks,
        ...(trickPlay === undefined ? {} : { trickPlay }),
        mediaConvertQueueArn: "arn:aws:mediaconvert:me-south-1:111122223333:queues/lectures",
        processedBucketArn: BUCKET_ARN,
        processedBucketName: "processed",
        catalog: { name: "catalog", arn: CATALOG_ARN },
        contentKeyArn: CONTENT_KEY,
        telemetryKeyArn: "arn:aws:kms:me-south-1:111122223333:key/telemetry",
        vpcId: "vpc-1",
        privateSubnetIds: ["subnet-a", "subnet-b"],
      },
      { providers: [provider] },
    );
  });
}

/** The one container of a task definition. */
function containerOf(definition: RecordedResource): Record<string, unknown> {
  const containers = list(JSON.parse(String(definition.inputs.containerDefinitions)));
  expect(containers).toHaveLength(1);
  return record(containers[0]);
}

/** What the engine answers for a created resource (its ARN, URL, generated name). */
const state = (resource: RecordedResource): Record<string, unknown> =>
  computedState(resource.type, resource.name, resource.id ?? "", resource.inputs, resource.region);

const statementsOf = (policy: RecordedResource) =>
  list(json(policy.inputs.policy).Statement).map(record);

describe("VideoTasks: the trick-play task, on by default", async () => {
  const recorded = Recorded.of(await run([]));
  const definition = recorded.named(TASK_DEFINITION, "tasks-trick-play");
  const container = containerOf(definition);
  const queue = recorded.named("aws:sqs/queue:Queue", "tasks-trick-play-dlq");

  it("runs its image, built from this repository for arm64, by digest", () => {
    const image = recorded.named("docker-build:index:Image", "tasks-trick-play-image");
    const repository = recorded.named("aws:ecr/repository:Repository", "tasks-trick-play-image");
    expect(repository.inputs).toMatchObject({
      name: "knowledgecity/trick-play",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
    });
    const url = `111122223333.dkr.ecr.me-south-1.amazonaws.com/knowledgecity/trick-play`;
    expect(image.inputs).toMatchObject({
      dockerfile: { location: "functions/video/trick-play/Dockerfile" },
      platforms: ["linux/arm64"],
      push: true,
      buildOnPreview: false,
      tags: [`${url}:${imageSourceHash(TRICK_PLAY_IMAGE).slice(0, 32)}`],
    });
    const { digest } = state(image);
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(container.image).toBe(`${url}@${String(digest)}`);
    // The platform the image is built for is the one the task runs on.
    expect(definition.inputs.runtimePlatform).toEqual({
      cpuArchitecture: "ARM64",
      operatingSystemFamily: "LINUX",
    });
  });

  it("runs as user 1000 on a read-only root, writing only to a scratch volume, logging to its group", () => {
    expect(definition.inputs).toMatchObject({
      family: "tasks-trick-play",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "1024",
      memory: "2048",
      volumes: [{ name: "scratch" }],
    });
    expect(container).toMatchObject({
      name: "trick-play",
      essential: true,
      readonlyRootFilesystem: true,
      user: "1000",
      mountPoints: [{ sourceVolume: "scratch", containerPath: "/scratch", readOnly: false }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": state(recorded.named("aws:cloudwatch/logGroup:LogGroup", "tasks-logs"))
            .name,
          "awslogs-region": "me-south-1",
          "awslogs-stream-prefix": "trick-play",
        },
      },
    });
  });

  it("sets what its configuration reads besides the event: bucket, queue, deadline, scratch, catalog", () => {
    expect(container.environment).toEqual([
      { name: "CATALOG_TABLE", value: "catalog" },
      {
        name: "DEAD_LETTER_QUEUE_URL",
        value: state(queue).url,
      },
      { name: "DEADLINE_SECONDS", value: "900" },
      { name: "RENDITIONS_BUCKET", value: "processed" },
      { name: "WORK_DIR", value: VIDEO_TASK_SCRATCH_PATH },
    ]);
  });

  it("starts on the queue's COMPLETE events with the job's ids and playlists, parking what it cannot start", () => {
    const rule = recorded.named(EVENT_RULE, "tasks-completed");
    expect(json(rule.inputs.eventPattern)).toEqual({
      source: ["aws.mediaconvert"],
      "detail-type": ["MediaConvert Job State Change"],
      detail: {
        queue: ["arn:aws:mediaconvert:me-south-1:111122223333:queues/lectures"],
        status: ["COMPLETE"],
      },
    });
    const target = recorded.named(EVENT_TARGET, "tasks-trick-play");
    const transformer = record(target.inputs.inputTransformer);
    expect(transformer.inputPaths).toEqual({
      jobId: "$.detail.jobId",
      courseId: "$.detail.userMetadata.courseId",
      videoId: "$.detail.userMetadata.videoId",
      playlist0: "$.detail.outputGroupDetails[0].playlistFilePaths[0]",
      playlist1: "$.detail.outputGroupDetails[0].playlistFilePaths[1]",
    });
    expect(json(transformer.inputTemplate)).toEqual({
      containerOverrides: [
        {
          name: "trick-play",
          environment: [
            { name: "JOB_ID", value: "<jobId>" },
            { name: "COURSE_ID", value: "<courseId>" },
            { name: "VIDEO_ID", value: "<videoId>" },
            { name: "PLAYLIST_URIS", value: "<playlist0> <playlist1>" },
          ],
        },
      ],
    });
    expect(record(target.inputs.ecsTarget)).toMatchObject({
      taskDefinitionArn: state(definition).arn,
      launchType: "FARGATE",
    });
    expect(record(target.inputs.deadLetterConfig).arn).toBe(state(queue).arn);
  });

  it("keeps its dead letters in a KMS-encrypted queue for 14 days", () => {
    expect(queue.inputs).toMatchObject({
      kmsMasterKeyId: CONTENT_KEY,
      sqsManagedSseEnabled: false,
      messageRetentionSeconds: 1_209_600,
    });
  });

  it("turns a stop it did not settle (crash, kill, no start) into a dead letter stating the reason", () => {
    const rule = recorded.named(EVENT_RULE, "tasks-trick-play-stopped");
    const detail = record(json(rule.inputs.eventPattern).detail);
    expect(detail.lastStatus).toEqual(["STOPPED"]);
    expect(detail.taskDefinitionArn).toEqual([
      { prefix: "arn:aws:ecs:me-south-1:111122223333:task-definition/tasks-trick-play:" },
    ]);
    expect(detail.$or).toEqual([
      { containers: { exitCode: [{ "anything-but": [0, DEAD_LETTERED_EXIT_CODE] }] } },
      { stopCode: ["TaskFailedToStart"] },
    ]);
    const target = recorded.named(EVENT_TARGET, "tasks-trick-play-stopped");
    const transformer = record(target.inputs.inputTransformer);
    expect(transformer.inputPaths).toEqual({ ...STOPPED_EVENT_PATHS });
    // Filled with JSON values, the template is the task's dead letter shape.
    const filled = String(transformer.inputTemplate).replace(/<(\w+)>/g, '"x"');
    expect(JSON.parse(filled)).toMatchObject({
      deadLetteredBy: "trick-play",
      reason: TASK_STOPPED_REASON,
      retryable: true,
    });
    expect(target.inputs.arn).toBe(state(queue).arn);
    // EventBridge may send there from this rule and the run target's rule only.
    const policy = statementsOf(
      recorded.named("aws:sqs/queuePolicy:QueuePolicy", "tasks-trick-play-dlq"),
    );
    expect(policy[0]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Condition: {
        ArnEquals: {
          "aws:SourceArn": [
            state(recorded.named(EVENT_RULE, "tasks-completed")).arn,
            state(rule).arn,
          ],
        },
      },
    });
    expect(policy.at(-1)).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("gives it a role of its own: renditions in, its folder out, its queue, the catalog, KMS through the services", () => {
    const statements = statementsOf(recorded.named(ROLE_POLICY, "tasks-trick-play-task"));
    expect(statements.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["ReadRenditions", ["s3:GetObject"], [`${BUCKET_ARN}/courses/*`]],
      ["TellMissingRenditions", ["s3:ListBucket"], [BUCKET_ARN]],
      ["WriteOwnFolder", ["s3:PutObject"], [`${BUCKET_ARN}/courses/*/trickplay/*`]],
      ["SendOwnDeadLetters", ["sqs:SendMessage"], [state(queue).arn]],
      ["RecordInCatalog", ["dynamodb:UpdateItem"], [CATALOG_ARN]],
      ["ContentIsEncrypted", ["kms:Decrypt", "kms:GenerateDataKey"], [CONTENT_KEY]],
    ]);
    expect(statements.at(-1)?.Condition).toEqual({
      StringEquals: {
        "kms:ViaService": [
          "s3.me-south-1.amazonaws.com",
          "sqs.me-south-1.amazonaws.com",
          "dynamodb.me-south-1.amazonaws.com",
        ],
      },
    });
    const role = recorded.named("aws:iam/role:Role", "tasks-trick-play-task");
    expect(definition.inputs.taskRoleArn).toBe(state(role).arn);
    // EventBridge runs only this family in this cluster and passes only the tasks' roles.
    const events = statementsOf(recorded.named(ROLE_POLICY, "tasks-events"));
    expect(events[0]).toMatchObject({
      Action: ["ecs:RunTask"],
      Resource: ["arn:aws:ecs:me-south-1:111122223333:task-definition/tasks-trick-play:*"],
    });
  });
});

describe("VideoTasks: settings", () => {
  it("runs further listed tasks beside trick-play, each writing its own folder, none recording in the catalog", async () => {
    const recorded = Recorded.of(
      await run([{ name: "transcripts", image: IMAGE, deadlineSeconds: 3600 }]),
    );
    expect(
      recorded
        .ofType(TASK_DEFINITION)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["tasks-transcripts", "tasks-trick-play"]);
    const container = containerOf(recorded.named(TASK_DEFINITION, "tasks-transcripts"));
    expect(container.image).toBe(IMAGE);
    expect(
      list(container.environment)
        .map(record)
        .map((e) => e.name),
    ).not.toContain("CATALOG_TABLE");
    expect(list(container.environment).map(record)).toContainEqual({
      name: "DEADLINE_SECONDS",
      value: "3600",
    });
    const statements = statementsOf(recorded.named(ROLE_POLICY, "tasks-transcripts-task"));
    expect(statements.find((s) => s.Sid === "WriteOwnFolder")?.Resource).toEqual([
      `${BUCKET_ARN}/courses/*/transcripts/*`,
    ]);
    expect(statements.map((s) => s.Sid)).not.toContain("RecordInCatalog");
  });

  it("creates nothing to run when trick-play is off and no task is listed", async () => {
    const recorded = Recorded.of(await run([], { enabled: false }));
    expect(recorded.ofType(TASK_DEFINITION)).toEqual([]);
    expect(recorded.ofType("docker-build:index:Image")).toEqual([]);
    expect(recorded.ofType(ROLE_POLICY)).toEqual([]);
  });

  it("passes the trick-play sizes and deadline from config", async () => {
    const recorded = Recorded.of(
      await run([], { enabled: true, cpu: 2048, memoryMb: 4096, deadlineSeconds: 1800 }),
    );
    const definition = recorded.named(TASK_DEFINITION, "tasks-trick-play");
    expect(definition.inputs).toMatchObject({ cpu: "2048", memory: "4096" });
    expect(list(containerOf(definition).environment).map(record)).toContainEqual({
      name: "DEADLINE_SECONDS",
      value: "1800",
    });
  });

  it("refuses sizes Fargate does not offer, deadlines out of range and the built-in task's name, all at once", async () => {
    await expect(
      run([
        { name: "sprites", image: IMAGE, cpu: 1024, memoryMb: 512, deadlineSeconds: 10 },
        { name: "trick-play", image: IMAGE },
      ]),
    ).rejects.toThrow(
      "task name trick-play is the built-in task's (use trickPlay); sprites: memoryMb 512 is outside 2048..8192 for cpu 1024; sprites: deadlineSeconds 10 is outside 30..14400",
    );
  });
});
