/**
 * The API's request parameters: every value a caller sends is parsed to its type here (ids by
 * pattern, instants, enums from fixed lists, bounded integers) before any query is built, and a
 * request that does not parse is answered 400 with the parameter named.
 */
import { z } from "zod";
import { BadRequest } from "./errors";

/** Course ids as the upload API issues them. */
export const COURSE_ID = /^[a-z0-9-]{1,64}$/;
/** ISO 3166-1 alpha-2, as CloudFront reports `c-country`. */
export const COUNTRY = /^[A-Z]{2}$/;
/** CloudFront edge locations, for example `DXB52-P1` or `IAD89-C2`. */
export const EDGE_LOCATION = /^[A-Z]{3}[0-9]{1,3}(?:-[A-Z0-9]{1,4})?$/;

/** The longest time range one request may ask for. */
export const MAX_RANGE_DAYS = 400;

/** Where figures come from: the hourly/daily rollups, the raw rows, or whichever fits the range. */
export const SOURCES = ["auto", "rollup", "raw"] as const;
export type Source = (typeof SOURCES)[number];

/** What QoE figures can be broken down by. */
export const QOE_DIMENSIONS = ["course", "country", "edge"] as const;
export type QoeDimension = (typeof QOE_DIMENSIONS)[number];

/** What buffer figures (CMCD) can be broken down by: the QoE dimensions and the rendition. */
export const BUFFER_DIMENSIONS = [...QOE_DIMENSIONS, "rendition"] as const;
export type BufferDimension = (typeof BUFFER_DIMENSIONS)[number];

/** The first instant the API accepts. */
export const EARLIEST_INSTANT = new Date("2000-01-01T00:00:00Z");
/**
 * The first instant the API refuses: ClickHouse's `DateTime` (seconds since 1970 in a UInt32)
 * ends in February 2106, and 18.16 mishandles values near its end.
 */
export const END_OF_INSTANTS = new Date("2106-01-01T00:00:00Z");

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The instant `text` names, or the reason it names none. Each field is checked against the
 * calendar (`Date` would read 2026-02-30 as 2 March and hour 24 as the next day).
 */
export function readInstant(name: string, text: string): Date | string {
  const match = INSTANT.exec(text);
  if (match === null) {
    return `${name} must be an ISO 8601 instant such as 2026-11-01T00:00:00Z`;
  }
  const part = (index: number): string => match[index] ?? "00";
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) =>
    Number(part(index)),
  ) as [number, number, number, number, number, number];
  const zone = match[8] ?? "Z";
  const checks: readonly (readonly [boolean, string])[] = [
    [month >= 1 && month <= 12, `month ${part(2)}: expected 01 to 12`],
    [
      day >= 1 && day <= daysInMonth(year, month),
      `day ${part(3)}: ${part(1)}-${part(2)} has ${daysInMonth(year, month)} days`,
    ],
    [hour <= 23, `hour ${part(4)}: expected 00 to 23`],
    [minute <= 59, `minute ${part(5)}: expected 00 to 59`],
    [second <= 59, `second ${part(6)}: expected 00 to 59`],
    [
      zone === "Z" || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4, 6)) <= 59),
      `offset ${zone}: expected -23:59 to +23:59`,
    ],
  ];
  const failed = checks.find(([ok]) => !ok);
  if (failed !== undefined) {
    return `${name} is not a calendar instant: ${failed[1]}`;
  }
  const fraction = (match[7] ?? "0").padEnd(3, "0");
  const value = new Date(
    `${part(1)}-${part(2)}-${part(3)}T${part(4)}:${part(5)}:${part(6)}.${fraction}${zone}`,
  );
  if (!(value >= EARLIEST_INSTANT && value < END_OF_INSTANTS)) {
    return `${name} must be from 2000-01-01T00:00:00Z and before 2106-01-01T00:00:00Z`;
  }
  return value;
}

const instant = (name: string) =>
  z
    .string({ error: `${name} is required: an ISO 8601 instant such as 2026-11-01T00:00:00Z` })
    .transform((text, context) => {
      const value = readInstant(name, text);
      if (typeof value === "string") {
        context.addIssue({ code: "custom", message: value });
        return z.NEVER;
      }
      return value;
    });

const pattern = (name: string, regex: RegExp) =>
  z
    .string({ error: `${name} must be a string` })
    .regex(regex, { error: `${name} must match ${regex.source}` });

const range = z.object({ from: instant("from"), to: instant("to") });

/** The range rule: `to` after `from`, at most `MAX_RANGE_DAYS` apart. */
function checkRange(from: Date, to: Date): void {
  if (to.getTime() <= from.getTime()) {
    throw new BadRequest("to must be after from");
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw new BadRequest(`the range from..to must be at most ${MAX_RANGE_DAYS} days`);
  }
}

const filters = z.object({
  courseId: pattern("courseId", COURSE_ID).optional(),
  country: pattern("country", COUNTRY).optional(),
  edge: pattern("edge", EDGE_LOCATION).optional(),
  source: z.enum(SOURCES, { error: `source must be one of ${SOURCES.join(", ")}` }).default("auto"),
});

const limit = z
  .string({ error: "limit must be an integer from 1 to 1000" })
  .regex(/^[0-9]{1,4}$/, { error: "limit must be an integer from 1 to 1000" })
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, { error: "limit must be an integer from 1 to 1000" })
      .max(1000, { error: "limit must be an integer from 1 to 1000" }),
  )
  .default(100);

/** `GET /v1/qoe/summary`, `/v1/qoe/renditions` and `/v1/qoe/buffer`. */
export const qoeQuery = z.strictObject(
  { ...range.shape, ...filters.shape },
  { error: (issue) => unknownParameter(issue) },
);

/** `GET /v1/qoe/breakdown`. */
export const qoeBreakdownQuery = z.strictObject(
  {
    ...range.shape,
    ...filters.shape,
    by: z.enum(QOE_DIMENSIONS, { error: `by must be one of ${QOE_DIMENSIONS.join(", ")}` }),
    limit,
  },
  { error: (issue) => unknownParameter(issue) },
);

/** `GET /v1/qoe/buffer/breakdown`. */
export const bufferBreakdownQuery = z.strictObject(
  {
    ...range.shape,
    ...filters.shape,
    by: z.enum(BUFFER_DIMENSIONS, { error: `by must be one of ${BUFFER_DIMENSIONS.join(", ")}` }),
    limit,
  },
  { error: (issue) => unknownParameter(issue) },
);

/** `GET /v1/engagement/summary` and `/v1/engagement/courses`. */
export const engagementQuery = z.strictObject(
  {
    ...range.shape,
    courseId: pattern("courseId", COURSE_ID).optional(),
    source: filters.shape.source,
    limit,
  },
  { error: (issue) => unknownParameter(issue) },
);

function unknownParameter(issue: { code: string; keys?: readonly string[] }): string | undefined {
  return issue.code === "unrecognized_keys"
    ? `unknown parameter ${(issue.keys ?? []).join(", ")}`
    : undefined;
}

export type QoeQuery = z.output<typeof qoeQuery>;
export type QoeBreakdownQuery = z.output<typeof qoeBreakdownQuery>;
export type BufferBreakdownQuery = z.output<typeof bufferBreakdownQuery>;
export type EngagementQuery = z.output<typeof engagementQuery>;

/**
 * Parses URL search parameters with `schema`, refusing repeated parameters and applying the
 * range rule, so a handler gets typed values or a `BadRequest`.
 */
export function parseQuery<Schema extends z.ZodType>(
  schema: Schema,
  params: URLSearchParams,
): z.output<Schema> {
  const values: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in values) {
      throw new BadRequest(`parameter ${key} is given more than once`);
    }
    values[key] = value;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new BadRequest(issue?.message ?? "bad request");
  }
  const { from, to } = parsed.data as { from?: unknown; to?: unknown };
  if (from instanceof Date && to instanceof Date) {
    checkRange(from, to);
  }
  return parsed.data;
}
