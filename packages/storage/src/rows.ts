// The rows leantrace writes, column for column as in migrations/*.sql, and how inserts carry them.

/** The project of rows sent without an API key. */
export const DEFAULT_PROJECT = "default";

export interface SpanRow {
  /** The project the row belongs to: the API key's, or `default`. */
  project: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  run_id: string;
  workflow: string;
  span_name: string;
  kind: string;
  operation: string;
  service_name: string;
  service_version: string;
  ci_run_id: string;
  case_id: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
  /** US dollars, from the price table; null when the model has no known price. */
  cost: number | null;
  /**
   * The span id of the row that counts this provider call, when another instrumentation's span
   * recorded the same call (this row's token counts are then zero); '' otherwise.
   */
  duplicate_of: string;
  tool_name: string;
  tool_args_fp: string;
  /** `read`, `write` or `none` when the step says (or its shell command tells); '' when unknown. */
  effect: string;
  result_fp: string;
  result_chars: number;
  query_fp: string;
  data_source: string;
  document_ids: string[];
  documents_fp: string;
  input_fp: string;
  input_part_fps: string[];
  output_fp: string;
  outcome: string;
  outcome_value: number | null;
  /** `dateTime64Text(nanoseconds)`; the epoch when unknown. */
  outcome_decided_at: string;
  final_answer: 0 | 1;
  status_code: "unset" | "ok" | "error";
  status_message: string;
  /** `error.type`, or `rejected` when the agent could not use the step's output. */
  error_type: string;
  /** `dateTime64Text(nanoseconds)`. */
  start_time: string;
  end_time: string;
  duration_ns: string;
  span_attributes: Record<string, string>;
  resource_attributes: Record<string, string>;
  scope_name: string;
  scope_version: string;
}

export interface OutcomeRow {
  project: string;
  run_id: string;
  outcome: string;
  outcome_value: number | null;
  /**
   * `YYYY-MM-DD hh:mm:ss.sss` (UTC): when the collector accepted it, so that loading it late
   * (after a restart, from the log) cannot make it win over an outcome posted after it.
   */
  received_at: string;
}
/** Rows as the write-ahead log and the inserts carry them: JSONEachRow, one row a line. */
export function encodeRows(rows: readonly object[]): Buffer {
  // Each line written straight into one buffer of the exact size: as fast as a buffer sized for
  // the worst case (three UTF-8 bytes a UTF-16 unit), without allocating three times the bytes
  // for every request, memory the collector would hold until the next garbage collection.
  const lines: string[] = new Array(rows.length);
  let size = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = JSON.stringify(rows[i]);
    lines[i] = line;
    size += Buffer.byteLength(line, "utf8") + 1;
  }
  const buffer = Buffer.allocUnsafe(size);
  let at = 0;
  for (const line of lines) {
    at += buffer.write(line, at, "utf8");
    buffer[at++] = 10;
  }
  return buffer;
}
