import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "./context";
import { DataKeys } from "./data-keys";
import type { LogRetentionDays } from "./logs";
import { Network } from "./network";

/** Network settings of a region. */
export interface RegionalNetworkSettings {
  /** IPv4 CIDR of the VPC. */
  readonly cidr: string;
  /** Interface endpoints. @default DEFAULT_INTERFACE_ENDPOINTS */
  readonly interfaceEndpoints?: readonly string[];
  /** Retention of VPC flow logs. @default 365 */
  readonly flowLogRetentionDays?: LogRetentionDays;
}

/** Arguments of `RegionalPlatform`. */
export interface RegionalPlatformArgs {
  /** Account and region. */
  readonly context: AwsContext;
  /** Stack name, used in aliases and descriptions. */
  readonly stack: string;
  /** Zones the region's network spans, in slot order. */
  readonly availabilityZones: readonly string[];
  /** The VPC. */
  readonly network: RegionalNetworkSettings;
}

/**
 * Everything one region runs: the data keys and the network today; the user store, monolith,
 * video pipeline, analytics, microservices, observability and compliance as they are built.
 * Every region gets the same platform; only its settings differ.
 */
export class RegionalPlatform extends pulumi.ComponentResource {
  public readonly keys: DataKeys;
  public readonly network: Network;

  constructor(name: string, args: RegionalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:platform:RegionalPlatform", name, {}, opts);

    this.keys = new DataKeys(
      `${name}-keys`,
      { context: args.context, stack: args.stack },
      { parent: this },
    );
    this.network = new Network(
      `${name}-network`,
      {
        context: args.context,
        cidr: args.network.cidr,
        availabilityZones: args.availabilityZones,
        flowLogsKmsKeyArn: this.keys.keyArns.telemetry,
        interfaceEndpoints: args.network.interfaceEndpoints,
        flowLogRetentionDays: args.network.flowLogRetentionDays,
      },
      { parent: this },
    );

    this.registerOutputs({
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
    });
  }
}
