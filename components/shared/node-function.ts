import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  environmentProblems,
  FUNCTION_CONTRACTS,
  type FunctionEnvironment,
  type FunctionName,
} from "../../contracts/functions";
import { bundleArchive } from "./bundle";
import type { AwsContext } from "./context";
import { serviceTrustPolicy } from "./iam";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "./logs";
import { encryptedLogGroup } from "./secure-defaults";

/** One statement of a function's inline policy: explicit actions on explicit resources. */
export interface FunctionPermission {
  /** Statement id, for reading the policy. */
  readonly sid: string;
  /** The actions, each named (never `*`). */
  readonly actions: readonly string[];
  /** The resources the actions apply to. */
  readonly resources: readonly pulumi.Input<string>[];
  /** IAM condition block. @default none */
  readonly condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

/** Arguments of `NodeFunction`. */
export interface NodeFunctionArgs<F extends FunctionName = FunctionName> {
  /** Account, partition and region of the function. */
  readonly context: AwsContext;
  /**
   * The function's contract in `contracts/functions.ts`: its handler module under `functions/`
   * and the environment variables that handler reads.
   */
  readonly contract: F;
  /** Exported handler name. @default "handler" */
  readonly handlerExport?: string;
  /** The function's and its role's description. */
  readonly description: string;
  /** What the function may do; nothing else is granted besides writing its own logs. */
  readonly permissions: readonly FunctionPermission[];
  /**
   * The handler's environment: every variable its contract requires, any it reads optionally,
   * nothing else (refused at construction, naming the variable).
   */
  readonly environment: FunctionEnvironment<F, pulumi.Input<string>>;
  /**
   * Memory, which also sets the CPU share.
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
   * @default 256
   */
  readonly memoryMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** Reserved concurrency, to protect what the function calls. @default unreserved */
  readonly reservedConcurrency?: number;
  /**
   * KMS key of the log group and the environment variables (the stack's telemetry key), as
   * `DataKeys.policyReadyKeyArns.telemetry`: CloudWatch Logs refuses to create a log group with a
   * key whose policy does not let it use the key yet
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
   */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /**
   * Runs the function in the VPC (private subnets), for what only the VPC can reach.
   * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
   * @default outside any VPC
   */
  readonly vpc?: {
    readonly subnetIds: pulumi.Input<string[]>;
    readonly securityGroupIds: pulumi.Input<string>[];
  };
}

/**
 * A Lambda function from a handler in `functions/`: bundled with esbuild, Node.js 22 on arm64,
 * with its own role (trusted by Lambda of this account only), an inline policy of exactly the
 * permissions it is given, its own encrypted log group with retention, JSON logs and X-Ray
 * tracing. Its handler and the environment it may set come from its contract
 * (`contracts/functions.ts`): a variable outside the contract, or a required one missing, is
 * refused at construction.
 */
export class NodeFunction<F extends FunctionName = FunctionName> extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly arn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  /** The contract the function was deployed under. */
  public readonly contract: F;

  constructor(name: string, args: NodeFunctionArgs<F>, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:compute:NodeFunction", name, {}, opts);
    this.contract = args.contract;
    const environment: Readonly<Record<string, pulumi.Input<string> | undefined>> =
      args.environment;
    const problems = environmentProblems(args.contract, environment);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${name}: ${problems.join("; ")}`, this);
    }
    const settings = {
      handlerExport: args.handlerExport ?? "handler",
      memoryMb: args.memoryMb ?? 256,
      timeoutSeconds: args.timeoutSeconds ?? 30,
      logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    };
    if (args.permissions.some((p) => p.actions.includes("*") || p.actions.length === 0)) {
      throw new pulumi.ResourceError(
        `${name}: every permission needs explicit actions, never "*"`,
        this,
      );
    }
    const parent = { parent: this };
    const { accountId } = args.context;

    const logGroup = encryptedLogGroup(
      `${name}-logs`,
      { kmsKeyArn: args.kmsKeyArn, retentionDays: settings.logRetentionDays },
      this,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: args.description,
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", accountId),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteOwnLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: [pulumi.interpolate`${logGroup.arn}:*`],
            },
            {
              Sid: "Tracing",
              Effect: "Allow",
              Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
              // X-Ray has no resource-level permissions; these two actions only write traces.
              Resource: "*",
            },
            ...(args.vpc === undefined ? [] : vpcInterfaceStatements(args.context)),
            ...args.permissions.map((permission) => ({
              Sid: permission.sid,
              Effect: "Allow",
              Action: [...permission.actions],
              Resource: [...permission.resources],
              ...(permission.condition === undefined ? {} : { Condition: permission.condition }),
            })),
          ],
        }),
      },
      parent,
    );

    this.function = new aws.lambda.Function(
      `${name}-fn`,
      {
        description: args.description,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        handler: `index.${settings.handlerExport}`,
        code: bundleArchive(FUNCTION_CONTRACTS[args.contract].entry),
        role: this.role.arn,
        memorySize: settings.memoryMb,
        timeout: settings.timeoutSeconds,
        reservedConcurrentExecutions: args.reservedConcurrency ?? -1,
        kmsKeyArn: args.kmsKeyArn,
        environment: { variables: definedValues(environment) },
        loggingConfig: {
          logFormat: "JSON",
          logGroup: logGroup.name,
          applicationLogLevel: "INFO",
          systemLogLevel: "WARN",
        },
        tracingConfig: { mode: "Active" },
        ...(args.vpc === undefined
          ? {}
          : {
              vpcConfig: {
                subnetIds: args.vpc.subnetIds,
                securityGroupIds: args.vpc.securityGroupIds,
              },
            }),
      },
      { parent: this, dependsOn: [logGroup] },
    );
    this.arn = this.function.arn;
    this.roleArn = this.role.arn;
    this.logGroupName = logGroup.name;
    this.registerOutputs({ arn: this.arn, roleArn: this.roleArn });
  }
}

/** The entries whose value is set (an optional variable left out is not sent as empty). */
function definedValues(
  environment: Readonly<Record<string, pulumi.Input<string> | undefined>>,
): Record<string, pulumi.Input<string>> {
  const defined: Record<string, pulumi.Input<string>> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (value !== undefined) defined[key] = value;
  }
  return defined;
}

/** What Lambda needs to attach a function to the VPC: its network interfaces, nothing else. */
function vpcInterfaceStatements(context: AwsContext): Record<string, unknown>[] {
  const ec2 = (resource: string) =>
    `arn:${context.partition}:ec2:${context.region}:${context.accountId}:${resource}`;
  return [
    {
      Sid: "DescribeVpcInterfaces",
      Effect: "Allow",
      Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
      // EC2 describe calls have no resource-level permissions.
      Resource: "*",
    },
    {
      Sid: "ManageVpcInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: [ec2("network-interface/*"), ec2("subnet/*"), ec2("security-group/*")],
    },
  ];
}
