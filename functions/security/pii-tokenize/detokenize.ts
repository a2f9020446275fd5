/**
 * Lambda `handler`: looks tokens up in the regional vault and decrypts their values.
 *
 * Event `{ tokens: string[], purpose: string }` (at most 100 tokens; purpose 1-200 characters,
 * logged for audit) -> `{ values: [{ token, field, value }], missing: string[] }`. Tokens the
 * vault does not hold are listed in `missing`. Values are never logged.
 *
 * Needs only to read the vault and to call `kms:Decrypt` on the data key; it is a module of its
 * own so that it bundles and deploys as a function of its own, with a role of its own.
 *
 * Environment: `DATA_KEY_ID` (the region's user-data key), `VAULT_KIND` and the vault's variables
 * (see `vault.ts`). Read when the module loads; a missing variable fails the cold start with
 * `ConfigurationError`.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { Context } from "aws-lambda";
import { detokenizeTokens, type DetokenizeDeps } from "./core";
import { InvalidRequestError } from "./errors";
import { toCallerError } from "../../shared/errors";
import { parseDetokenizeEvent, type DetokenizeResponse } from "./requests";
import { KmsDecrypter } from "./kms";
import { describeError, log } from "../../shared/log";
import { loadDetokenizeConfiguration } from "./config";
import { createTokenVault } from "./vault";

const environment = loadDetokenizeConfiguration(process.env);
const deps: DetokenizeDeps = {
  decrypter: new KmsDecrypter(new KMSClient({}), environment.values.DATA_KEY_ID),
  vault: createTokenVault(environment.vault),
};

/** Detokenizes the event's tokens. */
export async function handler(
  event: unknown,
  context?: Pick<Context, "awsRequestId">,
): Promise<DetokenizeResponse> {
  const requestId = context?.awsRequestId;
  let purpose: string | undefined;
  let tokens: readonly string[] = [];
  try {
    const request = parseDetokenizeEvent(event);
    purpose = request.purpose;
    tokens = request.tokens;
    const response = await detokenizeTokens(request, deps);
    log("info", "detokenize.completed", {
      requestId,
      vault: environment.vault.kind,
      purpose,
      requested: tokens.length,
      found: response.values.length,
      missing: response.missing.length,
      fields: [...new Set(response.values.map((entry) => entry.field))],
      tokens: response.values.map((entry) => entry.token),
      missingTokens: response.missing,
    });
    return response;
  } catch (error) {
    const callerError = toCallerError(error);
    if (error instanceof InvalidRequestError) {
      log("warn", "detokenize.rejected", { requestId, issues: error.issues });
    } else {
      log("error", "detokenize.failed", {
        requestId,
        purpose,
        tokens: [...new Set(tokens)],
        error: callerError.name,
        message: callerError.message,
        ...(callerError === error ? {} : { cause: describeError(error) }),
      });
    }
    throw callerError;
  }
}
