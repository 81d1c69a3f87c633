// Tables as CSV (RFC 4180) for spreadsheets. Workflow names, tool names and explanations come
// from the agents' spans: a text cell that a spreadsheet would run as a formula (starting with
// =, +, -, @, tab or carriage return) is prefixed with a quote so it stays text.

export type CsvCell = string | number | boolean | null;

const FORMULA = /^[=+\-@\t\r]/;

function cell(value: CsvCell): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n");
}
