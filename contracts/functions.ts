/**
 * The environment contract of every Lambda function the program deploys: which handler it runs
 * and which variables that handler reads, required or optional, each with its meaning. The
 * component that deploys a function sets its environment through `FunctionEnvironment` (so it can
 * set nothing the handler does not read, and must set what it requires), and the handler's
 * configuration loader reads the names from here. `test/contracts.test.ts` runs each deployed
 * function's loader on the environment the program gives it.
 */
import { EDGE_CACHE_CONTROL_ENTRY } from "./edge-cache-control";

/** A variable's name and what it means, in one line. */
export type VariableMeanings = Readonly<Record<string, string>>;

/**
 * Variables that one variable's value selects: with `selector` set to a key of `required`, those
 * variables are required too (the others of the group are not read).
 */
export interface VariantContract {
  readonly selector: string;
  readonly required: Readonly<Record<string, readonly string[]>>;
}

/** What a deployed function reads from its environment. */
export interface FunctionContract {
  /** Handler module under `functions/`, without `.ts`. */
  readonly entry: string;
  /** Variables the handler refuses to start without (blank counts as unset). */
  readonly required: VariableMeanings;
  /** Variables the handler reads when set, with a default otherwise. */
  readonly optional: VariableMeanings;
  /** Variables required or not depending on a selector's value (listed in `optional` too). */
  readonly variants?: VariantContract;
  /**
   * Variables the Lambda runtime sets itself; a component may not set them (Lambda rejects
   * reserved keys: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
   */
  readonly fromRuntime?: VariableMeanings;
}

/** The token vault implementations `VAULT_KIND` selects. */
export const VAULT_KINDS = ["dynamodb", "aurora"] as const;
/** A token vault implementation. */
export type VaultKind = (typeof VAULT_KINDS)[number];

/** The variables each vault kind needs, besides `VAULT_KIND`. */
export const VAULT_VARIANTS = {
  dynamodb: ["VAULT_TABLE"],
  aurora: ["VAULT_CLUSTER_ARN", "VAULT_SECRET_ARN", "VAULT_DATABASE"],
} as const satisfies Readonly<Record<VaultKind, readonly string[]>>;

/** The vault part of an environment, with values of type `V`: `VAULT_KIND` and that kind's variables. */
export type VaultEnvironment<V> = {
  [K in VaultKind]: { readonly VAULT_KIND: K } & Readonly<
    Record<(typeof VAULT_VARIANTS)[K][number], V>
  >;
}[VaultKind];

/**
 * The Aurora vault's database objects, which the vault migration (functions/security/vault-migrate) creates
 * and the vault functions and the program name: the schema and table, one role per vault
 * function, and the schema version the program expects (raising it re-runs the migration during
 * deployment).
 */
export const AURORA_VAULT = {
  schema: "vault",
  table: "pii_token_vault",
  roles: { tokenize: "vault_tokenize", detokenize: "vault_detokenize" },
  schemaVersion: 2,
} as const;

/** A vault function with a database role of its own. */
export type VaultFunction = keyof typeof AURORA_VAULT.roles;

const VAULT_REQUIRED = {
  VAULT_KIND: `where the token vault lives: ${VAULT_KINDS.join(" or ")}`,
} as const;

const VAULT_BY_KIND = {
  VAULT_TABLE: "dynamodb vault: the vault table's name",
  VAULT_CLUSTER_ARN: "aurora vault: the Aurora cluster's ARN (RDS Data API)",
  VAULT_SECRET_ARN: "aurora vault: the ARN of the secret of the vault's database user",
  VAULT_DATABASE: "aurora vault: the database holding the vault table",
} as const;

/** Every deployed function's contract, by function. */
export const FUNCTION_CONTRACTS = {
  "residency-audit": {
    entry: "security/residency-audit/handler",
    // Its allowed regions come from the Config rule's input parameters, not the environment.
    required: {},
    optional: {
      AGGREGATOR_NAME:
        "the account's Config aggregator (all regions), primary stack only: periodic runs query its view instead of this region's",
    },
  },
  "edge-cache-control": {
    // Lambda@Edge takes no environment variables: its settings are a file of the package
    // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html).
    entry: EDGE_CACHE_CONTROL_ENTRY,
    required: {},
    optional: {},
  },
  "home-region": {
    entry: "data/home-region/handler",
    required: {
      HMAC_KEY_ID: "the multi-region HMAC_256 KMS key (id, alias or ARN) that hashes identities",
      TABLE_NAME: "the home-region DynamoDB global table",
      HOME_REGIONS: "comma-separated home regions, in order",
      REGION_HOSTNAMES: "JSON object: home region -> its API hostname",
      COUNTRY_HOME_REGIONS:
        'JSON object: ISO 3166-1 alpha-2 country -> the home region keeping its accounts; "*" for every other country (contracts/home-region.ts)',
      STACK_REGION:
        "this stack's home region: register keeps only the accounts whose home region it is",
    },
    optional: {
      STORE_SHARDS:
        'JSON list of this region\'s user-store shards, `[{"id","weight"}]` in order (contracts/user-store-shards.ts); set when there are more than one: register records the shard it assigns, absent means one shard and no shard recorded',
    },
  },
  "rtlog-ingest": {
    entry: "analytics/rtlog-ingest/handler",
    required: {
      CLICKHOUSE_URL: "ClickHouse HTTPS endpoint (https://host:8443), no credentials or path",
      CLICKHOUSE_DATABASE: "the analytics database (a plain identifier)",
      CLICKHOUSE_USER: "the ClickHouse user that inserts",
      CLICKHOUSE_PASSWORD_SECRET_ARN: "Secrets Manager secret holding that user's password",
      DEAD_LETTER_BUCKET: "bucket that keeps malformed records",
      DEAD_LETTER_PREFIX: "key prefix of the dead-letter objects, ending in /",
      DEAD_LETTER_KMS_KEY_ARN: "KMS key the dead-letter objects are encrypted with",
    },
    optional: {},
    fromRuntime: {
      AWS_LAMBDA_FUNCTION_NAME: "the function's name: the FunctionName dimension of its metrics",
    },
  },
  tokenize: {
    entry: "security/pii-tokenize/tokenize",
    required: {
      HMAC_KEY_ID: "the KMS HMAC_256 key that derives tokens",
      DATA_KEY_ID: "the region's user-data key: vault values are encrypted with it",
      ...VAULT_REQUIRED,
    },
    optional: VAULT_BY_KIND,
    variants: { selector: "VAULT_KIND", required: VAULT_VARIANTS },
  },
  detokenize: {
    entry: "security/pii-tokenize/detokenize",
    required: {
      DATA_KEY_ID: "the region's user-data key: vault values are decrypted with it",
      ...VAULT_REQUIRED,
    },
    optional: VAULT_BY_KIND,
    variants: { selector: "VAULT_KIND", required: VAULT_VARIANTS },
  },
  "vault-migrate": {
    entry: "security/vault-migrate/handler",
    required: {
      VAULT_CLUSTER_ARN: "the Aurora cluster's ARN (RDS Data API)",
      VAULT_DATABASE: "the database holding the vault",
      MASTER_SECRET_ARN: "the secret of the cluster's master user, which runs the migration",
      TOKENIZE_SECRET_ARN: "the secret of tokenize's database role (username and password)",
      DETOKENIZE_SECRET_ARN: "the secret of detokenize's database role (username and password)",
    },
    optional: {},
  },
  "encode-submit": {
    entry: "video/encode-submit/handler",
    required: {
      MEDIACONVERT_QUEUE_ARN: "the MediaConvert queue jobs are submitted to",
      MEDIACONVERT_ROLE_ARN: "the role MediaConvert assumes to read sources and write outputs",
      OUTPUT_BUCKET: "the processed bucket (outputs under courses/)",
      DLQ_URL: "the ingest queue's dead-letter queue: permanent failures go there",
      MAX_SOURCE_BYTES: "largest source accepted, in bytes",
      ALLOWED_CONTENT_TYPES: "comma-separated Content-Types accepted for sources",
      CATALOG_TABLE: "the video catalog table, which holds the submission ledger",
    },
    optional: {
      LADDER:
        "JSON rendition ladder [{ width, height, maxBitrateKbps }]; default: the lecture ladder",
    },
  },
  "encode-status": {
    entry: "video/encode-status/handler",
    required: {
      CATALOG_TABLE: "the video catalog table job states are recorded in",
      TOPIC_ARN: "the SNS topic that announces finished and failed encodes",
    },
    optional: {},
  },
  "upload-url": {
    entry: "video/upload-url/handler",
    required: {
      RAW_BUCKET: "the raw bucket uploads land in (under uploads/)",
      KMS_KEY_ARN: "the KMS key every upload must be encrypted with",
      MAX_UPLOAD_BYTES: "largest upload, in bytes (at most 5 GiB)",
      ALLOWED_CONTENT_TYPES: "comma-separated Content-Types clients may upload",
    },
    optional: {
      URL_TTL_SECONDS: "lifetime of an upload URL in seconds; default 900",
    },
  },
  "playback-auth": {
    entry: "video/playback-auth/handler",
    required: {
      PLAYBACK_DOMAIN: "the video distribution's custom hostname",
      KEY_PAIR_ID: "the CloudFront public key id whose private key signs",
      PRIVATE_KEY_SECRET_ARN: "Secrets Manager secret holding the PEM private key",
    },
    optional: {
      COOKIE_DOMAIN:
        "the cookies' Domain: the playback domain or a parent; default PLAYBACK_DOMAIN",
      DEFAULT_SESSION_SECONDS: "session length when a request gives none, 60-14400; default 3600",
    },
  },
} as const satisfies Readonly<Record<string, FunctionContract>>;

/** A function the program deploys. */
export type FunctionName = keyof typeof FUNCTION_CONTRACTS;

/** Every function with a contract. */
export const FUNCTION_NAMES = Object.keys(FUNCTION_CONTRACTS) as FunctionName[];

/** The variables function `F` requires. */
export type RequiredVariable<F extends FunctionName> =
  keyof (typeof FUNCTION_CONTRACTS)[F]["required"] & string;

/** The variables function `F` reads when set. */
export type OptionalVariable<F extends FunctionName> =
  keyof (typeof FUNCTION_CONTRACTS)[F]["optional"] & string;

/** The variables the Lambda runtime sets for function `F`, which it reads. */
export type RuntimeVariable<F extends FunctionName> = (typeof FUNCTION_CONTRACTS)[F] extends {
  readonly fromRuntime: infer R;
}
  ? keyof R & string
  : never;

/** Every variable a component may set for function `F`. */
export type ContractVariable<F extends FunctionName> = RequiredVariable<F> | OptionalVariable<F>;

/**
 * The environment a component gives function `F`, with values of type `V`: every required
 * variable, any optional one, nothing else.
 */
export type FunctionEnvironment<F extends FunctionName, V> = Readonly<
  Record<RequiredVariable<F>, V> & Partial<Record<OptionalVariable<F>, V>>
>;

/** The contract of `name`, typed as the general shape (for code that walks every contract). */
export function functionContract(name: FunctionName): FunctionContract {
  return FUNCTION_CONTRACTS[name];
}

/** The names of `F`'s required variables, in contract order. */
export function requiredVariables<F extends FunctionName>(name: F): RequiredVariable<F>[] {
  return Object.keys(FUNCTION_CONTRACTS[name].required) as RequiredVariable<F>[];
}

/** The names of the variables the Lambda runtime sets for `F`. */
export function runtimeVariables<F extends FunctionName>(name: F): RuntimeVariable<F>[] {
  const contract: FunctionContract = FUNCTION_CONTRACTS[name];
  return Object.keys(contract.fromRuntime ?? {}) as RuntimeVariable<F>[];
}

/** The names of `F`'s optional variables, in contract order. */
export function optionalVariables<F extends FunctionName>(name: F): OptionalVariable<F>[] {
  return Object.keys(FUNCTION_CONTRACTS[name].optional) as OptionalVariable<F>[];
}

/**
 * What is wrong with an environment a component gives function `name`, one line per problem
 * (empty when nothing is): variables outside the contract, missing required variables, and the
 * variables a known selector value requires. Values other than plain strings (a later-resolved
 * output) are taken as set.
 */
export function environmentProblems(
  name: FunctionName,
  environment: Readonly<Record<string, unknown>>,
): string[] {
  const contract = functionContract(name);
  const allowed = [...Object.keys(contract.required), ...Object.keys(contract.optional)];
  const isSet = (variable: string): boolean =>
    Object.hasOwn(environment, variable) && environment[variable] !== undefined;
  const problems: string[] = [];
  for (const variable of Object.keys(environment).filter((key) => !allowed.includes(key))) {
    problems.push(
      Object.hasOwn(contract.fromRuntime ?? {}, variable)
        ? `${variable} is set by the Lambda runtime and may not be set`
        : `${variable} is not in the contract of ${name}; it may set ${allowed.length === 0 ? "nothing" : allowed.join(", ")}`,
    );
  }
  const missing = Object.keys(contract.required).filter((variable) => !isSet(variable));
  if (missing.length > 0) {
    problems.push(`${name} requires ${missing.join(", ")}`);
  }
  const selector = contract.variants?.selector;
  const selected = selector === undefined ? undefined : environment[selector];
  if (contract.variants !== undefined && typeof selected === "string") {
    const variant = contract.variants.required[selected];
    if (variant === undefined) {
      problems.push(
        `${String(selector)} is ${JSON.stringify(selected)}; ${name} accepts ${Object.keys(contract.variants.required).join(", ")}`,
      );
    } else {
      const absent = variant.filter((variable) => !isSet(variable));
      if (absent.length > 0) {
        problems.push(`${String(selector)}=${selected} requires ${absent.join(", ")}`);
      }
    }
  }
  return problems;
}
