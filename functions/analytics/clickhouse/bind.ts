/**
 * The one way values reach ClickHouse SQL: the `sql` tagged template, which renders every
 * interpolated value through `literal`. Raw request text is never spliced into a query.
 *
 * Values are bound on the client, as typed SQL literals, rather than with server-side query
 * parameters (`{name: Type}` plus `query_params`) because the server the integration tests run
 * (Debian's ClickHouse 18.16) has no query parameters, and one mechanism that works on every
 * server is one mechanism tested. The rendering is strict instead: strings are quoted with every
 * quote, backslash and control character escaped; numbers must be finite; dates become UTC
 * `toDateTime` calls; identifiers are checked against a pattern and back-quoted; anything else is
 * refused with an error.
 */

/** A piece of SQL built only from this module's functions, safe to embed in another. */
export class SqlFragment {
  /** Use `sql`, `identifier` or `raw` instead. */
  constructor(public readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** A value that can be bound: it becomes one SQL literal (a list becomes a tuple of literals). */
export type SqlValue = string | number | bigint | boolean | Date | readonly SqlScalar[];
type SqlScalar = string | number | bigint | boolean | Date;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The error for a value that cannot be bound. */
export class BindError extends Error {
  override readonly name = "BindError";
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, the text form of a ClickHouse DateTime. */
export function formatDateTime(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw new BindError("cannot bind an invalid date");
  }
  const year = value.getUTCFullYear();
  if (year < 1970 || year > 2105) {
    throw new BindError(`cannot bind a date in year ${year}: DateTime covers 1970-2105`);
  }
  return (
    `${year}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ` +
    `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`
  );
}

/** A single-quoted ClickHouse string literal; every byte that could end or bend it is escaped. */
function quote(value: string): string {
  let out = "'";
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "'" || char === "\\") {
      out += `\\${char}`;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else {
      out += char;
    }
  }
  return `${out}'`;
}

function scalar(value: SqlScalar): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "1" : "0";
    case "bigint":
      return value.toString();
    case "number":
      if (!Number.isFinite(value)) {
        throw new BindError(`cannot bind the number ${String(value)}`);
      }
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new BindError(`cannot bind ${value}: beyond the safe integer range, use a bigint`);
      }
      return value.toString();
    default:
      if (value instanceof Date) {
        return `toDateTime(${quote(formatDateTime(value))}, 'UTC')`;
      }
      throw new BindError(`cannot bind a value of type ${typeof value}`);
  }
}

/**
 * The binding function: one value as one SQL literal. A list becomes a parenthesised tuple for
 * `IN`; an empty list is refused because `IN ()` is not valid SQL.
 */
export function literal(value: SqlValue): string {
  if (Array.isArray(value)) {
    const items = value as readonly SqlScalar[];
    if (items.length === 0) {
      throw new BindError("cannot bind an empty list");
    }
    return `(${items.map(scalar).join(", ")})`;
  }
  return scalar(value as SqlScalar);
}

/** A checked, back-quoted identifier (table, column or database name). */
export function identifier(...parts: readonly string[]): SqlFragment {
  if (parts.length === 0) {
    throw new BindError("an identifier needs a name");
  }
  for (const part of parts) {
    if (!IDENTIFIER.test(part)) {
      throw new BindError(`not an identifier: ${JSON.stringify(part)}`);
    }
  }
  return new SqlFragment(parts.map((part) => `\`${part}\``).join("."));
}

/**
 * SQL text written by this program (never by a request): a keyword, an aggregate chosen from a
 * fixed table, an ordering. The argument is a literal in the source, not data.
 */
export function raw(text: string): SqlFragment {
  return new SqlFragment(text);
}

/** Joins fragments with a separator, for example select lists or `AND` conditions. */
export function join(fragments: readonly SqlFragment[], separator: string): SqlFragment {
  return new SqlFragment(fragments.map((fragment) => fragment.text).join(separator));
}

/** SQL with bound values: fragments are embedded as they are, every other value via `literal`. */
export function sql(
  strings: TemplateStringsArray,
  ...values: readonly (SqlValue | SqlFragment)[]
): SqlFragment {
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    text += value instanceof SqlFragment ? value.text : literal(value);
    text += strings[index + 1] ?? "";
  });
  return new SqlFragment(text);
}
