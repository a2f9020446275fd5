import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "./context";
import { dataKeyPolicy, KEYED_DATA_CLASSES, type KeyedDataClass } from "./key-policies";
import { dataTags } from "./tags";

/** Arguments of `DataKeys`. */
export interface DataKeysArgs {
  /** Account and region the keys belong to. */
  readonly context: AwsContext;
  /** Stack name, used in the key aliases (`alias/knowledgecity/<stack>/<class>`). */
  readonly stack: string;
  /**
   * Days a scheduled key deletion waits, during which it can be cancelled (7 to 30).
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

/**
 * One customer-managed KMS key per data class in the stack's region, with yearly rotation and an
 * alias. Keys are never shared across stacks, so no key crosses a jurisdiction.
 */
export class DataKeys extends pulumi.ComponentResource {
  /** The key of each data class. */
  public readonly keys: Readonly<Record<KeyedDataClass, aws.kms.Key>>;
  /** The ARN of each data class's key. */
  public readonly keyArns: Readonly<Record<KeyedDataClass, pulumi.Output<string>>>;

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

    const entries = KEYED_DATA_CLASSES.map((dataClass) => {
      const key = new aws.kms.Key(
        `${name}-${dataClass}`,
        {
          description: `KnowledgeCity ${args.stack}: ${dataClass} data`,
          enableKeyRotation: true,
          rotationPeriodInDays: 365,
          deletionWindowInDays: deletionWindowDays,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          policy: JSON.stringify(dataKeyPolicy(dataClass, args.context)),
          tags: dataTags(dataClass),
        },
        { parent: this },
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
    this.registerOutputs({ keyArns: this.keyArns });
  }
}
