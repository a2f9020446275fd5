/**
 * Bundle size and cold initialisation of every Lambda handler, beside an empty handler: each
 * bundle is written to a temporary folder and loaded in a fresh Node process, as Lambda does on a
 * cold start. Prints figures; asserts nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { bundleCode, BUNDLE_TARGET, FUNCTIONS_ROOT } from "../../components/shared/bundle";
import {
  EDGE_CACHE_SETTINGS_FILE,
  type EdgeCacheSettings,
} from "../../contracts/edge-cache-control";

/** Targets from the platform's standards. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;
export const MAX_INIT_OVER_EMPTY_MS = 150;

/** Environment a handler reads at load, with values of the right shape. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_REGION: "me-south-1",
  ALLOWED_CONTENT_TYPES: "video/mp4,video/quicktime",
  CATALOG_TABLE: "catalog",
  CLICKHOUSE_DATABASE: "analytics",
  CLICKHOUSE_PASSWORD_SECRET_ARN:
    "arn:aws:secretsmanager:me-south-1:111122223333:secret:clickhouse-ingest-AbCdEf",
  CLICKHOUSE_URL: "https://clickhouse.sa.knowledgecity.com:8443",
  CLICKHOUSE_USER: "ingest",
  COUNTRY_HOME_REGIONS: JSON.stringify({ SA: "me-south-1", "*": "us-east-1" }),
  DATA_KEY_ID: "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-555555555555",
  DEAD_LETTER_BUCKET: "kc-analytics-lake",
  DEAD_LETTER_KMS_KEY_ARN:
    "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-555555555555",
  DEAD_LETTER_PREFIX: "dead-letter/rtlog/",
  DEFAULT_SESSION_SECONDS: "3600",
  DETOKENIZE_SECRET_ARN:
    "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-detokenize-AbCdEf",
  DLQ_URL: "https://sqs.me-south-1.amazonaws.com/111122223333/ingest-dlq",
  HMAC_KEY_ID: "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-666666666666",
  HOME_REGIONS: "me-south-1,us-east-1",
  KEY_PAIR_ID: "K2JCJMDEHXQW5F",
  KMS_KEY_ARN: "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-777777777777",
  MASTER_SECRET_ARN: "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-master-AbCdEf",
  MAX_SOURCE_BYTES: "10737418240",
  MAX_UPLOAD_BYTES: "5368709120",
  MEDIACONVERT_QUEUE_ARN: "arn:aws:mediaconvert:me-south-1:111122223333:queues/lectures",
  MEDIACONVERT_ROLE_ARN: "arn:aws:iam::111122223333:role/mediaconvert",
  OUTPUT_BUCKET: "processed",
  PLAYBACK_DOMAIN: "video.sa.knowledgecity.com",
  PRIVATE_KEY_SECRET_ARN: "arn:aws:secretsmanager:me-south-1:111122223333:secret:signing-AbCdEf",
  RAW_BUCKET: "raw",
  STACK_REGION: "me-south-1",
  REGION_HOSTNAMES: JSON.stringify({
    "me-south-1": "api.sa.knowledgecity.com",
    "us-east-1": "api.us.knowledgecity.com",
  }),
  TABLE_NAME: "knowledgecity-home-region",
  TOKENIZE_SECRET_ARN:
    "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-tokenize-AbCdEf",
  TOPIC_ARN: "arn:aws:sns:me-south-1:111122223333:video-events",
  VAULT_CLUSTER_ARN: "arn:aws:rds:me-south-1:111122223333:cluster:vault",
  VAULT_DATABASE: "vault",
  VAULT_KIND: "dynamodb",
  VAULT_TABLE: "pii-vault",
};

/**
 * Files a deployment package holds beside `index.js`, with content of the right shape: Lambda@Edge
 * has no environment variables, so its handler reads its settings from a file when it loads.
 */
const PACKAGE_FILES: Readonly<Record<string, string>> = {
  [EDGE_CACHE_SETTINGS_FILE]: JSON.stringify({
    maxAgeSeconds: 86_400,
    staleWhileRevalidateSeconds: 60,
    staleIfErrorSeconds: 86_400,
  } satisfies EdgeCacheSettings),
};

/** Every handler module under functions/<domain>/<function>/: a module that exports `handler`. */
export function handlerEntries(): string[] {
  const folders = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  return folders(FUNCTIONS_ROOT)
    .flatMap((domain) => folders(join(FUNCTIONS_ROOT, domain)).map((fn) => `${domain}/${fn}`))
    .flatMap((dir) =>
      readdirSync(join(FUNCTIONS_ROOT, dir))
        .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
        .filter((file) =>
          /export (const|async function|function) handler\b/.test(
            readFileSync(join(FUNCTIONS_ROOT, dir, file), "utf8"),
          ),
        )
        .map((file) => `${dir}/${file.replace(/\.ts$/, "")}`),
    )
    .sort();
}

function emptyHandler(): string {
  const result = buildSync({
    stdin: { contents: "export const handler = async () => ({});", loader: "ts" },
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    minify: true,
    write: false,
  });
  return result.outputFiles[0]?.text ?? "";
}

/** Milliseconds to load `code` in a fresh Node process (median of `runs`). */
function coldInitMs(code: string, runs: number): number {
  const dir = mkdtempSync(join(tmpdir(), "kc-init-"));
  const file = join(dir, "index.js");
  writeFileSync(file, code);
  for (const [name, content] of Object.entries(PACKAGE_FILES)) {
    writeFileSync(join(dir, name), content);
  }
  const probe = `const s=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-s)/1e6));`;
  const samples = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ["-e", probe], {
        env: { ...ENVIRONMENT, PATH: process.env.PATH ?? "" },
      }).toString(),
    ),
  ).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

export interface FunctionFigures {
  readonly entry: string;
  readonly bytes: number;
  readonly initMs: number;
}

/** Figures of every handler and of the empty one. */
export async function measureFunctions(
  runs: number,
): Promise<{ empty: FunctionFigures; handlers: FunctionFigures[] }> {
  const emptyCode = emptyHandler();
  const empty = {
    entry: "(empty handler)",
    bytes: Buffer.byteLength(emptyCode),
    initMs: coldInitMs(emptyCode, runs),
  };
  const handlers: FunctionFigures[] = [];
  for (const entry of handlerEntries()) {
    const code = await bundleCode(entry);
    handlers.push({ entry, bytes: Buffer.byteLength(code), initMs: coldInitMs(code, runs) });
  }
  return { empty, handlers };
}
