// A SQL answer for people and spreadsheets: an aligned table (`leantrace sql`) and CSV (the
// endpoint's `format: "csv"`, `leantrace sql --format csv`), from the same rows.
import type { SqlResult } from "./sql-query.ts";

/** A value as one line of text: maps, tuples and arrays as JSON. */
function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

// Cells starting with these are run as formulas by spreadsheets; span content is user data.
const FORMULA = /^[=+\-@\t\r]/;

function csvCell(value: unknown): string {
  const raw = text(value);
  const cell = typeof value === "string" && FORMULA.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** RFC 4180, a header of column names; NULL is an empty cell. */
export function sqlResultCsv(result: SqlResult): string {
  const lines = [result.columns.map((c) => csvCell(c.name)), ...result.rows.map((row) => row.map(csvCell))];
  return `${lines.map((cells) => cells.join(",")).join("\r\n")}\r\n`;
}

const MAX_CELL = 80;
const NUMERIC = /^(?:Nullable\()?(?:U?Int\d+|Float\d+|Decimal.*)\)?$/;

function prettyCell(value: unknown): string {
  if (value === null) return "NULL";
  // Control characters would break the alignment, or the terminal.
  const cell = [...text(value)]
    .map((c) => {
      const code = c.charCodeAt(0);
      if (code >= 0x20 && code !== 0x7f) return c;
      return c === "\n" ? "\\n" : c === "\t" ? "\\t" : "?";
    })
    .join("");
  return cell.length > MAX_CELL ? `${cell.slice(0, MAX_CELL - 1)}…` : cell;
}

/** An aligned table, numbers on the right, then how many rows and how long. */
export function formatSqlResult(result: SqlResult): string {
  const header = result.columns.map((c) => prettyCell(c.name));
  const right = result.columns.map((c) => NUMERIC.test(c.type));
  const cells = result.rows.map((row) => row.map(prettyCell));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const count = result.rows.length;
  const footer =
    `${count.toLocaleString("en-US")} ${count === 1 ? "row" : "rows"}` +
    `${result.truncated ? " (truncated: the result had more)" : ""} in ${result.elapsedMs} ms`;
  if (result.columns.length === 0) return footer;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line), "", footer].join("\n");
}
