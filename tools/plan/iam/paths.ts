/**
 * The runtime paths of the platform as IAM sees them: what each function and service role must be
 * able to do (derived from what its code calls), and what nobody but the named roles may do. The
 * check (`./check`) evaluates each against the planned policies; for a path to an encrypted
 * resource it also evaluates the KMS call the service makes on the caller's behalf, against the
 * caller's policies and the key policy.
 */
import { APP_TABLES as APP_TABLE_ROLES } from "../../../contracts/monolith";
import { sourceKey, videoOutputPrefix } from "../../../contracts/storage";
import { streamName } from "./loader";
import { FIRST_SHARD_CLUSTER, shardMustDenyPaths, shardRequiredPaths } from "./shard-paths";
import { resourceKey, TYPES, type IamModel } from "./model";
import { videoTaskMustDenyPaths, videoTaskRequiredPaths } from "./video-task-paths";

/** Who makes a request. */
export type Caller =
  /** A role of the plan, by its Pulumi name. */
  | { readonly role: string }
  /**
   * A principal the plan does not create: `admin` is a role of this account whose IAM policies
   * allow everything (`*` on `*`), `outsider` a role of another account allowed everything by its
   * own account, `anonymous` an unsigned request.
   */
  | { readonly synthetic: "admin" | "outsider" | "anonymous" };

/** What a request acts on: a planned resource, by type and Pulumi name. */
export interface Target {
  readonly type: keyof typeof TYPES;
  readonly name: string;
  /** Appended to the resource's ARN, for example an object key (`/uploads/v1.mp4`). */
  readonly suffix?: string;
  /** The request names `*` (an action that takes no resource). */
  readonly wildcard?: boolean;
  /** Aurora clusters: the request names this database user (IAM database authentication). */
  readonly dbUser?: string;
  /**
   * With `dbUser`: the request names the cluster's database user in this region instead of the
   * cluster's own (a shard of another region's store, as another stack builds it).
   */
  readonly inRegion?: string;
}

/** One path. */
export interface IamPath {
  readonly caller: Caller;
  readonly action: string;
  readonly target: Target;
  /** Request context besides what the check adds (principal, TLS, region, KMS via-service). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** Why the path exists (the code that makes the call) or why it must be denied. */
  readonly why: string;
  /**
   * Must-deny paths only: `unrestricted` evaluates the caller as if its IAM policies allowed the
   * request, so only the resource side (resource policy, key policy) can deny it; `as-planned`
   * uses the caller's planned policies. @default "as-planned"
   */
  readonly identity?: "as-planned" | "unrestricted";
}

/** An upload and its renditions, in the key layout the functions use (contracts/storage.ts). */
const SAMPLE_COURSE = "course-1";
const SAMPLE_VIDEO = "5f0c6a8e-2d4b-4c1a-9e7f-3b2a1d0c9e8f";
const SAMPLE_SOURCE_KEY = sourceKey(SAMPLE_COURSE, SAMPLE_VIDEO, "mp4");

/** The encryption context purpose of PII vault values (functions/security/pii-tokenize). */
export const VAULT_PURPOSE = "pii-vault";

/** The tables of the US user store that hold the app's user data (not the vault). */
const APP_TABLES = APP_TABLE_ROLES.map((table) => `kc-users-${table}`);
const VAULT_TABLE = "kc-users-pii-vault";
const USER_DATA_KEY = "kc-keys-user-data";
const AURORA_CLUSTER = FIRST_SHARD_CLUSTER;

const TOKENIZE = "kc-pii-tokenize-role";
const DETOKENIZE = "kc-pii-detokenize-role";
/** The secret of each vault function's database role (Saudi store), by the function's role. */
const VAULT_SECRETS: Readonly<Record<string, string>> = {
  [TOKENIZE]: "kc-users-vault-tokenize",
  [DETOKENIZE]: "kc-users-vault-detokenize",
};
/** The vault migration's role (Saudi store): it runs the schema migration as the master user. */
const VAULT_MIGRATE = "kc-users-vault-migrate-role";
/** The monolith's compute role (EC2 mode). */
export const MONOLITH_ROLE = "kc-monolith-instance";

/** The primary stack's AWS Config aggregator of the account's every region. */
const ACCOUNT_AGGREGATOR = "kc-compliance-account";

/** The functions the monolith invokes, by Pulumi name. */
const MONOLITH_BACKENDS = [
  "kc-video-upload-url-fn",
  "kc-video-playback-auth-fn",
  "kc-pii-tokenize-fn",
  "kc-pii-detokenize-fn",
  "kc-home-region-lookup-fn",
] as const;

/** Whether the plan has a resource. */
function has(model: IamModel, type: keyof typeof TYPES, name: string): boolean {
  return model.resources.has(resourceKey(TYPES[type], name));
}

const role = (name: string): Caller => ({ role: name });

/** The paths that must be allowed in this stack. */
export function requiredPaths(model: IamModel): readonly IamPath[] {
  const paths: IamPath[] = [];
  const dynamoStore = has(model, "table", VAULT_TABLE);
  const auroraStore = has(model, "cluster", AURORA_CLUSTER);
  const vaultContext = { "kms:EncryptionContext:purpose": VAULT_PURPOSE };

  // functions/security/pii-tokenize: GenerateMac under the token key, Encrypt into the vault, PutItem.
  paths.push(
    {
      caller: role(TOKENIZE),
      action: "kms:GenerateMac",
      target: { type: "key", name: "kc-pii-hmac" },
      why: "tokenize: KmsMacGenerator (GenerateMac, HMAC_SHA_256)",
    },
    {
      caller: role(TOKENIZE),
      action: "kms:Encrypt",
      target: { type: "key", name: USER_DATA_KEY },
      context: vaultContext,
      why: "tokenize: KmsEncrypter (Encrypt with the vault encryption context)",
    },
    {
      caller: role(DETOKENIZE),
      action: "kms:Decrypt",
      target: { type: "key", name: USER_DATA_KEY },
      context: vaultContext,
      why: "detokenize: KmsDecrypter (Decrypt with the vault encryption context)",
    },
  );
  if (dynamoStore) {
    paths.push(
      {
        caller: role(TOKENIZE),
        action: "dynamodb:PutItem",
        target: { type: "table", name: VAULT_TABLE },
        why: "tokenize: DynamoVault.putIfAbsent (PutItem)",
      },
      {
        caller: role(DETOKENIZE),
        action: "dynamodb:BatchGetItem",
        target: { type: "table", name: VAULT_TABLE },
        why: "detokenize: DynamoVault.getMany (BatchGetItem)",
      },
    );
  }
  if (auroraStore) {
    for (const [caller, secret] of Object.entries(VAULT_SECRETS)) {
      paths.push(
        {
          caller: role(caller),
          action: "rds-data:ExecuteStatement",
          target: { type: "cluster", name: AURORA_CLUSTER },
          why: `${caller}: AuroraVault (RDS Data API ExecuteStatement)`,
        },
        {
          caller: role(caller),
          action: "secretsmanager:GetSecretValue",
          target: { type: "secret", name: secret },
          why: `${caller}: the Data API reads its own database role's secret as the caller`,
        },
      );
    }
    // functions/security/vault-migrate: one transaction per version through the Data API, as the master
    // user, and the vault roles' passwords from their secrets.
    for (const action of [
      "rds-data:BeginTransaction",
      "rds-data:ExecuteStatement",
      "rds-data:CommitTransaction",
      "rds-data:RollbackTransaction",
    ]) {
      paths.push({
        caller: role(VAULT_MIGRATE),
        action,
        target: { type: "cluster", name: AURORA_CLUSTER },
        why: `vault-migrate: migrateVault (${action.split(":")[1] ?? action})`,
      });
    }
    for (const secret of Object.values(VAULT_SECRETS)) {
      paths.push({
        caller: role(VAULT_MIGRATE),
        action: "secretsmanager:GetSecretValue",
        target: { type: "secret", name: secret },
        why: "vault-migrate: readRoleCredential sets the role's password from its secret",
      });
    }
    paths.push({
      caller: role(VAULT_MIGRATE),
      action: "secretsmanager:GetSecretValue",
      target: { type: "secret", name: "kc-users-master" },
      why: "vault-migrate: the Data API signs in as the master user with its secret, as the caller",
    });
  }

  // functions/video/upload-url: a presigned POST is signed with the function's own credentials.
  if (has(model, "bucket", "kc-video-raw")) {
    paths.push(
      {
        caller: role("kc-video-upload-url-role"),
        action: "s3:PutObject",
        target: { type: "bucket", name: "kc-video-raw", suffix: `/${SAMPLE_SOURCE_KEY}` },
        why: "upload-url: createPresignedPost under uploads/ (the upload is made as the role)",
      },
      // functions/video/encode-submit: HeadObject, Probe, CreateJob + PassRole, the ledger, the DLQ.
      {
        caller: role("kc-video-encode-submit-role"),
        action: "s3:GetObject",
        target: { type: "bucket", name: "kc-video-raw", suffix: `/${SAMPLE_SOURCE_KEY}` },
        why: "encode-submit: HeadObjectCommand on the upload",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "s3:ListBucket",
        target: { type: "bucket", name: "kc-video-raw" },
        why: "encode-submit: HeadObject tells a missing upload (404, not 403) only with ListBucket",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "mediaconvert:CreateJob",
        target: { type: "mediaConvertQueue", name: "kc-video-encode" },
        why: "encode-submit: CreateJobCommand on the stack's queue",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "iam:PassRole",
        target: { type: "role", name: "kc-video-mediaconvert" },
        context: { "iam:PassedToService": "mediaconvert.amazonaws.com" },
        why: "encode-submit: CreateJob hands MediaConvert its role",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "sqs:ReceiveMessage",
        target: { type: "queue", name: "kc-video-ingest" },
        why: "encode-submit: the SQS event source polls as the function's role",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "sqs:DeleteMessage",
        target: { type: "queue", name: "kc-video-ingest" },
        why: "encode-submit: the SQS event source deletes what the function processed",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "sqs:SendMessage",
        target: { type: "queue", name: "kc-video-ingest-dlq" },
        why: "encode-submit: SendMessageCommand parks a poison message with its reason",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "dynamodb:GetItem",
        target: { type: "table", name: "kc-video-catalog" },
        why: "encode-submit: the submission ledger (GetItemCommand)",
      },
      {
        caller: role("kc-video-encode-submit-role"),
        action: "dynamodb:UpdateItem",
        target: { type: "table", name: "kc-video-catalog" },
        why: "encode-submit: the submission ledger (UpdateItemCommand)",
      },
      // MediaConvert reads the upload and writes renditions as its role.
      {
        caller: role("kc-video-mediaconvert"),
        action: "s3:GetObject",
        target: { type: "bucket", name: "kc-video-raw", suffix: `/${SAMPLE_SOURCE_KEY}` },
        why: "MediaConvert reads the source video as its role",
      },
      {
        caller: role("kc-video-mediaconvert"),
        action: "s3:PutObject",
        target: {
          type: "bucket",
          name: "kc-video-processed",
          suffix: `/${videoOutputPrefix(SAMPLE_COURSE, SAMPLE_VIDEO)}0123456789abcdef/cmaf/index.m3u8`,
        },
        why: "MediaConvert writes renditions under courses/ as its role",
      },
      // functions/video/encode-status: the catalog and the video events topic.
      {
        caller: role("kc-video-encode-status-role"),
        action: "dynamodb:UpdateItem",
        target: { type: "table", name: "kc-video-catalog" },
        why: "encode-status: DynamoCatalog (UpdateItemCommand)",
      },
      {
        caller: role("kc-video-encode-status-role"),
        action: "sns:Publish",
        target: { type: "topic", name: "kc-video-events" },
        why: "encode-status: SnsNotifier (PublishCommand)",
      },
      // functions/video/playback-auth: the CloudFront signing key from Secrets Manager.
      {
        caller: role("kc-video-playback-auth-role"),
        action: "secretsmanager:GetSecretValue",
        target: { type: "secret", name: "kc-video-signing-key" },
        why: "playback-auth: GetSecretValueCommand for the signing key",
      },
    );
  }
  // functions/video/trick-play: its own paths (./video-task-paths).
  paths.push(...videoTaskRequiredPaths(model));

  // functions/security/residency-audit: the primary's daily run reads the account aggregator's view.
  if (has(model, "configAggregator", ACCOUNT_AGGREGATOR)) {
    paths.push({
      caller: role("kc-compliance-residency-audit-role"),
      action: "config:SelectAggregateResourceConfig",
      target: { type: "configAggregator", name: ACCOUNT_AGGREGATOR },
      why: "residency-audit: SelectAggregateResourceConfigCommand over every region (daily run)",
    });
  }

  // functions/data/home-region: the directory table (primary stack) and the identity hash key.
  if (has(model, "table", "kc-home-region-directory")) {
    for (const action of ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]) {
      paths.push({
        caller: role("kc-home-region-lookup-role"),
        action,
        target: { type: "table", name: "kc-home-region-directory" },
        why: `home-region: DynamoDirectory (${action.split(":")[1] ?? action}; TransactWriteItems needs Put and Update)`,
      });
    }
    paths.push({
      caller: role("kc-home-region-lookup-role"),
      action: "kms:GenerateMac",
      target: { type: "key", name: "kc-home-region-hmac" },
      context: { "kms:RequestAlias": "alias/knowledgecity/home-region" },
      why: "home-region: KmsIdentityHasher (GenerateMac by alias)",
    });
  }

  // functions/analytics/rtlog-ingest: the playback log stream, the ClickHouse password, dead letters.
  if (has(model, "stream", "kc-video-cdn-playback-logs")) {
    paths.push(
      {
        caller: role("kc-analytics-rtlog-role"),
        action: "kinesis:GetRecords",
        target: { type: "stream", name: "kc-video-cdn-playback-logs" },
        why: "rtlog-ingest: the Kinesis event source reads as the function's role",
      },
      {
        caller: role("kc-analytics-rtlog-role"),
        action: "secretsmanager:GetSecretValue",
        target: { type: "secret", name: "kc-analytics-clickhouse-ingest" },
        why: "rtlog-ingest: GetSecretValueCommand for the ClickHouse ingest password",
      },
      {
        caller: role("kc-analytics-rtlog-role"),
        action: "s3:PutObject",
        target: {
          type: "bucket",
          name: "kc-analytics-lake-lake",
          suffix: "/dead-letter/rtlog/2026/01/01/batch.json",
        },
        why: "rtlog-ingest: S3DeadLetters (PutObjectCommand under dead-letter/rtlog/)",
      },
      {
        caller: role("kc-analytics-rtlog-role"),
        action: "sqs:SendMessage",
        target: { type: "queue", name: "kc-analytics-rtlog-failures" },
        why: "rtlog-ingest: the event source's on-failure destination, as the function's role",
      },
    );
  }

  // The monolith calls the backend functions and reads and writes its region's user store.
  for (const backend of MONOLITH_BACKENDS) {
    if (has(model, "function", backend)) {
      paths.push({
        caller: role(MONOLITH_ROLE),
        action: "lambda:InvokeFunction",
        target: { type: "function", name: backend },
        why: `the monolith invokes ${backend}`,
      });
    }
  }
  paths.push(...shardRequiredPaths(model, MONOLITH_ROLE));
  if (dynamoStore) {
    for (const table of APP_TABLES) {
      for (const action of [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ]) {
        paths.push({
          caller: role(MONOLITH_ROLE),
          action,
          target: { type: "table", name: table },
          why: `the monolith reads and writes ${table}`,
        });
      }
    }
  }
  return paths;
}

/**
 * The roles that may reach each user-data table of the US store (the resource policies of
 * `UserDataStore` deny everyone else); every other role is a must-deny caller.
 */
export const TABLE_PRINCIPALS: Readonly<Record<string, readonly string[]>> = {
  [VAULT_TABLE]: [TOKENIZE, DETOKENIZE],
  ...Object.fromEntries(APP_TABLES.map((table) => [table, [MONOLITH_ROLE]])),
};

/** The paths that must be denied in this stack. */
export function mustDenyPaths(model: IamModel): readonly IamPath[] {
  const paths: IamPath[] = [];
  const roles = [...model.principals.keys()];
  const vaultContext = { "kms:EncryptionContext:purpose": VAULT_PURPOSE };

  // Any other role, or an account administrator, reading the user-data tables.
  for (const [table, allowed] of Object.entries(TABLE_PRINCIPALS)) {
    if (!has(model, "table", table)) {
      continue;
    }
    for (const caller of roles.filter((name) => !allowed.includes(name))) {
      paths.push({
        caller: role(caller),
        action: "dynamodb:GetItem",
        target: { type: "table", name: table },
        identity: "unrestricted",
        why: `only ${allowed.join(", ")} may reach ${table}, whatever other roles' policies say`,
      });
    }
    // The table and each replica of it (a table of its own region, with a policy of its own),
    // and their streams.
    const copies = [...model.resources.values()].filter(
      (entry) =>
        entry.type === TYPES.table &&
        (entry.name === table ||
          entry.name === streamName(table) ||
          entry.name.startsWith(`${table}@`)),
    );
    for (const copy of copies) {
      if (copy.name.endsWith(streamName(""))) {
        // The stream holds every change: only DynamoDB's replication reads it.
        for (const caller of [...roles.map(role), { synthetic: "admin" } as const]) {
          paths.push({
            caller,
            action: "dynamodb:GetRecords",
            target: { type: "table", name: copy.name },
            ...("role" in caller ? { identity: "unrestricted" as const } : {}),
            why: `only DynamoDB's replication reads the changes of ${table} (${copy.name})`,
          });
        }
        continue;
      }
      for (const action of ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:PutItem"]) {
        paths.push({
          caller: { synthetic: "admin" },
          action,
          target: { type: "table", name: copy.name },
          why: `an account principal with broad IAM rights must not reach ${copy.name}`,
        });
      }
    }
  }
  // Tokenize writes the vault; it never reads values back.
  if (has(model, "table", VAULT_TABLE)) {
    for (const action of ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]) {
      paths.push({
        caller: role(TOKENIZE),
        action,
        target: { type: "table", name: VAULT_TABLE },
        why: "tokenize writes vault records and never reads them",
      });
    }
  }
  paths.push(...shardMustDenyPaths(model, MONOLITH_ROLE, roles));
  // The Saudi store: the Data API has no resource policy, so other roles' own policies keep them
  // out of it; each vault role's secret has a policy of its own.
  if (has(model, "cluster", AURORA_CLUSTER)) {
    for (const caller of roles.filter(
      (name) => ![TOKENIZE, DETOKENIZE, VAULT_MIGRATE].includes(name),
    )) {
      paths.push({
        caller: role(caller),
        action: "rds-data:ExecuteStatement",
        target: { type: "cluster", name: AURORA_CLUSTER },
        why: "only the vault functions and the vault migration use the Data API on the user store",
      });
    }
    for (const [owner, secret] of Object.entries(VAULT_SECRETS)) {
      for (const caller of roles.filter((name) => ![owner, VAULT_MIGRATE].includes(name))) {
        paths.push({
          caller: role(caller),
          action: "secretsmanager:GetSecretValue",
          target: { type: "secret", name: secret },
          // The secret's policy refuses everyone else, whatever their own policies say.
          identity: "unrestricted",
          why: `only ${owner} and the vault migration read the password of ${secret}`,
        });
      }
      paths.push({
        caller: { synthetic: "admin" },
        action: "secretsmanager:GetSecretValue",
        target: { type: "secret", name: secret },
        why: `an account principal with broad IAM rights must not read the password of ${secret}`,
      });
    }
  }
  // Vault values decrypt for detokenize only, whatever any other role's policies say.
  if (has(model, "key", USER_DATA_KEY)) {
    for (const caller of roles.filter((name) => name !== DETOKENIZE)) {
      paths.push({
        caller: role(caller),
        action: "kms:Decrypt",
        target: { type: "key", name: USER_DATA_KEY },
        context: vaultContext,
        identity: "unrestricted",
        why: "only detokenize decrypts vault values (purpose=pii-vault)",
      });
    }
    paths.push({
      caller: { synthetic: "admin" },
      action: "kms:Decrypt",
      target: { type: "key", name: USER_DATA_KEY },
      context: vaultContext,
      why: "an account principal with broad IAM rights must not decrypt vault values",
    });
  }
  // The trick-play task's role outside what its code calls (./video-task-paths).
  paths.push(...videoTaskMustDenyPaths(model));
  // Nobody outside the account reads any bucket.
  for (const entry of model.resources.values()) {
    if (entry.type !== TYPES.bucket) {
      continue;
    }
    for (const synthetic of ["outsider", "anonymous"] as const) {
      paths.push({
        caller: { synthetic },
        action: "s3:GetObject",
        target: { type: "bucket", name: entry.name, suffix: "/any/object" },
        identity: "unrestricted",
        why: `nobody outside the account reads ${entry.name}`,
      });
    }
  }
  return paths;
}
