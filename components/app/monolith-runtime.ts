import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MONOLITH_BACKENDS, MONOLITH_ENVIRONMENT, type AppTable } from "../../contracts/monolith";
import { regionalServicePrincipal, type AwsContext } from "../shared/context";

/** One backend function: the name the app invokes and the ARN its role may invoke. */
export interface BackendFunction {
  readonly name: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
}

/**
 * The functions this stack deploys for the app. tokenize and detokenize exist in every stack;
 * upload-url and playback-auth with the video pipeline; home-region with home-region pinning.
 */
export type MonolithBackends = Readonly<
  Record<"tokenize" | "detokenize", BackendFunction> &
    Partial<Record<"upload-url" | "playback-auth" | "home-region", BackendFunction>>
>;

/** The region's user store, as the app reaches it. */
export type MonolithUserStore =
  | {
      readonly kind: "dynamodb";
      readonly tables: Readonly<
        Record<
          AppTable,
          { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> }
        >
      >;
      /** The user-data key the tables are encrypted with. */
      readonly keyArn: pulumi.Input<string>;
    }
  | {
      readonly kind: "aurora";
      readonly engine: "aurora-postgresql" | "aurora-mysql";
      readonly endpoint: pulumi.Input<string>;
      readonly port: number;
      readonly database: string;
      /** The app's database user, which signs in with IAM database authentication. */
      readonly user: string;
      /** The cluster's resource id (`cluster-…`), which IAM database authentication names. */
      readonly clusterResourceId: pulumi.Input<string>;
    };

/** What the app is told about its stack. */
export interface MonolithRuntime {
  readonly context: AwsContext;
  readonly stack: string;
  readonly workQueueUrl: pulumi.Input<string>;
  readonly topicArn: pulumi.Input<string>;
  readonly backends: MonolithBackends;
  readonly userStore: MonolithUserStore;
}

/** The app's environment variables, by name. */
export function runtimeEnvironment(runtime: MonolithRuntime): Record<string, pulumi.Input<string>> {
  const env = MONOLITH_ENVIRONMENT;
  const store = runtime.userStore;
  const backends = Object.fromEntries(
    MONOLITH_BACKENDS.flatMap((backend) => {
      const fn = runtime.backends[backend];
      return fn === undefined ? [] : [[env[backend], fn.name] as const];
    }),
  );
  const storeEnvironment: Record<string, pulumi.Input<string>> = store.kind === "dynamodb"
    ? {
        [env.userStore]: "dynamodb",
        [env.users]: store.tables.users.name,
        [env.enrolments]: store.tables.enrolments.name,
        [env.progress]: store.tables.progress.name,
      }
    : {
        [env.userStore]: store.engine,
        [env.dbHost]: store.endpoint,
        [env.dbPort]: String(store.port),
        [env.dbName]: store.database,
        [env.dbUser]: store.user,
      };
  return {
    [env.stack]: runtime.stack,
    [env.region]: runtime.context.region,
    [env.workQueueUrl]: runtime.workQueueUrl,
    [env.topicArn]: runtime.topicArn,
    ...backends,
    ...storeEnvironment,
  };
}

/** What DynamoDB item reads and writes of the app need; no scans, no table management. */
export const APP_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
] as const;

/**
 * The app role's statements for its backends and its user store: invoking exactly the functions
 * it calls, and reading and writing its own region's store, nothing of another region's.
 */
export function runtimePermissions(runtime: MonolithRuntime): aws.iam.PolicyStatement[] {
  const { context } = runtime;
  const functionArns = MONOLITH_BACKENDS.flatMap((backend) => {
    const fn = runtime.backends[backend];
    return fn === undefined ? [] : [fn.arn];
  });
  const store = runtime.userStore;
  const storeStatements: aws.iam.PolicyStatement[] =
    store.kind === "dynamodb"
      ? [
          {
            Sid: "ReadAndWriteTheUserTables",
            Effect: "Allow",
            Action: [...APP_TABLE_ACTIONS],
            Resource: Object.values(store.tables).flatMap((table) => [
              table.arn,
              pulumi.interpolate`${table.arn}/index/*`,
            ]),
          },
          {
            // DynamoDB uses the table's key on the caller's behalf.
            // https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-authz
            Sid: "UserTablesAreEncrypted",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: [store.keyArn],
            Condition: {
              StringEquals: { "kms:ViaService": regionalServicePrincipal("dynamodb", context) },
            },
          },
        ]
      : [
          {
            // IAM database authentication: a token signed with the role's credentials, for this
            // cluster's app user only.
            // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
            Sid: "ConnectToTheUserStore",
            Effect: "Allow",
            Action: ["rds-db:connect"],
            Resource: [
              pulumi.interpolate`arn:${context.partition}:rds-db:${context.region}:${context.accountId}:dbuser:${store.clusterResourceId}/${store.user}`,
            ],
          },
        ];
  return [
    {
      Sid: "InvokeTheBackends",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: functionArns,
    },
    ...storeStatements,
  ];
}
