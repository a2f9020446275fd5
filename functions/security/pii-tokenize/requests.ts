/**
 * The events of `tokenize` and `detokenize` and their responses: schemas, and the validation that
 * reports every bad item by index and reason (never by value) before any AWS call.
 */
import { z } from "zod";
import { InvalidRequestError, TokenFormatError, type RequestIssue } from "./errors";
import {
  FIELD_NAME_PATTERN,
  LONE_SURROGATE,
  normalizeValue,
  parseToken,
  utf8ByteLength,
} from "./token";

/** Most items (tokenize) or tokens (detokenize) in one request. */
export const MAX_ITEMS_PER_REQUEST = 100;
/**
 * Most UTF-8 bytes of a value after normalization. KMS `Encrypt` takes at most 4096 bytes of
 * plaintext, and the normalized value is the plaintext.
 */
export const MAX_VALUE_BYTES = 4096;
/** Most characters (Unicode code points) of a detokenize `purpose`. */
export const MAX_PURPOSE_LENGTH = 200;
/** A tokenize request: `{ items: [{ field, value }] }`. */
export interface TokenizeRequest {
  readonly items: readonly { readonly field: string; readonly value: string }[];
}

/** A tokenize response: one entry per request item, in request order. */
export interface TokenizeResponse {
  readonly tokens: { readonly field: string; readonly token: string }[];
}

/** A detokenize request: the tokens, and why they are needed (logged for audit). */
export interface DetokenizeRequest {
  readonly tokens: readonly string[];
  readonly purpose: string;
}

/** A detokenize response: the values found, and the tokens the vault does not hold. */
export interface DetokenizeResponse {
  readonly values: { readonly token: string; readonly field: string; readonly value: string }[];
  readonly missing: string[];
}

/** An item that passed validation, its value normalized. */
export interface ValidItem {
  readonly field: string;
  readonly value: string;
}

/** A detokenize request that passed validation. */
export interface ValidDetokenizeRequest {
  readonly tokens: readonly string[];
  readonly purpose: string;
}

const requiredString =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`;

const requiredArray =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be an array`;

/** Shape of a tokenize event; items are checked one by one so every bad item is reported. */
export const tokenizeEventSchema = z.object(
  { items: z.array(z.unknown(), { error: requiredArray("items") }) },
  { error: "event must be an object" },
);

/** Shape of one tokenize item, before normalization. */
export const tokenizeItemSchema = z.object(
  {
    field: z
      .string({ error: requiredString("field") })
      .regex(FIELD_NAME_PATTERN, { error: `field must match ${FIELD_NAME_PATTERN.source}` }),
    value: z.string({ error: requiredString("value") }),
  },
  { error: "item must be an object with field and value" },
);

/** Shape of a detokenize event; tokens are parsed one by one so every bad token is reported. */
export const detokenizeEventSchema = z.object(
  {
    tokens: z.array(z.unknown(), { error: requiredArray("tokens") }),
    purpose: z
      .string({ error: requiredString("purpose") })
      .refine((purpose) => purpose.trim().length > 0, {
        error: "purpose must not be blank",
        abort: true,
      })
      .refine((purpose) => Array.from(purpose).length <= MAX_PURPOSE_LENGTH, {
        error: `purpose must be at most ${MAX_PURPOSE_LENGTH} characters`,
      })
      .refine((purpose) => !LONE_SURROGATE.test(purpose), {
        error: "purpose must be well-formed Unicode",
      })
      .refine((purpose) => !/\p{Cc}/u.test(purpose), {
        error: "purpose must not contain control characters",
      }),
  },
  { error: "event must be an object" },
);

function eventIssues(error: z.ZodError): RequestIssue[] {
  return error.issues.map((issue) => ({ index: null, reason: issue.message }));
}

function checkCount(count: number, listName: string): RequestIssue[] {
  return count > MAX_ITEMS_PER_REQUEST
    ? [
        {
          index: null,
          reason: `${listName} must hold at most ${MAX_ITEMS_PER_REQUEST} entries, got ${count}`,
        },
      ]
    : [];
}

/**
 * Validates a tokenize event and normalizes its values. Every bad item is reported, by index and
 * reason (never by value), in one `InvalidRequestError`. An empty `items` list is valid.
 */
export function parseTokenizeEvent(event: unknown): ValidItem[] {
  const shape = tokenizeEventSchema.safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(eventIssues(shape.error), "items");
  }
  const rawItems = shape.data.items;
  const countIssues = checkCount(rawItems.length, "items");
  if (countIssues.length > 0) {
    throw new InvalidRequestError(countIssues, "items");
  }
  const issues: RequestIssue[] = [];
  const items: ValidItem[] = [];
  rawItems.forEach((raw, index) => {
    const parsed = tokenizeItemSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({ index, reason: issue.message });
      }
      return;
    }
    const { field } = parsed.data;
    if (LONE_SURROGATE.test(parsed.data.value)) {
      issues.push({ index, reason: "value must be well-formed Unicode" });
      return;
    }
    const value = normalizeValue(field, parsed.data.value);
    if (value.length === 0) {
      issues.push({ index, reason: "value must not be empty after normalization" });
      return;
    }
    const bytes = utf8ByteLength(value);
    if (bytes > MAX_VALUE_BYTES) {
      issues.push({
        index,
        reason: `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8 after normalization, got ${bytes}`,
      });
      return;
    }
    items.push({ field, value });
  });
  if (issues.length > 0) {
    throw new InvalidRequestError(issues, "items");
  }
  return items;
}

/**
 * Validates a detokenize event: a `tokens` array of well-formed tokens (at most 100) and a
 * `purpose` of 1 to 200 characters, not blank, without control characters. Every bad token is
 * reported by index and reason in one `InvalidRequestError`. An empty `tokens` list is valid.
 */
export function parseDetokenizeEvent(event: unknown): ValidDetokenizeRequest {
  const shape = detokenizeEventSchema.safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(eventIssues(shape.error), "tokens");
  }
  const rawTokens = shape.data.tokens;
  const countIssues = checkCount(rawTokens.length, "tokens");
  if (countIssues.length > 0) {
    throw new InvalidRequestError(countIssues, "tokens");
  }
  const issues: RequestIssue[] = [];
  const tokens: string[] = [];
  rawTokens.forEach((raw, index) => {
    try {
      parseToken(raw);
    } catch (error) {
      if (!(error instanceof TokenFormatError)) throw error;
      issues.push({ index, reason: error.message });
      return;
    }
    if (typeof raw === "string") tokens.push(raw);
  });
  if (issues.length > 0) {
    throw new InvalidRequestError(issues, "tokens");
  }
  return { tokens, purpose: shape.data.purpose };
}
