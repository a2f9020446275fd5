/**
 * Lambda `handler`: home-region pinning, invoked directly by the platform's auth service.
 *
 * Events, discriminated by `action` (validated before any AWS call):
 * - `{ action: "lookup", identity }` -> `{ found: true, homeRegion, apiHostname }` or
 *   `{ found: false }`;
 * - `{ action: "register", identity, country }` (the ISO 3166-1 alpha-2 country the sign-up
 *   declares) -> `{ homeRegion, apiHostname, created }`. The country decides the home region; when
 *   that is not this stack's, nothing is stored and `HomeRegionElsewhereError` names the region
 *   and the hostname to sign up at; another region already registered throws
 *   `HomeRegionConflictError`;
 * - `{ action: "move", identity, fromRegion, toRegion, reason, requestedBy }` ->
 *   `{ homeRegion, apiHostname, previousRegion, movedAt }`; a `fromRegion` that is not the current
 *   home region throws `StaleHomeRegionError`.
 *
 * Environment: `HMAC_KEY_ID` (the multi-region KMS HMAC_256 key), `TABLE_NAME` (the global
 * table), `HOME_REGIONS` (`me-south-1,us-east-1`), `REGION_HOSTNAMES` (JSON object of region
 * to API hostname), `COUNTRY_HOME_REGIONS` (JSON object of country, or `*`, to home region) and
 * `STACK_REGION` (this stack's home region); `STORE_SHARDS` (optional: this region's user-store
 * shards, when more than one, so register assigns and records a shard; lookup and register then
 * answer `shard` too). Read when the module loads; a missing or invalid
 * variable fails the cold start with `ConfigurationError`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import type { Context } from "aws-lambda";
import { loadConfiguration } from "./config";
import { performRequest, type HomeRegionDeps } from "./core";
import {
  ConcurrentChangeError,
  HomeRegionConflictError,
  HomeRegionElsewhereError,
  HomeRegionNotFoundError,
  InvalidIdentityError,
  InvalidRequestError,
  StaleHomeRegionError,
} from "./errors";
import { toCallerError } from "../../shared/errors";
import { keyPrefix } from "./identity";
import { parseEvent, type HomeRegionRequest, type HomeRegionResponse } from "./requests";
import { createMacGenerator } from "./kms";
import { describeError, log } from "../../shared/log";
import { DynamoDbHomeRegionStore } from "./store";

const config = loadConfiguration(process.env);
const deps: HomeRegionDeps = {
  mac: createMacGenerator(new KMSClient({}), config.hmacKeyId),
  store: new DynamoDbHomeRegionStore(new DynamoDBClient({}), config.tableName),
  directory: config.directory,
  ...(config.shards === undefined ? {} : { shards: config.shards }),
};

/** Errors that are answers about the record, not failures of the function. */
const REFUSALS = [
  HomeRegionConflictError,
  HomeRegionElsewhereError,
  StaleHomeRegionError,
  HomeRegionNotFoundError,
  ConcurrentChangeError,
] as const;

/** The regions a request names, for the logs. */
function requestRegions(request: HomeRegionRequest): Record<string, string> {
  switch (request.action) {
    case "lookup":
      return {};
    case "register":
      return { country: request.country };
    case "move":
      return {
        fromRegion: request.fromRegion,
        toRegion: request.toRegion,
        requestedBy: request.requestedBy,
      };
  }
}

/** Looks up, registers or moves the home region of the event's identity. */
export async function handler(
  event: unknown,
  context?: Pick<Context, "awsRequestId">,
): Promise<HomeRegionResponse> {
  const requestId = context?.awsRequestId;
  let request: HomeRegionRequest | undefined;
  try {
    request = parseEvent(event, deps.directory);
    const result = await performRequest(request, deps);
    log("info", "home_region.completed", {
      requestId,
      action: request.action,
      outcome: result.outcome,
      keyPrefix: keyPrefix(result.key),
      ...requestRegions(request),
      ...("homeRegion" in result.response ? { result: result.response.homeRegion } : {}),
    });
    return result.response;
  } catch (error) {
    const callerError = toCallerError(error);
    const fields = {
      requestId,
      ...(request === undefined ? {} : { action: request.action, ...requestRegions(request) }),
      error: callerError.name,
      message: callerError.message,
    };
    if (error instanceof InvalidRequestError || error instanceof InvalidIdentityError) {
      log("warn", "home_region.rejected", fields);
    } else if (REFUSALS.some((refusal) => error instanceof refusal)) {
      log("warn", "home_region.refused", fields);
    } else {
      log("error", "home_region.failed", {
        ...fields,
        ...(callerError === error ? {} : { cause: describeError(error) }),
      });
    }
    throw callerError;
  }
}
