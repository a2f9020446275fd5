import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import {
  dataKeyPolicy,
  KEYED_DATA_CLASSES,
  type KeyedDataClass,
  type KeyUser,
} from "./key-policies";
import { dataTags } from "../shared/tags";

/** Arguments of `DataKeys`. */
export interface DataKeysArgs {
  /** Account and region the keys belong to. */
  readonly context: AwsContext;
  /** Stack name, used in the key aliases (`alias/knowledgecity/<stack>/<class>`). */
  readonly stack: string;
  /**
   * Regions that hold replicas of user data (each in the stack's allowed regions), with the
   * provider of each. The user-data key is replicated there, so every replica is encrypted with a
   * key of this stack that never leaves the allowed regions. @default {}
   */
  readonly userDataReplicaRegions?: Readonly<Record<string, aws.Provider>>;
  /**
   * Other regions where this stack keeps a network (an Aurora secondary's), with the provider of
   * each: each gets a telemetry key of its own for its flow logs, since a log group can only use a
   * key of its own region. @default {}
   */
  readonly telemetryRegions?: Readonly<Record<string, aws.Provider>>;
  /**
   * Days a scheduled key deletion waits, during which it can be cancelled (7 to 30).
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

/**
 * One customer-managed KMS key per data class in the stack's region, with yearly rotation and an
 * alias. Keys are never shared across stacks, so no key crosses a jurisdiction. The user-data key
 * is multi-region (a property that cannot change later) so that replicas of user data in other
 * allowed regions get a replica of it.
 *
 * Key policies name their users: components register who may use which key with `allow`, and the
 * composing component calls `seal` once, after every user exists (KMS rejects policies naming
 * principals that do not exist yet).
 */
export class DataKeys extends pulumi.ComponentResource {
  /** The key of each data class. */
  public readonly keys: Readonly<Record<KeyedDataClass, aws.kms.Key>>;
  /** The ARN of each data class's key. */
  public readonly keyArns: Readonly<Record<KeyedDataClass, pulumi.Output<string>>>;
  /**
   * The ARN of each data class's key, known only once that key's policy (written by `seal`) is in
   * place, and carrying the dependency on it. Give this, not `keyArns`, to whatever an AWS service
   * checks against the key policy when it is created: a CloudWatch Logs log group with a key
   * (CreateLogGroup fails unless the key policy already lets CloudWatch Logs use the key:
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html), or an S3
   * notification to an encrypted queue (S3 sends a test message when it is written:
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html).
   * A resource that a key policy names (a role, a distribution) must not wait for that key's
   * policy-ready ARN: the policy waits for it, so the two would wait for each other.
   */
  public readonly policyReadyKeyArns: Readonly<Record<KeyedDataClass, pulumi.Output<string>>>;
  /** ARN of the user-data key's replica in each replica region. */
  public readonly userDataReplicaKeyArns: Readonly<Record<string, pulumi.Output<string>>>;
  /**
   * ARN of the telemetry key of each other region in `telemetryRegions`. Its policy is written with
   * the key (it names no user, only CloudWatch Logs of that region), so it is policy-ready.
   */
  public readonly regionalTelemetryKeyArns: Readonly<Record<string, pulumi.Output<string>>>;

  private readonly baseName: string;
  private readonly context: AwsContext;
  private readonly users = new Map<KeyedDataClass, KeyUser[]>();
  private readonly resolvePolicyReady: Readonly<
    Record<KeyedDataClass, (source: pulumi.Output<string>) => void>
  >;
  private sealed = false;

  constructor(name: string, args: DataKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:security:DataKeys", name, {}, opts);
    const deletionWindowDays = args.deletionWindowDays ?? 30;
    if (
      !Number.isInteger(deletionWindowDays) ||
      deletionWindowDays < 7 ||
      deletionWindowDays > 30
    ) {
      throw new pulumi.ResourceError(
        `deletionWindowDays = ${deletionWindowDays}: expected an integer from 7 to 30`,
        this,
      );
    }
    this.baseName = name;
    this.context = args.context;

    const entries = KEYED_DATA_CLASSES.map((dataClass) => {
      // No inline policy: the policy is a separate KeyPolicy written by seal(), once the users
      // it names exist. Until then the key has KMS's default policy (the account root only).
      const key = new aws.kms.Key(
        `${name}-${dataClass}`,
        {
          description: `KnowledgeCity ${args.stack}: ${dataClass} data`,
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays: deletionWindowDays,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          multiRegion: dataClass === "user-data",
          tags: dataTags(dataClass),
        },
        { parent: this, protect: dataClass === "user-data" },
      );
      new aws.kms.Alias(
        `${name}-${dataClass}`,
        { name: `alias/knowledgecity/${args.stack}/${dataClass}`, targetKeyId: key.keyId },
        { parent: this },
      );
      return [dataClass, key] as const;
    });
    this.keys = Object.fromEntries(entries) as Record<KeyedDataClass, aws.kms.Key>;
    this.keyArns = Object.fromEntries(
      entries.map(([dataClass, key]) => [dataClass, key.arn]),
    ) as Record<KeyedDataClass, pulumi.Output<string>>;
    const deferred = KEYED_DATA_CLASSES.map(
      (dataClass) => [dataClass, pulumi.deferredOutput<string>()] as const,
    );
    this.policyReadyKeyArns = Object.fromEntries(
      deferred.map(([dataClass, [arn]]) => [dataClass, arn]),
    ) as Record<KeyedDataClass, pulumi.Output<string>>;
    this.resolvePolicyReady = Object.fromEntries(
      deferred.map(([dataClass, [, resolve]]) => [dataClass, resolve]),
    ) as Record<KeyedDataClass, (source: pulumi.Output<string>) => void>;

    const replicas = Object.entries(args.userDataReplicaRegions ?? {}).map(([region, provider]) => {
      const replica = new aws.kms.ReplicaKey(
        `${name}-user-data-${region}`,
        {
          description: `KnowledgeCity ${args.stack}: user data, replica in ${region}`,
          primaryKeyArn: this.keys["user-data"].arn,
          deletionWindowInDays: deletionWindowDays,
          policy: JSON.stringify(dataKeyPolicy("user-data", { ...args.context, region })),
          tags: dataTags("user-data"),
        },
        { parent: this, provider, protect: true },
      );
      return [region, replica.arn] as const;
    });
    this.userDataReplicaKeyArns = Object.fromEntries(replicas);
    const telemetryKeys = Object.entries(args.telemetryRegions ?? {}).map(([region, provider]) => {
      const key = new aws.kms.Key(
        `${name}-telemetry-${region}`,
        {
          description: `KnowledgeCity ${args.stack}: telemetry data in ${region}`,
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays: deletionWindowDays,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          policy: JSON.stringify(dataKeyPolicy("telemetry", { ...args.context, region })),
          tags: dataTags("telemetry"),
        },
        { parent: this, provider },
      );
      new aws.kms.Alias(
        `${name}-telemetry-${region}`,
        { name: `alias/knowledgecity/${args.stack}/telemetry`, targetKeyId: key.keyId },
        { parent: this, provider },
      );
      return [region, key.arn] as const;
    });
    this.regionalTelemetryKeyArns = Object.fromEntries(telemetryKeys);
    this.registerOutputs({
      keyArns: this.keyArns,
      userDataReplicaKeyArns: this.userDataReplicaKeyArns,
      regionalTelemetryKeyArns: this.regionalTelemetryKeyArns,
    });
  }

  /** Names `user` in the policy of the key of `dataClass`. Only before `seal`. */
  allow(dataClass: KeyedDataClass, user: KeyUser): void {
    if (this.sealed) {
      throw new pulumi.ResourceError(`${user.sid}: the key policies are sealed already`, this);
    }
    const users = this.users.get(dataClass) ?? [];
    if (users.some((existing) => existing.sid === user.sid)) {
      throw new pulumi.ResourceError(
        `${dataClass} key: statement ${user.sid} is named twice`,
        this,
      );
    }
    this.users.set(dataClass, [...users, user]);
  }

  /**
   * Writes every key's policy with the users named so far, and resolves `policyReadyKeyArns`.
   * Call exactly once: until then every resource given a policy-ready ARN waits.
   */
  seal(): void {
    if (this.sealed) {
      throw new pulumi.ResourceError("the key policies are sealed already", this);
    }
    this.sealed = true;
    for (const dataClass of KEYED_DATA_CLASSES) {
      const users = this.users.get(dataClass) ?? [];
      const key = this.keys[dataClass];
      const keyPolicy = new aws.kms.KeyPolicy(
        `${this.baseName}-${dataClass}`,
        {
          keyId: key.keyId,
          policy: pulumi.jsonStringify(dataKeyPolicy(dataClass, this.context, users)),
          bypassPolicyLockoutSafetyCheck: false,
        },
        { parent: this },
      );
      // The key's ARN, once its policy exists: a resource given it depends on the KeyPolicy.
      this.resolvePolicyReady[dataClass](pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn));
    }
  }
}
