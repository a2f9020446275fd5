import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  TRICK_PLAY_FOLDER,
  TRICK_PLAY_TASK,
  VIDEO_TASK_SCRATCH_PATH,
} from "../../contracts/video-tasks";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";
import { FARGATE_MEMORY_RANGES } from "./settings";
import { DEAD_LETTER_RETENTION_SECONDS, queuePolicy, secureQueue } from "../shared/secure-queue";
import {
  COMPLETE_EVENT_PATHS,
  STOPPED_EVENT_PATHS,
  completedJobsPattern,
  definitionEnvironment,
  runTaskInputTemplate,
  stoppedTaskDeadLetterTemplate,
  unsettledStopsPattern,
} from "./video-task-events";
import { trickPlayImage } from "./video-task-image";
import { deadLetterQueueStatements, taskRolePolicy } from "./video-task-policies";

/** A container task run after each completed encode (work MediaConvert does not do). */
export interface VideoTaskSettings {
  /** Task name, for example `transcripts` or `sprites`. */
  readonly name: string;
  /** Container image (an ECR URI with a digest or tag). */
  readonly image: pulumi.Input<string>;
  /**
   * Fargate CPU units, one of the sizes Fargate offers
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
   * @default 1024
   */
  readonly cpu?: number;
  /** Memory in MiB, within what Fargate pairs with `cpu`. @default 2048 */
  readonly memoryMb?: number;
  /**
   * The folder, inside each video's folder, that the task writes (ending in `/`); its role
   * writes nothing else. @default `<name>/`
   */
  readonly outputFolder?: string;
  /** Whether the task records its output on the video's catalog item. @default false */
  readonly recordsInCatalog?: boolean;
  /** The whole run's budget (`DEADLINE_SECONDS`), 30 to 14400. @default 900 */
  readonly deadlineSeconds?: number;
}

/** The trick-play task (`functions/video/trick-play`), built from this repository. */
export interface TrickPlaySettings {
  /** Whether completed encodes get a trick-play track. @default true */
  readonly enabled: boolean;
  /** Fargate CPU units. @default 1024 */
  readonly cpu?: number;
  /** Memory in MiB. @default 2048 */
  readonly memoryMb?: number;
  /** The run's budget in seconds. @default 900 */
  readonly deadlineSeconds?: number;
}

/** Arguments of `VideoTasks`. */
export interface VideoTasksArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** Further tasks to run after each encode (images built elsewhere). @default none */
  readonly tasks?: readonly VideoTaskSettings[];
  /** The trick-play task. @default { enabled: true } */
  readonly trickPlay?: TrickPlaySettings;
  /** The MediaConvert queue whose completed jobs start the tasks. */
  readonly mediaConvertQueueArn: pulumi.Input<string>;
  /** Renditions bucket: tasks read `courses/*` and write their own folder under it. */
  readonly processedBucketArn: pulumi.Input<string>;
  /** The renditions bucket's name (`RENDITIONS_BUCKET`). */
  readonly processedBucketName: pulumi.Input<string>;
  /** The video catalog, for tasks that record their output (`CATALOG_TABLE`). */
  readonly catalog: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  /**
   * Key of the renditions, the catalog and the dead letters (content); its policy must let
   * EventBridge encrypt messages for the account's queues, as encode-status's grant does.
   */
  readonly contentKeyArn: pulumi.Input<string>;
  /** Key of the tasks' logs (telemetry). */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** The VPC the tasks' security group is in. */
  readonly vpcId: pulumi.Input<string>;
  /** Where the tasks run, without public addresses. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** How long the tasks' logs are kept. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
}

/** The default run budget: 15 minutes, far more than an hour-long lecture's 360p needs. */
export const DEFAULT_DEADLINE_SECONDS = 900;

/** A task's settings without its image. */
type TaskShape = Omit<VideoTaskSettings, "image">;

/** A task with every default resolved. */
type ResolvedTask = Required<Omit<VideoTaskSettings, "image">> & {
  readonly image: pulumi.Input<string>;
};

/**
 * Container tasks for work MediaConvert does not do, the trick-play track first: each an ECS
 * task on Fargate (ARM64) in the private subnets, started by EventBridge when a job of the
 * pipeline's queue completes, with the job's ids and playlists in its environment
 * (`contracts/video-tasks.ts`), a read-only root file system, user 1000, a scratch volume for its
 * work files and a role of its own (read renditions, write its own folder, send its dead letters,
 * update the catalog if it records there).
 *
 * Why ECS Fargate rather than EKS pods on Fargate: each task is a one-shot run per event, which
 * EventBridge starts directly (`RunTask`) with a role per task definition; there is no controller
 * to run, no node or cluster capacity to keep, and nothing to pay between videos. Pods on EKS
 * Fargate would need a controller in the cluster turning events into Jobs, and the analytics
 * cluster is off in stacks without analytics.
 *
 * Bounded: ECS has no task timeout, so each task is given `DEADLINE_SECONDS`; the code aborts
 * its reads, ffmpeg and its writes when it passes and exits (trick-play: `runTrickPlay`'s
 * deadline). Idempotent: the task's outputs follow from its inputs, so a second event or a rerun
 * rewrites the same keys.
 *
 * Failures reach the task's dead-letter queue (KMS-encrypted, 14 days) with their reason: the task
 * sends its own (and exits with 3); ECS's "task stopped" event of any other non-zero exit, or of a
 * task that never started, becomes one through a rule of its own (`task-stopped`, with the exit
 * codes and the overrides to rerun it); and an event EventBridge could not start a task for is
 * parked there by the run target itself.
 */
export class VideoTasks extends pulumi.ComponentResource {
  /** The cluster the tasks run in. */
  public readonly clusterArn: pulumi.Output<string>;
  /** Each task's dead-letter queue name, by task name. */
  public readonly deadLetterQueues: Readonly<Record<string, pulumi.Output<string>>>;
  /** Each task's family (its task definition's name), by task name. */
  public readonly families: Readonly<Record<string, string>>;
  /** The ECR repositories of the images built here (the trick-play image's), by task name. */
  public readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: VideoTasksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:video:VideoTasks", name, {}, opts);
    const trickPlay = args.trickPlay ?? { enabled: true };
    const listed = args.tasks ?? [];
    // The built-in task: its image is built here once the settings are known to be sound.
    const trickPlayTask: TaskShape | undefined = trickPlay.enabled
      ? {
          name: TRICK_PLAY_TASK,
          outputFolder: TRICK_PLAY_FOLDER,
          recordsInCatalog: true,
          ...(trickPlay.cpu === undefined ? {} : { cpu: trickPlay.cpu }),
          ...(trickPlay.memoryMb === undefined ? {} : { memoryMb: trickPlay.memoryMb }),
          ...(trickPlay.deadlineSeconds === undefined
            ? {}
            : { deadlineSeconds: trickPlay.deadlineSeconds }),
        }
      : undefined;
    const problems = [
      ...listed.flatMap((task) =>
        task.name === TRICK_PLAY_TASK
          ? [`task name ${TRICK_PLAY_TASK} is the built-in task's (use trickPlay)`]
          : [],
      ),
      ...[...listed, ...(trickPlayTask === undefined ? [] : [trickPlayTask])].flatMap(taskProblems),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const { accountId, partition, region } = args.context;
    const parent = { parent: this };
    /** A family's task definitions' ARNs without the revision, up to its `:`. */
    const taskDefinitionPrefix = (family: string): string =>
      `arn:${partition}:ecs:${region}:${accountId}:task-definition/${family}:`;

    const builtImage =
      trickPlayTask === undefined
        ? undefined
        : trickPlayImage(`${name}-${TRICK_PLAY_TASK}`, { kmsKeyArn: args.contentKeyArn }, this);
    this.repositoryUrls =
      builtImage === undefined ? {} : { [TRICK_PLAY_TASK]: builtImage.repositoryUrl };
    const tasks: ResolvedTask[] = [
      ...(trickPlayTask === undefined || builtImage === undefined
        ? []
        : [resolveTask({ ...trickPlayTask, image: builtImage.reference })]),
      ...listed.map(resolveTask),
    ];

    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: "enabled" }] },
      parent,
    );
    const group = new aws.ec2.SecurityGroup(
      `${name}-tasks`,
      {
        vpcId: args.vpcId,
        description: "Video tasks: no inbound, HTTPS out (S3 and ECR through the VPC's endpoints)",
        ingress: [],
        egress: [
          {
            description: "HTTPS",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
        tags: { Name: `${name}-tasks` },
      },
      parent,
    );
    const logs = encryptedLogGroup(
      `${name}-logs`,
      { kmsKeyArn: args.telemetryKeyArn, retentionDays: args.logRetentionDays },
      this,
    );
    const executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        description: "Video tasks: pull images, write logs",
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId),
        managedPolicyArns: [
          `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
        ],
      },
      parent,
    );
    const completed = new aws.cloudwatch.EventRule(
      `${name}-completed`,
      {
        description: "Completed encodes of the pipeline's queue start the video tasks",
        eventPattern: pulumi.jsonStringify(completedJobsPattern(args.mediaConvertQueueArn)),
      },
      parent,
    );
    const eventsRole = new aws.iam.Role(
      `${name}-events`,
      {
        description: "EventBridge starts the video tasks",
        assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", accountId),
      },
      parent,
    );

    const started = tasks.map((task) => {
      const family = `${name}-${task.name}`;
      const { queue: deadLetterQueue } = secureQueue(
        `${family}-dlq`,
        {
          sqsManagedSseEnabled: false,
          kmsKeyArn: args.contentKeyArn,
          dataClass: "content",
          messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
          deadLetter: false,
          // Its policy names the rules, created below.
          writePolicy: false,
        },
        this,
      );
      const taskRole = new aws.iam.Role(
        `${family}-task`,
        {
          description: `Video task ${task.name}: reads renditions, writes ${task.outputFolder} only`,
          assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId),
        },
        parent,
      );
      new aws.iam.RolePolicy(
        `${family}-task`,
        {
          role: taskRole.id,
          policy: pulumi.jsonStringify(
            taskRolePolicy({
              region,
              bucketArn: args.processedBucketArn,
              outputFolder: task.outputFolder,
              contentKeyArn: args.contentKeyArn,
              deadLetterQueueArn: deadLetterQueue.arn,
              ...(task.recordsInCatalog ? { catalogTableArn: args.catalog.arn } : {}),
            }),
          ),
        },
        parent,
      );
      const definition = new aws.ecs.TaskDefinition(
        family,
        {
          family,
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: String(task.cpu),
          memory: String(task.memoryMb),
          runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
          executionRoleArn: executionRole.arn,
          taskRoleArn: taskRole.arn,
          // A bind mount on the task's ephemeral storage: the only place the container writes
          // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html).
          volumes: [{ name: "scratch" }],
          containerDefinitions: pulumi.jsonStringify([
            {
              name: task.name,
              image: task.image,
              essential: true,
              readonlyRootFilesystem: true,
              user: "1000",
              environment: pulumi
                .all([args.processedBucketName, deadLetterQueue.url, args.catalog.name])
                .apply(([bucket, queueUrl, table]) =>
                  definitionEnvironment({
                    renditionsBucket: bucket,
                    deadLetterQueueUrl: queueUrl,
                    deadlineSeconds: task.deadlineSeconds,
                    ...(task.recordsInCatalog ? { catalogTable: table } : {}),
                  }),
                ),
              mountPoints: [
                {
                  sourceVolume: "scratch",
                  containerPath: VIDEO_TASK_SCRATCH_PATH,
                  readOnly: false,
                },
              ],
              logConfiguration: {
                logDriver: "awslogs",
                options: {
                  "awslogs-group": logs.name,
                  "awslogs-region": region,
                  "awslogs-stream-prefix": task.name,
                },
              },
            },
          ]),
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        family,
        {
          rule: completed.name,
          arn: cluster.arn,
          roleArn: eventsRole.arn,
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
          // An event no task could be started for (RunTask refused, no capacity) is kept.
          deadLetterConfig: { arn: deadLetterQueue.arn },
          ecsTarget: {
            taskDefinitionArn: definition.arn,
            launchType: "FARGATE",
            taskCount: 1,
            networkConfiguration: {
              subnets: args.privateSubnetIds,
              securityGroups: [group.id],
              assignPublicIp: false,
            },
          },
          inputTransformer: {
            inputPaths: { ...COMPLETE_EVENT_PATHS },
            inputTemplate: runTaskInputTemplate(task.name),
          },
        },
        parent,
      );
      const stopped = new aws.cloudwatch.EventRule(
        `${family}-stopped`,
        {
          description: `Video task ${task.name} stopped without settling: its dead letter`,
          eventPattern: pulumi.jsonStringify(
            unsettledStopsPattern(cluster.arn, taskDefinitionPrefix(family)),
          ),
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${family}-stopped`,
        {
          rule: stopped.name,
          arn: deadLetterQueue.arn,
          retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 86_400 },
          inputTransformer: {
            inputPaths: { ...STOPPED_EVENT_PATHS },
            inputTemplate: stoppedTaskDeadLetterTemplate(task.name),
          },
        },
        parent,
      );
      queuePolicy(
        `${family}-dlq`,
        deadLetterQueue,
        deadLetterQueueStatements(deadLetterQueue.arn, [completed.arn, stopped.arn]),
        this,
      );
      return { task, family, taskRole, deadLetterQueue };
    });

    if (started.length > 0) {
      new aws.iam.RolePolicy(
        `${name}-events`,
        {
          role: eventsRole.id,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "RunTheTasks",
                Effect: "Allow",
                Action: ["ecs:RunTask"],
                Resource: started.map(({ family }) => `${taskDefinitionPrefix(family)}*`),
                Condition: { ArnEquals: { "ecs:cluster": cluster.arn } },
              },
              {
                Sid: "HandTheTasksTheirRoles",
                Effect: "Allow",
                Action: ["iam:PassRole"],
                Resource: [executionRole.arn, ...started.map(({ taskRole }) => taskRole.arn)],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
              },
            ],
          }),
        },
        parent,
      );
    }

    this.clusterArn = cluster.arn;
    this.deadLetterQueues = Object.fromEntries(
      started.map(({ task, deadLetterQueue }) => [task.name, deadLetterQueue.name]),
    );
    this.families = Object.fromEntries(started.map(({ task, family }) => [task.name, family]));
    this.registerOutputs({ clusterArn: this.clusterArn });
  }
}

/** What is wrong with one task's settings. */
function taskProblems(task: TaskShape): string[] {
  const cpu = task.cpu ?? 1024;
  const memory = task.memoryMb ?? 2048;
  const range = FARGATE_MEMORY_RANGES[cpu];
  const deadline = task.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(task.name)) {
    return [
      `task name ${JSON.stringify(task.name)}: expected lower-case letters, digits and dashes`,
    ];
  }
  const problems: string[] = [];
  if (range === undefined) {
    problems.push(
      `${task.name}: cpu ${cpu} is not a Fargate size (${Object.keys(FARGATE_MEMORY_RANGES).join(", ")})`,
    );
  } else if (memory < range[0] || memory > range[1]) {
    problems.push(
      `${task.name}: memoryMb ${memory} is outside ${range[0]}..${range[1]} for cpu ${cpu}`,
    );
  }
  if (!Number.isInteger(deadline) || deadline < 30 || deadline > 14_400) {
    problems.push(`${task.name}: deadlineSeconds ${deadline} is outside 30..14400`);
  }
  if (task.outputFolder !== undefined && !/^[a-z0-9][a-z0-9-]*\/$/.test(task.outputFolder)) {
    problems.push(
      `${task.name}: outputFolder ${JSON.stringify(task.outputFolder)}: expected one folder name ending in /`,
    );
  }
  return problems;
}

function resolveTask(task: VideoTaskSettings): ResolvedTask {
  return {
    name: task.name,
    image: task.image,
    cpu: task.cpu ?? 1024,
    memoryMb: task.memoryMb ?? 2048,
    outputFolder: task.outputFolder ?? `${task.name}/`,
    recordsInCatalog: task.recordsInCatalog ?? false,
    deadlineSeconds: task.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
  };
}
