// The write-ahead log's record: one request's rows for one table, framed so that a reader can
// tell a whole record from one cut short by a crash or a full disk.
//
//   offset 0  2 bytes  magic "LT"
//          2  1 byte   table (1 spans, 2 outcomes)
//          3  1 byte   format version (1: the payload is JSONEachRow, one row a line)
//          4  4 bytes  payload length, little-endian
//          8  4 bytes  CRC-32 of the payload, little-endian
//         12  payload
import { crc32 } from "node:zlib";

export const FRAME_HEADER_BYTES = 12;
const MAGIC_0 = 0x4c; // L
const MAGIC_1 = 0x54; // T
const VERSION = 1;

export const TABLES = ["spans", "outcomes"] as const;
export type LogTable = (typeof TABLES)[number];

export interface Frame {
  table: LogTable;
  payload: Buffer;
  /** Where the frame starts in its segment, and where the next one starts. */
  start: number;
  end: number;
}

/** The header that goes before `payload` in the log (written beside it, not copied into one buffer). */
export function frameHeader(table: LogTable, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header[0] = MAGIC_0;
  header[1] = MAGIC_1;
  header[2] = TABLES.indexOf(table) + 1;
  header[3] = VERSION;
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  return header;
}

export type FrameRead =
  | { status: "frame"; frame: Frame }
  /** `buffer` ends inside a frame: read on from `start` with more bytes. */
  | { status: "incomplete"; start: number; needed: number }
  /** The bytes at `start` are not a frame: a torn write or damage. */
  | { status: "corrupt"; start: number; reason: string };

/**
 * Reads the frame at `start` of `buffer`, which holds the segment's bytes from `base` on.
 * `verify` checks its checksum: needed for bytes a crash may have torn (at start), not for
 * those this process wrote or checked itself.
 */
export function readFrame(buffer: Buffer, start: number, base = 0, verify = true): FrameRead {
  const at = start - base;
  if (buffer.length - at < FRAME_HEADER_BYTES) {
    return { status: "incomplete", start, needed: FRAME_HEADER_BYTES };
  }
  if (buffer[at] !== MAGIC_0 || buffer[at + 1] !== MAGIC_1) {
    return { status: "corrupt", start, reason: "no frame starts here" };
  }
  const table = TABLES[(buffer[at + 2] as number) - 1];
  if (table === undefined || buffer[at + 3] !== VERSION) {
    return {
      status: "corrupt",
      start,
      reason: `unknown table ${buffer[at + 2]} or version ${buffer[at + 3]}`,
    };
  }
  const length = buffer.readUInt32LE(at + 4);
  if (buffer.length - at - FRAME_HEADER_BYTES < length) {
    return { status: "incomplete", start, needed: FRAME_HEADER_BYTES + length };
  }
  const payload = buffer.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
  if (verify && crc32(payload) !== buffer.readUInt32LE(at + 8)) {
    return { status: "corrupt", start, reason: "its checksum does not match" };
  }
  return { status: "frame", frame: { table, payload, start, end: start + FRAME_HEADER_BYTES + length } };
}
