/**
 * Lambda `handler`: tokenizes PII for the regional stack it runs in.
 *
 * Event `{ items: [{ field, value }] }` (at most 100) -> `{ tokens: [{ field, token }] }`, one
 * entry per item in request order. Every item is validated before any AWS call; an invalid
 * request throws `InvalidRequestError` and writes nothing.
 *
 * Environment: `HMAC_KEY_ID` (KMS HMAC_256 key), `DATA_KEY_ID` (the region's user-data key),
 * `VAULT_KIND` and the vault's variables (see `vault.ts`). Read when the module loads; a missing
 * variable fails the cold start with `ConfigurationError`.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { Context } from "aws-lambda";
import { tokenizeItems, type TokenizeDeps } from "./core";
import { InvalidRequestError } from "./errors";
import { toCallerError } from "../../shared/errors";
import { parseTokenizeEvent, type TokenizeResponse } from "./requests";
import { KmsEncrypter, createMacGenerator } from "./kms";
import { describeError, log } from "../../shared/log";
import { loadTokenizeConfiguration } from "./config";
import { createTokenVault } from "./vault";

const environment = loadTokenizeConfiguration(process.env);
const kms = new KMSClient({});
const deps: TokenizeDeps = {
  mac: createMacGenerator(kms, environment.values.HMAC_KEY_ID),
  encrypter: new KmsEncrypter(kms, environment.values.DATA_KEY_ID),
  vault: createTokenVault(environment.vault),
};

function fieldCounts(fields: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const field of fields) counts[field] = (counts[field] ?? 0) + 1;
  return counts;
}

/** Tokenizes the event's items. */
export async function handler(
  event: unknown,
  context?: Pick<Context, "awsRequestId">,
): Promise<TokenizeResponse> {
  const requestId = context?.awsRequestId;
  try {
    const items = parseTokenizeEvent(event);
    const outcome = await tokenizeItems(items, deps);
    log("info", "tokenize.completed", {
      requestId,
      vault: environment.vault.kind,
      items: items.length,
      unique: outcome.unique,
      created: outcome.created,
      existing: outcome.existing,
      fields: fieldCounts(items.map((item) => item.field)),
      tokens: [...new Set(outcome.tokens.map((entry) => entry.token))],
    });
    return { tokens: outcome.tokens };
  } catch (error) {
    const callerError = toCallerError(error);
    if (error instanceof InvalidRequestError) {
      log("warn", "tokenize.rejected", { requestId, issues: error.issues });
    } else {
      log("error", "tokenize.failed", {
        requestId,
        error: callerError.name,
        message: callerError.message,
        ...(callerError === error ? {} : { cause: describeError(error) }),
      });
    }
    throw callerError;
  }
}
