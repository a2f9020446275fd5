import { z } from "zod";
import { geolocationSchema } from "../edge/settings";
import { vpcCidr } from "../network/settings";
import { awsRegion, documentSettings, regionList } from "../shared/settings";
import {
  MAX_SHARD_WEIGHT,
  SHARD_ID_PATTERN,
  shardListProblems,
  SINGLE_SHARD,
} from "../../contracts/user-store-shards";

/**
 * The Aurora user store's defaults: the schema fills `engine`, and the store fills the optional
 * `instanceClass` and `backupRetentionDays` from here, so a stack that sets nothing and a store
 * built without config agree.
 */
export const AURORA_STORE_DEFAULTS = {
  engine: "aurora-postgresql",
  instanceClass: "db.r7g.large",
  backupRetentionDays: 35,
} as const;

/**
 * Aurora's bounds on automated backup retention, in days.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html
 */
export const MIN_BACKUP_RETENTION_DAYS = 1;
/** See `MIN_BACKUP_RETENTION_DAYS`. */
export const MAX_BACKUP_RETENTION_DAYS = 35;

const backupRetentionError = `expected an integer from ${MIN_BACKUP_RETENTION_DAYS} to ${MAX_BACKUP_RETENTION_DAYS}`;

const shardWeightError = `expected a whole number from 0 to ${MAX_SHARD_WEIGHT}`;

/** One shard of the Aurora store: its id and its share of new accounts. */
const shardSchema = z.strictObject({
  /** Names the shard's resources and is recorded in the home-region directory. */
  id: z.string().regex(SHARD_ID_PATTERN, {
    error: "expected 1-8 lower-case letters and digits, starting with a letter",
  }),
  /** Share of new accounts relative to the other shards; 0 closes it to new accounts. @default 1 */
  weight: z
    .number()
    .int({ error: shardWeightError })
    .min(0, { error: shardWeightError })
    .max(MAX_SHARD_WEIGHT, { error: shardWeightError })
    .default(1),
});

/**
 * The Aurora store's shards: ids unique, at least one open for new accounts. The list-wide rules
 * are the contract's (`shardListProblems`), reported on the list.
 */
const shardListSchema = z
  .array(shardSchema)
  .min(1, { error: "expected at least one shard (the first is the store's original cluster)" })
  .default(SINGLE_SHARD.map((shard) => ({ ...shard })))
  .superRefine((shards, ctx) => {
    if (shards.length === 0) return;
    for (const message of shardListProblems(shards)) {
      ctx.addIssue({ code: "custom", message, input: shards });
    }
  });

/** The residency-bound user store of a stack: an Aurora global database or DynamoDB tables. */
export const userStoreSettingsSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      /** Aurora global database: the Saudi stack's store. */
      kind: z.literal("aurora"),
      /**
       * Aurora engine: PostgreSQL only, because the token vault and its migration run through the
       * RDS Data API on PostgreSQL. @default "aurora-postgresql"
       */
      engine: z
        .literal("aurora-postgresql", {
          error:
            'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
        })
        .default(AURORA_STORE_DEFAULTS.engine),
      /** Engine version. @default 16.6 */
      engineVersion: z
        .string()
        .regex(/^[0-9][0-9a-z._-]*$/, { error: "expected an Aurora engine version such as 16.6" })
        .optional(),
      /**
       * Instance class of the writer and the read replicas.
       * @default AURORA_STORE_DEFAULTS.instanceClass ("db.r7g.large"), applied by the store
       */
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
          error: "expected an RDS instance class such as db.r7g.large",
        })
        .optional(),
      /**
       * Days of automated backups, within Aurora's bounds (1 to 35).
       * @default AURORA_STORE_DEFAULTS.backupRetentionDays (35), applied by the store
       */
      backupRetentionDays: z
        .number()
        .int({ error: backupRetentionError })
        .min(MIN_BACKUP_RETENTION_DAYS, { error: backupRetentionError })
        .max(MAX_BACKUP_RETENTION_DAYS, { error: backupRetentionError })
        .optional(),
      /**
       * Regions of secondary clusters of the global database; each must be in allowedRegions and
       * have an entry in `secondaryCidrs`. @default []
       */
      replicaRegions: regionList.default([]),
      /**
       * CIDR of this stack's VPC in each secondary region (isolated subnets only): a private range
       * from /16 to /19 overlapping neither `network.cidr` nor another secondary's. @default {}
       */
      secondaryCidrs: z.record(awsRegion, vpcCidr).default({}),
      /**
       * The store's shards, one Aurora global database each, with the same settings, keys,
       * backups and secondaries. The first is the store's original cluster (its resources keep
       * their names); new accounts go to the shards with a weight above 0
       * (contracts/user-store-shards.ts). @default [{ id: "s1", weight: 1 }]
       */
      shards: shardListSchema,
    }),
    z.strictObject({
      /** DynamoDB global tables: the US stack's store. */
      kind: z.literal("dynamodb"),
      /** Regions of table replicas; each must be in allowedRegions. @default [] */
      replicaRegions: regionList.default([]),
    }),
  ],
  { error: 'expected kind "aurora" or "dynamodb"' },
);

// Documented on the Aurora option, which has every key; the DynamoDB option shares kind and
// replicaRegions.
documentSettings(userStoreSettingsSchema.options[0], {
  kind: {
    description: "the residency-bound user store",
    typeText: "`aurora` | `dynamodb`",
  },
  engine: {
    description:
      "Aurora only; MySQL is refused (the vault and its migration need PostgreSQL's Data API)",
  },
  engineVersion: {
    description: "Aurora only: the engine version",
    typeText: "Aurora PostgreSQL version",
    defaultText: "the store's (`AURORA_ENGINES` in `aurora-foundation.ts`)",
  },
  instanceClass: {
    description: "Aurora only: instance class of the writer and the read replicas",
    typeText: "RDS instance class",
    defaultText: `\`${AURORA_STORE_DEFAULTS.instanceClass}\``,
  },
  backupRetentionDays: {
    description: "Aurora only: days of automated backups",
    typeText: `${MIN_BACKUP_RETENTION_DAYS}-${MAX_BACKUP_RETENTION_DAYS}`,
    defaultText: `\`${AURORA_STORE_DEFAULTS.backupRetentionDays}\``,
  },
  replicaRegions: {
    description:
      "secondary clusters / table replicas; each must be in `allowedRegions` and differ from the stack's region",
    typeText: "list of regions",
  },
  shards: {
    description:
      "Aurora only: the store's shards, one Aurora global database each with the same settings; the first is the original cluster; new accounts go to shards of weight > 0 by a hash of their directory key, existing accounts never move",
    typeText: "list of `{ id, weight }` (id: 1-8 of a-z0-9; weight: 0-100)",
    defaultText: '`[{ id: "s1", weight: 1 }]`',
  },
  secondaryCidrs: {
    description:
      "Aurora: this stack's VPC in each secondary region; required for every `replicaRegions` entry, overlapping no other VPC",
    typeText: "region -> private IPv4 CIDR /16-/19",
  },
});

/** The user store's settings, every default resolved. */
export type UserStoreSettings = z.output<typeof userStoreSettingsSchema>;

/** Home-region pinning: every region users can call home, the same in every stack. */
export const homeRegionSettingsSchema = z
  .strictObject({
    /**
     * Every region users can call home, with its explicit API hostname; the same map in every
     * stack. The primary replicates the home-region table to each of these regions.
     */
    hostnames: z.record(
      awsRegion,
      z.string().regex(/^api\.[a-z0-9.-]+$/, { error: "expected an api.* hostname" }),
    ),
    /**
     * Every home region's `dns.geolocation`, the same map in every stack file: a sign-up is kept
     * in the home region that lists the country it declares, else in the one holding the default.
     * The stack's own entry must be its dns.geolocation. Required (checked with the rest of the
     * map, so every problem of homeRegion is reported at once).
     */
    geolocation: z.record(awsRegion, geolocationSchema).optional(),
  })
  .optional();

documentSettings(homeRegionSettingsSchema, {
  hostnames: {
    description:
      "every home region and its explicit API hostname; each stack's region is one, its hostname `api.<label>.<domain>`",
    typeText: "map of region to hostname",
    defaultText: "none: home regions off",
  },
  geolocation: {
    description:
      "every home region's `dns.geolocation`: where each country's sign-ups are kept; the stack's own entry must equal its `dns.geolocation`",
    typeText: "map of region to `{ countries, default }`",
    defaultText: "required with `homeRegion`",
  },
});

/** The home-region settings, as parsed. */
export type HomeRegionSettings = NonNullable<z.output<typeof homeRegionSettingsSchema>>;
