import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { countryHomeRegions, type HomeRegionGeolocation } from "../../contracts/home-region";
import type { StoreShard } from "../../contracts/user-store-shards";
import { accountRootArn, regionalServicePrincipal, type AwsContext } from "../shared/context";
import { keyAdministration, KEY_USE_THROUGH_SERVICE_ACTIONS } from "../security/key-policies";
import { NodeFunction } from "../shared/node-function";
import { dataTags } from "../shared/tags";

/** The directory's fixed names: every stack reaches the same table and key by name in its region. */
export const HOME_REGION_TABLE = "knowledgecity-home-region";
export const HOME_REGION_KEY_ALIAS = "alias/knowledgecity/home-region";
/** Alias of the key that encrypts the directory table (and its replica) in every home region. */
export const HOME_REGION_TABLE_KEY_ALIAS = `${HOME_REGION_KEY_ALIAS}-table`;

/** Arguments of `HomeRegion`. */
export interface HomeRegionArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** The stack's name (`me-south-1`), which names account-wide resources. */
  readonly stack: string;
  /** Every home region with its explicit API hostname (the same map in every stack). */
  readonly hostnames: Readonly<Record<string, string>>;
  /**
   * Every home region's geolocation (the same map in every stack): the countries its stack routes
   * to itself, whose accounts it keeps, and whether it holds the default (every other country).
   * Decides the home region of a sign-up by the country it declares (contracts/home-region.ts).
   */
  readonly geolocation: Readonly<Record<string, HomeRegionGeolocation>>;
  /**
   * Set in the primary stack only: it owns the directory (the table replicated to every home
   * region and the multi-region HMAC key) and reaches the other regions through these providers.
   * https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html
   * @default undefined (the directory is another stack's)
   */
  readonly directory?: { readonly replicaProviders: Readonly<Record<string, aws.Provider>> };
  /**
   * Encrypts the function's logs and environment: `DataKeys.policyReadyKeyArns.telemetry`, since
   * CloudWatch Logs checks the key policy when it creates the log group.
   */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /**
   * This region's user-store shards. With more than one, the function is told them
   * (`STORE_SHARDS`): it assigns each new account a shard by the contract's rule
   * (contracts/user-store-shards.ts) and records it with the home region; with one, nothing
   * about shards is set or recorded (the account is on the region's only shard).
   * @default one shard
   */
  readonly shards?: readonly StoreShard[];
}

/**
 * Home-region pinning: residency follows the account, not the traveller. A table maps a keyed
 * hash of the sign-in identity (never the identity) to the user's home region and, when that
 * region's user store has more than one shard, the account's shard; every region's
 * `home-region` function computes the same hash with a multi-region KMS HMAC key and reads or
 * writes the table's replica in its own region. The table holds pseudonymous personal data (a
 * keyed hash, no identity; `DataClass=pseudonymous-directory`) and is the only state shared across
 * jurisdictions, replicated to the home regions only; the primary stack owns it.
 */
export class HomeRegion extends pulumi.ComponentResource {
  public readonly function: NodeFunction;

  constructor(name: string, args: HomeRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:data:HomeRegion", name, {}, opts);
    const { context } = args;
    const regions = Object.keys(args.hostnames).sort();
    if (!regions.includes(context.region)) {
      throw new pulumi.ResourceError(
        `hostnames must include this stack's region ${context.region}`,
        this,
      );
    }
    const geolocated = Object.keys(args.geolocation).sort();
    const countries = countryHomeRegions(args.geolocation);
    const problems = [
      ...(geolocated.join() === regions.join()
        ? []
        : [
            `geolocation names the home regions ${geolocated.join(", ") || "(none)"}, hostnames ${regions.join(", ")}: expected the same regions`,
          ]),
      ...("problems" in countries ? countries.problems : []),
    ];
    if (problems.length > 0 || !("map" in countries)) {
      throw new pulumi.ResourceError(`geolocation: ${problems.join("; ")}`, this);
    }
    const parent = { parent: this };

    if (args.directory !== undefined) {
      createDirectory(name, { context, regions, providers: args.directory.replicaProviders }, this);
    }

    const { accountId, partition, region } = context;
    const tableArn = `arn:${partition}:dynamodb:${region}:${accountId}:table/${HOME_REGION_TABLE}`;
    this.function = new NodeFunction(
      `${name}-lookup`,
      {
        context,
        contract: "home-region",
        description: "Maps a keyed hash of a sign-in identity to its home region",
        kmsKeyArn: args.telemetryKeyArn,
        environment: {
          TABLE_NAME: HOME_REGION_TABLE,
          HMAC_KEY_ID: `arn:${partition}:kms:${region}:${accountId}:${HOME_REGION_KEY_ALIAS}`,
          HOME_REGIONS: regions.join(","),
          REGION_HOSTNAMES: JSON.stringify(args.hostnames),
          // Sign-up pinning: register refuses an account whose country is kept elsewhere.
          COUNTRY_HOME_REGIONS: JSON.stringify(countries.map),
          STACK_REGION: region,
          ...(args.shards !== undefined && args.shards.length > 1
            ? {
                STORE_SHARDS: JSON.stringify(
                  args.shards.map((shard) => ({ id: shard.id, weight: shard.weight })),
                ),
              }
            : {}),
        },
        permissions: [
          {
            sid: "ReadAndWriteTheDirectory",
            // A transaction is authorized item by item, as these actions.
            actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            resources: [tableArn],
          },
          {
            sid: "HashWithTheDirectoryKey",
            actions: ["kms:GenerateMac"],
            resources: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
            condition: { StringEquals: { "kms:RequestAlias": HOME_REGION_KEY_ALIAS } },
          },
          {
            // The table is encrypted with the directory's table key, which DynamoDB uses on the
            // caller's behalf: reading and writing items needs kms:Decrypt through DynamoDB.
            // The key policy lets the account's principals do so through DynamoDB of the region.
            // https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-authz
            sid: "ReadTheEncryptedDirectory",
            actions: ["kms:Decrypt"],
            resources: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
            condition: {
              StringEquals: { "kms:ViaService": regionalServicePrincipal("dynamodb", context) },
              "ForAnyValue:StringEquals": { "kms:ResourceAliases": HOME_REGION_TABLE_KEY_ALIAS },
            },
          },
        ],
      },
      parent,
    );
    this.registerOutputs({ functionArn: this.function.arn });
  }
}

/** What `createDirectory` needs. */
interface DirectoryArgs {
  readonly context: AwsContext;
  /** Every home region, this one included. */
  readonly regions: readonly string[];
  /** A provider for each other home region. */
  readonly providers: Readonly<Record<string, aws.Provider>>;
}

/** The table (global, on demand) and the multi-region HMAC key, with a replica in every region. */
function createDirectory(name: string, args: DirectoryArgs, parent: pulumi.Resource): void {
  const { context, regions, providers } = args;
  const others = regions.filter((region) => region !== context.region);
  const missing = others.filter((region) => providers[region] === undefined);
  if (missing.length > 0) {
    throw new pulumi.ResourceError(
      `no provider for the home regions ${missing.join(", ")}`,
      parent,
    );
  }
  // The account administers both keys; its principals (each region's function, through its IAM
  // policy) may MAC with the one and use the other only through DynamoDB in that region.
  const keyPolicy = (use: "mac" | "table", region: string): string =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        keyAdministration(context, true),
        use === "mac"
          ? {
              Sid: "AccountMacsThroughIam",
              Effect: "Allow",
              Principal: { AWS: accountRootArn(context) },
              Action: ["kms:GenerateMac"],
              Resource: "*",
              Condition: { StringEquals: { "kms:CallerAccount": context.accountId } },
            }
          : {
              Sid: "AccountUsesTheKeyThroughDynamoDb",
              Effect: "Allow",
              Principal: { AWS: accountRootArn(context) },
              Action: [...KEY_USE_THROUGH_SERVICE_ACTIONS],
              Resource: "*",
              Condition: {
                StringEquals: {
                  "kms:CallerAccount": context.accountId,
                  "kms:ViaService": regionalServicePrincipal("dynamodb", { ...context, region }),
                },
              },
            },
      ],
    } satisfies aws.iam.PolicyDocument);

  /** A multi-region key with a replica (and the same alias) in every other home region. */
  const multiRegionKey = (role: "hmac" | "table", inputs: aws.kms.KeyArgs, alias: string) => {
    const primary = new aws.kms.Key(
      `${name}-${role}`,
      {
        ...inputs,
        multiRegion: true,
        deletionWindowInDays: 30,
        policy: keyPolicy(role === "hmac" ? "mac" : "table", context.region),
        tags: dataTags("none"),
      },
      { parent, protect: true },
    );
    new aws.kms.Alias(`${name}-${role}`, { name: alias, targetKeyId: primary.keyId }, { parent });
    const replicas = Object.fromEntries(
      others.map((region) => {
        const provider = providers[region];
        const replica = new aws.kms.ReplicaKey(
          `${name}-${role}-${region}`,
          {
            description: inputs.description,
            primaryKeyArn: primary.arn,
            deletionWindowInDays: 30,
            policy: keyPolicy(role === "hmac" ? "mac" : "table", region),
            tags: dataTags("none"),
          },
          { parent, provider, protect: true },
        );
        new aws.kms.Alias(
          `${name}-${role}-${region}`,
          { name: alias, targetKeyId: replica.keyId },
          { parent, provider },
        );
        return [region, replica] as const;
      }),
    );
    return { primary, replicas };
  };

  // Rotating an HMAC key would change every hash, so it never rotates.
  multiRegionKey(
    "hmac",
    {
      description: "KnowledgeCity home-region directory: identity hash",
      keyUsage: "GENERATE_VERIFY_MAC",
      customerMasterKeySpec: "HMAC_256",
    },
    HOME_REGION_KEY_ALIAS,
  );
  const tableKey = multiRegionKey(
    "table",
    {
      description: "KnowledgeCity home-region directory: table encryption",
      enableKeyRotation: true,
    },
    HOME_REGION_TABLE_KEY_ALIAS,
  );

  new aws.dynamodb.Table(
    `${name}-directory`,
    {
      name: HOME_REGION_TABLE,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [{ name: "pk", type: "S" }],
      // Keyed hashes, region codes and versions, no identity: pseudonymous personal data, its
      // own data class, replicated to every home region and nowhere else (README: the directory).
      serverSideEncryption: { enabled: true, kmsKeyArn: tableKey.primary.arn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
      replicas: others.map((regionName) => ({
        regionName,
        kmsKeyArn: tableKey.replicas[regionName]?.arn,
        pointInTimeRecovery: true,
        deletionProtectionEnabled: true,
        propagateTags: true,
      })),
      tags: dataTags("pseudonymous-directory"),
    },
    { parent, protect: true },
  );
}
