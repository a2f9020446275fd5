/**
 * The events the handler accepts and the responses it returns: the schema of each action, checked
 * against the configured home regions, and the identity normalized. Nothing is called before an
 * event passes.
 */
import { z } from "zod";
import { COUNTRY_CODE_PATTERN } from "../../../contracts/home-region";
import { InvalidRequestError } from "./errors";
import { CONTROL_CHARACTER, normalizeIdentity, type NormalizedIdentity } from "./identity";
import { isHomeRegion, type RegionDirectory } from "./config";

/** Most characters (code points) of a move's `reason`. */
export const MAX_REASON_LENGTH = 500;
/** An operator id: what `requestedBy` must match. Not an email address. */
export const OPERATOR_ID_PATTERN = /^[a-z0-9._-]{1,64}$/;
/** The actions the handler takes. */
export const ACTIONS = ["lookup", "register", "move"] as const;
/** One of `ACTIONS`. */
export type Action = (typeof ACTIONS)[number];

/** A validated lookup. */
export interface LookupRequest {
  readonly action: "lookup";
  readonly identity: NormalizedIdentity;
}

/**
 * A validated registration: the country the sign-up declares (ISO 3166-1 alpha-2) decides the
 * home region; the caller does not choose it.
 */
export interface RegisterRequest {
  readonly action: "register";
  readonly identity: NormalizedIdentity;
  readonly country: string;
}

/** A validated move. */
export interface MoveRequest {
  readonly action: "move";
  readonly identity: NormalizedIdentity;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly reason: string;
  readonly requestedBy: string;
}

/** A validated request. */
export type HomeRegionRequest = LookupRequest | RegisterRequest | MoveRequest;

/** The response to a lookup; an unknown identity is `{ found: false }`, not an error. */
export type LookupResponse =
  | {
      readonly found: true;
      readonly homeRegion: string;
      readonly apiHostname: string;
      /** The account's shard of the home region's user store; absent: the region's first. */
      readonly shard?: string;
    }
  | { readonly found: false };

/** The response to a registration; `created` is false when it was already registered. */
export interface RegisterResponse {
  readonly homeRegion: string;
  readonly apiHostname: string;
  readonly created: boolean;
  /** The account's shard (assigned now, or recorded before); absent: the region's first. */
  readonly shard?: string;
}

/** The response to a move. */
export interface MoveResponse {
  readonly homeRegion: string;
  readonly apiHostname: string;
  readonly previousRegion: string;
  /** ISO 8601 time of the move, as in the audit item. */
  readonly movedAt: string;
}

/** A response of any action. */
export type HomeRegionResponse = LookupResponse | RegisterResponse | MoveResponse;

const LONE_SURROGATE = /\p{Surrogate}/u;
/** Something that looks like an email address anywhere in a text. */
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/u;

const requiredString =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`;

function regionSchema(directory: RegionDirectory, name: string) {
  return z
    .string({ error: requiredString(name) })
    .refine((region) => isHomeRegion(directory, region), {
      error: `${name} must be one of: ${directory.regions.join(", ")}`,
    });
}

const reasonSchema = z
  .string({ error: requiredString("reason") })
  .refine((reason) => reason.trim().length > 0, { error: "reason must not be blank", abort: true })
  .refine((reason) => Array.from(reason).length <= MAX_REASON_LENGTH, {
    error: `reason must be at most ${MAX_REASON_LENGTH} characters`,
    abort: true,
  })
  .refine((reason) => !LONE_SURROGATE.test(reason), {
    error: "reason must be well-formed Unicode",
  })
  .refine((reason) => !CONTROL_CHARACTER.test(reason), {
    error: "reason must not contain control characters",
  })
  .refine((reason) => !EMAIL_LIKE.test(reason), {
    error: "reason must not contain an email address (use a ticket reference)",
  });

const requestedBySchema = z
  .string({ error: requiredString("requestedBy") })
  .regex(OPERATOR_ID_PATTERN, {
    error: `requestedBy must be an operator id matching ${OPERATOR_ID_PATTERN.source}`,
  });

/**
 * Shape of an event, for the configured home regions. The identity is not part of the schema: it
 * is checked by `normalizeIdentity`, whose messages never echo it.
 */
export function eventSchema(directory: RegionDirectory) {
  return z.discriminatedUnion(
    "action",
    [
      z.object({ action: z.literal("lookup") }),
      z.object({
        action: z.literal("register"),
        country: z.string({ error: requiredString("country") }).regex(COUNTRY_CODE_PATTERN, {
          error: "country must be an ISO 3166-1 alpha-2 code in capitals, such as SA",
        }),
      }),
      z.object({
        action: z.literal("move"),
        fromRegion: regionSchema(directory, "fromRegion"),
        toRegion: regionSchema(directory, "toRegion"),
        reason: reasonSchema,
        requestedBy: requestedBySchema,
      }),
    ],
    {
      error: (issue) =>
        typeof issue.input === "object" && issue.input !== null && !Array.isArray(issue.input)
          ? `action must be one of: ${ACTIONS.join(", ")}`
          : "event must be an object",
    },
  );
}

function identityOf(event: unknown): unknown {
  return typeof event === "object" && event !== null
    ? (event as { identity?: unknown }).identity
    : undefined;
}

/**
 * Validates an event against the configured home regions: its shape first (every problem in one
 * `InvalidRequestError`), then its identity (`InvalidIdentityError`). Returns the request with
 * the identity normalized.
 */
export function parseEvent(event: unknown, directory: RegionDirectory): HomeRegionRequest {
  const shape = eventSchema(directory).safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(shape.error.issues.map((issue) => issue.message));
  }
  const data = shape.data;
  if (data.action === "move" && data.fromRegion === data.toRegion) {
    throw new InvalidRequestError(["toRegion must differ from fromRegion"]);
  }
  const identity = normalizeIdentity(identityOf(event));
  switch (data.action) {
    case "lookup":
      return { action: "lookup", identity };
    case "register":
      return { action: "register", identity, country: data.country };
    case "move":
      return {
        action: "move",
        identity,
        fromRegion: data.fromRegion,
        toRegion: data.toRegion,
        reason: data.reason,
        requestedBy: data.requestedBy,
      };
  }
}
