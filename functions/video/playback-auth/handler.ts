/**
 * Lambda `handler`: playback authorization for the video CDN, invoked directly by the platform's
 * backend once it has checked that the user is enrolled in the course.
 *
 * Event `{ courseId, sessionSeconds? }` -> `{ cookies, expiresAt, resource, sessionSeconds }`:
 * three `Set-Cookie` header values (`CloudFront-Policy`, `CloudFront-Signature`,
 * `CloudFront-Key-Pair-Id`) for `Domain=<cookie domain>; Path=/courses/<courseId>/`, signed for
 * `https://<PLAYBACK_DOMAIN>/courses/<courseId>/*` until `expiresAt`. The backend passes them on,
 * unchanged, as `Set-Cookie` headers of its own response. An invalid event throws
 * `InvalidRequestError` before any AWS call.
 *
 * Environment, read when the module loads (a missing or invalid variable fails the cold start
 * with `ConfigurationError`): `PLAYBACK_DOMAIN` (the distribution's custom hostname, never
 * `*.cloudfront.net`), `KEY_PAIR_ID` (the CloudFront public key id), `PRIVATE_KEY_SECRET_ARN`
 * (the secret whose string is the PEM private key), `DEFAULT_SESSION_SECONDS` (optional, 3600)
 * and `COOKIE_DOMAIN` (optional, `PLAYBACK_DOMAIN` when unset). A browser keeps a cookie only if
 * the host of the response that sets it is within the cookie's `Domain`: when the backend answers
 * on another host than the playback domain (`api.example.com` and `media.example.com`), set
 * `COOKIE_DOMAIN` to their common parent (`example.com`).
 *
 * Permissions: `secretsmanager:GetSecretValue` on the secret, and `kms:Decrypt` (via Secrets
 * Manager) on its key if that is a customer managed key.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context } from "aws-lambda";
import {
  authorizePlayback,
  parsePlaybackRequest,
  type PlaybackAuthDeps,
  type PlaybackGrant,
  type ValidPlaybackRequest,
} from "./core";
import { loadConfiguration } from "./config";
import { InvalidRequestError, toCallerError } from "./errors";
import { describeError, log } from "../../shared/log";
import { CachedPrivateKey, CloudFrontPolicySigner, SecretsManagerKeySource } from "./signer";

const config = loadConfiguration(process.env);
const privateKey = new CachedPrivateKey(
  new SecretsManagerKeySource(new SecretsManagerClient({}), config.privateKeySecretArn),
);
const deps: PlaybackAuthDeps = {
  config,
  signer: new CloudFrontPolicySigner(privateKey, config.keyPairId),
  clock: () => new Date(),
};

/** Signs playback cookies for the event's course. */
export async function handler(
  event: unknown,
  context?: Pick<Context, "awsRequestId">,
): Promise<PlaybackGrant> {
  const requestId = context?.awsRequestId;
  let request: ValidPlaybackRequest | undefined;
  try {
    request = parsePlaybackRequest(event, config.defaultSessionSeconds);
    const grant = await authorizePlayback(request, deps);
    log("info", "playback_auth.issued", {
      requestId,
      courseId: request.courseId,
      sessionSeconds: grant.sessionSeconds,
      expiresAt: grant.expiresAt,
      resource: grant.resource,
    });
    return grant;
  } catch (error) {
    const callerError = toCallerError(error);
    const fields = {
      requestId,
      ...(request === undefined ? {} : { courseId: request.courseId }),
      error: callerError.name,
      message: callerError.message,
    };
    if (error instanceof InvalidRequestError) {
      log("warn", "playback_auth.rejected", fields);
    } else {
      log("error", "playback_auth.failed", {
        ...fields,
        ...(callerError === error ? {} : { cause: describeError(error) }),
      });
    }
    throw callerError;
  }
}
