/**
 * The Aurora user store (the Saudi stack's): one shard or more, each a global database with its
 * primary cluster, the program's own rotated master secret and secondary clusters in other allowed
 * regions (`aurora-shard`), and, on the first shard, the token vault's roles and their migration.
 * The parts live in sibling modules (`aurora-foundation`, `aurora-shard`, `aurora-master-secret`,
 * `aurora-vault`, `aurora-secondary`); this one composes them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VaultFunction } from "../../contracts/functions";
import {
  shardListProblems,
  SINGLE_SHARD,
  type StoreShard,
} from "../../contracts/user-store-shards";
import type { NodeFunction } from "../shared/node-function";
import { AURORA_ENGINES, type AuroraEngine } from "./aurora-foundation";
import { createAuroraShard, USER_STORE_DATABASE, type AuroraShardResources } from "./aurora-shard";
import { createVaultMigration, createVaultRoleSecret } from "./aurora-vault";
import {
  AURORA_STORE_DEFAULTS,
  MAX_BACKUP_RETENTION_DAYS,
  MIN_BACKUP_RETENTION_DAYS,
} from "./settings";
import type { AuroraStoreArgs } from "./user-data-store";

/** The Aurora store's settings with every default applied. */
export interface AuroraSettings {
  /** See `AuroraStoreArgs.engine`. */
  readonly engine: AuroraEngine;
  /** See `AuroraStoreArgs.engineVersion`. */
  readonly engineVersion: string;
  /** See `AuroraStoreArgs.instanceClass`. */
  readonly instanceClass: string;
  /** See `AuroraStoreArgs.backupRetentionDays`. */
  readonly backupRetentionDays: number;
  /** See `AuroraStoreArgs.masterRotationDays`. */
  readonly masterRotationDays: number;
  /** See `AuroraStoreArgs.shards`. */
  readonly shards: readonly StoreShard[];
}

/** The defaults of the Aurora store's optional arguments, in one place. */
export function resolveAuroraSettings(args: AuroraStoreArgs): AuroraSettings {
  const engine = args.engine ?? AURORA_STORE_DEFAULTS.engine;
  return {
    engine,
    engineVersion: args.engineVersion ?? AURORA_ENGINES[engine].version,
    instanceClass: args.instanceClass ?? AURORA_STORE_DEFAULTS.instanceClass,
    backupRetentionDays: args.backupRetentionDays ?? AURORA_STORE_DEFAULTS.backupRetentionDays,
    masterRotationDays: args.masterRotationDays ?? 30,
    shards: args.shards ?? SINGLE_SHARD,
  };
}

/** Every problem with the Aurora store's arguments, each with the value and what is allowed. */
export function auroraProblems(args: AuroraStoreArgs, settings: AuroraSettings): string[] {
  const problems: string[] = [];
  const days = settings.masterRotationDays;
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    problems.push(`masterRotationDays = ${days}: expected a whole number of days from 1 to 1000`);
  }
  const backup = settings.backupRetentionDays;
  if (
    !Number.isInteger(backup) ||
    backup < MIN_BACKUP_RETENTION_DAYS ||
    backup > MAX_BACKUP_RETENTION_DAYS
  ) {
    problems.push(
      `backupRetentionDays = ${backup}: expected ${MIN_BACKUP_RETENTION_DAYS} to ${MAX_BACKUP_RETENTION_DAYS}`,
    );
  }
  if (args.availabilityZones.length < 2) {
    problems.push("Aurora needs instances in at least two zones");
  }
  if (settings.engine !== "aurora-postgresql") {
    problems.push(
      `engine = ${JSON.stringify(settings.engine)}: the token vault and its migration run on Aurora PostgreSQL through the RDS Data API; use "aurora-postgresql"`,
    );
  }
  problems.push(...shardListProblems(settings.shards).map((problem) => `shards: ${problem}`));
  return problems;
}

/** One shard as `createAurora` made it. */
export interface AuroraShard extends StoreShard, AuroraShardResources {}

/** What `createAurora` creates. */
export interface AuroraResources {
  /** The engine the clusters run, its default resolved. */
  readonly engine: AuroraEngine;
  /** Every shard, in configuration order; the first is the store's original cluster. */
  readonly shards: readonly AuroraShard[];
  /** The first shard's primary cluster (the token vault's). */
  readonly cluster: aws.rds.Cluster;
  /** The first shard's global database. */
  readonly globalCluster: aws.rds.GlobalCluster;
  /** The first shard's master user's rotated secret. */
  readonly masterSecret: aws.secretsmanager.Secret;
  /** The first shard's primary cluster's security group. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The database's name. */
  readonly database: string;
  /** Each vault function's database secret. */
  readonly vaultSecrets: Readonly<Record<VaultFunction, aws.secretsmanager.Secret>>;
  /** The vault migration's function and run. */
  readonly migration: {
    readonly function: NodeFunction<"vault-migrate">;
    readonly invocation: aws.lambda.Invocation;
  };
}

/**
 * The Aurora store: validates its arguments (every problem at once), then creates each shard (its
 * global database with this stack's cluster as primary, its instances, one per zone, its
 * secondaries and its rotated master secret) and, on the first shard, the vault roles' secrets and
 * the vault migration.
 */
export function createAurora(
  name: string,
  args: AuroraStoreArgs,
  parent: pulumi.Resource,
): AuroraResources {
  const settings = resolveAuroraSettings(args);
  const problems = auroraProblems(args, settings);
  if (problems.length > 0) {
    throw new pulumi.ResourceError(problems.join("; "), parent);
  }
  const { engine } = settings;
  const spec = AURORA_ENGINES[engine];
  const database = USER_STORE_DATABASE;
  // The first shard keeps the store's own names (the cluster it had before shards existed).
  const shards = settings.shards.map((shard, index) => ({
    id: shard.id,
    weight: shard.weight,
    ...createAuroraShard(index === 0 ? name : `${name}-${shard.id}`, args, settings, parent),
  }));
  const [first] = shards;
  if (first === undefined) {
    throw new pulumi.ResourceError("the Aurora store has no shard", parent);
  }
  const { cluster, instances, masterSecret, globalCluster, securityGroup } = first;
  // The PII token vault is the store's, not an account's: it lives on the first shard only.
  const vaultSecret = (fn: VaultFunction) =>
    createVaultRoleSecret(
      name,
      { fn, cluster, database, port: spec.port, userDataKeyArn: args.userDataKeyArn },
      parent,
    );
  const vaultSecrets = { tokenize: vaultSecret("tokenize"), detokenize: vaultSecret("detokenize") };
  const migration = createVaultMigration(
    name,
    {
      args,
      cluster,
      instances,
      database,
      secrets: vaultSecrets,
      masterSecretArn: masterSecret.arn,
    },
    parent,
  );
  return {
    engine,
    shards,
    cluster,
    globalCluster,
    masterSecret,
    securityGroup,
    database,
    vaultSecrets: {
      tokenize: vaultSecrets.tokenize.secret,
      detokenize: vaultSecrets.detokenize.secret,
    },
    migration,
  };
}
