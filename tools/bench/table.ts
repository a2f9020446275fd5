/** Figures as a plain-text table: every column right-aligned to its widest cell, two spaces apart. */

/** The rows as lines of text, each ending in a newline; the first row sets the column count. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) => `${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  ")}\n`)
    .join("");
}
