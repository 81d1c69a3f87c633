// Headers the collector's API answers with, read by the CLI and by scripts.

/** On a CSV answer of the SQL endpoint: whether the rows were cut at the row limit. */
export const TRUNCATED_HEADER = "x-leantrace-truncated";

/**
 * On a read that stopped waiting for the log before everything acknowledged reached storage:
 * the bytes still on their way, so a caller knows its figures may leave them out.
 */
export const PENDING_BYTES_HEADER = "x-leantrace-pending-bytes";
