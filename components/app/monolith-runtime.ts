import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  MONOLITH_BACKENDS,
  MONOLITH_ENVIRONMENT,
  shardHostVariable,
  type AppTable,
} from "../../contracts/monolith";
import type { UserDataStore } from "../data/user-data-store";
import { regionalServicePrincipal, type AwsContext } from "../shared/context";
import type { NodeFunction } from "../shared/node-function";

/** One backend function: the name the app invokes and the ARN its role may invoke. */
export interface BackendFunction {
  /** The function name the app invokes. */
  readonly name: pulumi.Input<string>;
  /** The function's ARN, which the app's role may invoke. */
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

/** One shard of the region's Aurora store, as the app reaches it. */
export interface MonolithShard {
  /** The shard's id, as the home-region directory records it. */
  readonly id: string;
  /** The shard's writer endpoint. */
  readonly endpoint: pulumi.Input<string>;
  /** The shard's cluster resource id (`cluster-…`), which IAM database authentication names. */
  readonly clusterResourceId: pulumi.Input<string>;
}

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
      /**
       * Every shard of the store, the first (the original cluster) first; the directory's lookup
       * names an account's shard, and a record without one is on the first.
       */
      readonly shards: readonly [MonolithShard, ...MonolithShard[]];
      readonly port: number;
      readonly database: string;
      /** The app's database user, which signs in with IAM database authentication. */
      readonly user: string;
    };

/** What the app is told about its stack. */
export interface MonolithRuntime {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The stack's name. */
  readonly stack: string;
  /** The work queue the app sends to. */
  readonly workQueueUrl: pulumi.Input<string>;
  /** The topic the app notifies through. */
  readonly topicArn: pulumi.Input<string>;
  /** The functions the app calls. */
  readonly backends: MonolithBackends;
  /** The region's user store. */
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
        [env.dbHost]: store.shards[0].endpoint,
        [env.dbPort]: String(store.port),
        [env.dbName]: store.database,
        [env.dbUser]: store.user,
        // A one-shard store's environment is the one it had before shards existed.
        ...(store.shards.length > 1
          ? {
              [env.dbShards]: store.shards.map((shard) => shard.id).join(":"),
              ...Object.fromEntries(
                store.shards.map((shard) => [shardHostVariable(shard.id), shard.endpoint] as const),
              ),
            }
          : {}),
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
            // IAM database authentication: a token signed with the role's credentials, for the
            // app user of each shard of this region's store, named by region and resource id.
            // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
            Sid: "ConnectToTheUserStore",
            Effect: "Allow",
            Action: ["rds-db:connect"],
            Resource: store.shards.map(
              (shard) =>
                pulumi.interpolate`arn:${context.partition}:rds-db:${context.region}:${context.accountId}:dbuser:${shard.clusterResourceId}/${store.user}`,
            ),
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

/** What `stackPermissions` grants on. */
export interface StackResources {
  /** The region, which the KMS `kms:ViaService` conditions name. */
  readonly region: string;
  /** The work queue the app sends to and consumes. */
  readonly workQueueArn: pulumi.Input<string>;
  /** The topic the app notifies through. */
  readonly topicArn: pulumi.Input<string>;
  /** The user-data key, which encrypts the queue and the topic. */
  readonly userDataKeyArn: pulumi.Input<string>;
  /** The bucket of release archives. */
  readonly releasesBucketArn: pulumi.Input<string>;
  /** The content key, which encrypts the releases bucket. */
  readonly contentKeyArn: pulumi.Input<string>;
}

/**
 * The app role's statements for what the monolith itself creates: using the work queue,
 * notifying through the topic, and reading release archives, each through its key and only via
 * the service that holds the data.
 */
export function stackPermissions(resources: StackResources): aws.iam.PolicyStatement[] {
  const { region } = resources;
  return [
    {
      Sid: "UseTheWorkQueue",
      Effect: "Allow",
      Action: [
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      Resource: [resources.workQueueArn],
    },
    { Sid: "Notify", Effect: "Allow", Action: ["sns:Publish"], Resource: [resources.topicArn] },
    {
      Sid: "MessagesAreEncrypted",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [resources.userDataKeyArn],
      Condition: {
        StringEquals: {
          "kms:ViaService": [`sqs.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`],
        },
      },
    },
    {
      Sid: "ReadReleases",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [pulumi.interpolate`${resources.releasesBucketArn}/*`],
    },
    {
      Sid: "ReleasesAreEncrypted",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [resources.contentKeyArn],
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    },
  ];
}

/**
 * The app's backends from the functions the stack deployed: tokenize and detokenize always,
 * the others when their part of the platform is on.
 */
export function monolithBackends(
  functions: Readonly<
    Record<"tokenize" | "detokenize", NodeFunction> &
      Record<"upload-url" | "playback-auth" | "home-region", NodeFunction | undefined>
  >,
): MonolithBackends {
  const backend = (fn: NodeFunction): BackendFunction => ({ name: fn.function.name, arn: fn.arn });
  const optional = (["upload-url", "playback-auth", "home-region"] as const).flatMap((name) => {
    const fn = functions[name];
    return fn === undefined ? [] : [[name, backend(fn)] as const];
  });
  return {
    tokenize: backend(functions.tokenize),
    detokenize: backend(functions.detokenize),
    ...Object.fromEntries(optional),
  };
}

/** The region's user store, as the app reaches it: its Aurora database or its app tables. */
export function monolithUserStore(
  store: UserDataStore,
  userDataKeyArn: pulumi.Input<string>,
): MonolithUserStore {
  if (store.database !== undefined) {
    const { database } = store;
    const shards = (store.shards ?? []).map((shard) => ({
      id: shard.id,
      endpoint: shard.database.endpoint,
      clusterResourceId: shard.database.clusterResourceId,
    }));
    const [first, ...others] = shards;
    if (first === undefined) {
      throw new pulumi.ResourceError("the Aurora user store has no shard", store);
    }
    return {
      kind: "aurora",
      engine: database.engine,
      shards: [first, ...others],
      port: database.port,
      database: database.name,
      user: database.appUser,
    };
  }
  const { users, enrolments, progress } = store.tables;
  if (users === undefined || enrolments === undefined || progress === undefined) {
    throw new pulumi.ResourceError("the DynamoDB user store lacks the app's tables", store);
  }
  const table = (resource: aws.dynamodb.Table) => ({ name: resource.name, arn: resource.arn });
  return {
    kind: "dynamodb",
    tables: { users: table(users), enrolments: table(enrolments), progress: table(progress) },
    keyArn: userDataKeyArn,
  };
}
