import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COURSES_PREFIX } from "../../contracts/storage";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";

/** A container task run after each completed encode (work MediaConvert does not do). */
export interface VideoTaskSettings {
  /** Task name, for example `transcripts` or `sprites`. */
  readonly name: string;
  /** Container image (an ECR URI with a digest or tag). */
  readonly image: string;
  /**
   * Fargate CPU units, one of the sizes Fargate offers
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
   * @default 1024
   */
  readonly cpu?: number;
  /** Memory in MiB, within what Fargate pairs with `cpu`. @default 2048 */
  readonly memoryMb?: number;
}

/** Arguments of `VideoTasks`. */
export interface VideoTasksArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The tasks to run after each encode; none creates nothing to run. */
  readonly tasks: readonly VideoTaskSettings[];
  /** The MediaConvert queue whose completed jobs start the tasks. */
  readonly mediaConvertQueueArn: pulumi.Input<string>;
  /** Renditions bucket: tasks read `courses/*` and write under it. */
  readonly processedBucketArn: pulumi.Input<string>;
  /** Key of the renditions (content). */
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

const FARGATE_SIZES: Readonly<Record<number, readonly [number, number]>> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

/**
 * Container tasks for work MediaConvert does not do (transcripts, thumbnail sprites): each a
 * Fargate task in the private subnets, started by EventBridge when a job of the pipeline's queue
 * completes (its job, course and video ids in the `JOB_ID`, `COURSE_ID` and `VIDEO_ID` environment
 * variables), with a role that
 * reads and writes renditions only. Declared in config, off unless a task is listed.
 */
export class VideoTasks extends pulumi.ComponentResource {
  constructor(name: string, args: VideoTasksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:video:VideoTasks", name, {}, opts);
    const problems = args.tasks.flatMap((task) => {
      const cpu = task.cpu ?? 1024;
      const memory = task.memoryMb ?? 2048;
      const range = FARGATE_SIZES[cpu];
      if (!/^[a-z][a-z0-9-]{0,30}$/.test(task.name)) {
        return [
          `task name ${JSON.stringify(task.name)}: expected lower-case letters, digits and dashes`,
        ];
      }
      if (range === undefined) {
        return [
          `${task.name}: cpu ${cpu} is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})`,
        ];
      }
      return memory < range[0] || memory > range[1]
        ? [`${task.name}: memoryMb ${memory} is outside ${range[0]}..${range[1]} for cpu ${cpu}`]
        : [];
    });
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const { accountId, partition, region } = args.context;
    const parent = { parent: this };

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
      {
        kmsKeyArn: args.telemetryKeyArn,
        retentionDays: args.logRetentionDays,
      },
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
    const taskRole = new aws.iam.Role(
      `${name}-task`,
      {
        description: "Video tasks: renditions only",
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", accountId),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-task`,
      {
        role: taskRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ReadAndWriteRenditions",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:PutObject"],
              Resource: [pulumi.interpolate`${args.processedBucketArn}/${COURSES_PREFIX}*`],
            },
            {
              Sid: "RenditionsAreEncrypted",
              Effect: "Allow",
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: [args.contentKeyArn],
              Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
            },
          ],
        }),
      },
      parent,
    );

    const definitions = args.tasks.map(
      (task) =>
        new aws.ecs.TaskDefinition(
          `${name}-${task.name}`,
          {
            family: `${name}-${task.name}`,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(task.cpu ?? 1024),
            memory: String(task.memoryMb ?? 2048),
            runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
            executionRoleArn: executionRole.arn,
            taskRoleArn: taskRole.arn,
            containerDefinitions: pulumi.jsonStringify([
              {
                name: task.name,
                image: task.image,
                essential: true,
                readonlyRootFilesystem: true,
                user: "1000",
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
        ),
    );

    const rule = new aws.cloudwatch.EventRule(
      `${name}-completed`,
      {
        description: "Completed encodes of the pipeline's queue start the video tasks",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.mediaconvert"],
          "detail-type": ["MediaConvert Job State Change"],
          detail: { queue: [args.mediaConvertQueueArn], status: ["COMPLETE"] },
        }),
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
              Resource: definitions.map((definition) =>
                definition.arnWithoutRevision.apply((arn) => `${arn}:*`),
              ),
              Condition: { ArnEquals: { "ecs:cluster": cluster.arn } },
            },
            {
              Sid: "HandTheTasksTheirRoles",
              Effect: "Allow",
              Action: ["iam:PassRole"],
              Resource: [executionRole.arn, taskRole.arn],
              Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
          ],
        }),
      },
      parent,
    );
    args.tasks.forEach((task, index) => {
      const definition = definitions[index];
      if (definition === undefined) {
        return;
      }
      new aws.cloudwatch.EventTarget(
        `${name}-${task.name}`,
        {
          rule: rule.name,
          arn: cluster.arn,
          roleArn: eventsRole.arn,
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
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
          // The task learns which encode completed from its environment.
          inputTransformer: {
            inputPaths: {
              jobId: "$.detail.jobId",
              courseId: "$.detail.userMetadata.courseId",
              videoId: "$.detail.userMetadata.videoId",
            },
            inputTemplate: JSON.stringify({
              containerOverrides: [
                {
                  name: task.name,
                  environment: [
                    { name: "JOB_ID", value: "<jobId>" },
                    { name: "COURSE_ID", value: "<courseId>" },
                    { name: "VIDEO_ID", value: "<videoId>" },
                  ],
                },
              ],
            }),
          },
        },
        parent,
      );
    });
    this.registerOutputs({ clusterArn: cluster.arn });
  }
}
