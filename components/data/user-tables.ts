/**
 * The DynamoDB tables of the US user store: their creation, and the resource policies that let
 * only the named roles reach their items and only DynamoDB's replication read their streams.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_TABLES } from "../../contracts/monolith";
import type { AwsContext } from "../shared/context";
import { dataTags } from "../shared/tags";
import type { DynamoDbStoreArgs } from "./user-data-store";

/** The DynamoDB tables of the US user store: name -> keys. */
export const USER_TABLES = {
  users: { hashKey: "userId" },
  enrolments: { hashKey: "userId", rangeKey: "courseId" },
  progress: { hashKey: "userId", rangeKey: "lessonKey" },
  "pii-vault": { hashKey: "token" },
} as const satisfies Record<string, { hashKey: string; rangeKey?: string }>;
export type UserTable = keyof typeof USER_TABLES;

export type UserTableGroup = "app" | "vault";

/** The tables of each group. */
export const USER_TABLE_GROUPS: Readonly<Record<UserTableGroup, readonly UserTable[]>> = {
  app: APP_TABLES,
  vault: ["pii-vault"],
};

/**
 * What the user tables' resource policies deny to every principal but the named ones: every
 * action that reads or writes items, or copies them out (an export to S3). Table administration
 * (DescribeTable, UpdateTable, the resource policy itself, backups) stays with the account's IAM
 * policies, so no deployer is locked out of the table.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html
 */
export const USER_TABLE_ITEM_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:PartiQLSelect",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:ExportTableToPointInTime",
] as const;

/**
 * The role through which DynamoDB replicates a global table: a replica's policy must not deny it,
 * or replication stops (REPLICATION_NOT_AUTHORIZED).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-security.html
 */
export function replicationRoleArn(context: AwsContext): string {
  return `arn:${context.partition}:iam::${context.accountId}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`;
}

/**
 * The resource policy of a user table: items are denied to every principal but the named ones
 * and DynamoDB's replication role, whatever their IAM policies allow.
 */
export function userTablePolicy(
  tableArn: pulumi.Input<string>,
  principalArns: readonly pulumi.Input<string>[],
  context: AwsContext,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyNamedPrincipalsReachTheItems",
        Effect: "Deny",
        Principal: "*",
        Action: [...USER_TABLE_ITEM_ACTIONS],
        Resource: [tableArn, pulumi.interpolate`${tableArn}/index/*`],
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": [...principalArns, replicationRoleArn(context)] },
        },
      },
    ],
  };
}

/** The stream actions that read a table's changes. */
export const USER_STREAM_READ_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetShardIterator",
  "dynamodb:GetRecords",
] as const;

/**
 * The resource policy of a user table's stream: its records (every change, new and old images)
 * are denied to every principal but DynamoDB's replication role. A stream takes a policy only once
 * it exists, which the dependency on the table's stream ARN ensures.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-considerations.html
 */
export function userStreamPolicy(
  streamArn: pulumi.Input<string>,
  context: AwsContext,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyReplicationReadsTheChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...USER_STREAM_READ_ACTIONS],
        Resource: streamArn,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": replicationRoleArn(context) } },
      },
    ],
  };
}

/** The stream ARN of a global table's replica in a region. */
export function replicaStreamArn(
  replicas: readonly { readonly regionName: string; readonly streamArn?: string }[],
  region: string,
): string {
  const arn = replicas.find((replica) => replica.regionName === region)?.streamArn;
  if (arn === undefined || arn === "") {
    throw new Error(`the replica in ${region} reports no stream ARN`);
  }
  return arn;
}

export function createTables(
  name: string,
  args: DynamoDbStoreArgs,
  parent: pulumi.Resource,
): Record<UserTable, aws.dynamodb.Table> {
  const replicaKeys = Object.entries(args.replicaKeyArns ?? {});
  const entries = (Object.keys(USER_TABLES) as UserTable[]).map((table) => {
    const keys: { hashKey: string; rangeKey?: string } = USER_TABLES[table];
    const resource = new aws.dynamodb.Table(
      `${name}-${table}`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: keys.hashKey,
        rangeKey: keys.rangeKey,
        attributes: [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])].map(
          (attribute) => ({
            name: attribute,
            type: "S",
          }),
        ),
        serverSideEncryption: { enabled: true, kmsKeyArn: args.userDataKeyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        // Global tables replicate through the stream.
        streamEnabled: true,
        streamViewType: "NEW_AND_OLD_IMAGES",
        replicas: replicaKeys.map(([regionName, kmsKeyArn]) => ({
          regionName,
          kmsKeyArn,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: true,
          propagateTags: true,
        })),
        tags: dataTags("user-data"),
      },
      { parent, protect: true },
    );
    return [table, resource] as const;
  });
  return Object.fromEntries(entries) as Record<UserTable, aws.dynamodb.Table>;
}
