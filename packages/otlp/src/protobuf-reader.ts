// A bounds-checked reader for the protobuf wire format: just what OTLP's messages use.
import { OtlpDecodeError } from "./model.ts";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufReader {
  private pos: number;
  private readonly buf: Buffer;
  private readonly view: DataView;

  constructor(
    bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
    view?: DataView,
  ) {
    // A Buffer over the same memory: its UTF-8 decoding is several times faster than a
    // TextDecoder's on the short strings OTLP is made of (both replace invalid bytes).
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.view = view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private fail(what: string): never {
    throw new OtlpDecodeError(`invalid protobuf: ${what} at byte ${this.pos}`);
  }

  /** A varint of up to 64 bits, as bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail("varint longer than 10 bytes");
  }

  /** A varint known to be small (tags, lengths, enums): the fast path. */
  varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.buf[this.pos++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    // Longer encodings (negative int32 enums) are read in full and cut to 32 bits.
    this.pos -= 5;
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) this.fail("truncated fixed64");
    const value = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return value;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail("truncated double");
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Start and end of a length-delimited field's payload; the reader moves past it. */
  span(): [number, number] {
    const length = this.varint32();
    const start = this.pos;
    if (length < 0 || start + length > this.end)
      this.fail(`length ${length} runs past the end of its message`);
    this.pos = start + length;
    return [start, start + length];
  }

  bytes(): Uint8Array {
    const [start, end] = this.span();
    return this.buf.subarray(start, end);
  }

  string(): string {
    const [start, end] = this.span();
    return this.buf.toString("utf8", start, end);
  }

  /** A reader over the next length-delimited field. */
  sub(): ProtobufReader {
    const [start, end] = this.span();
    return new ProtobufReader(this.buf, start, end, this.view);
  }

  /** Reads a tag: [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.varint32();
    const field = Math.floor(tag / 8);
    if (field === 0) this.fail("field number 0");
    return [field, tag & 7];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WIRE_LENGTH_DELIMITED:
        this.span();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  /** Fails unless the field has the wire type its schema says. */
  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) this.fail(`field ${field} has wire type ${wireType}, expected ${expected}`);
  }
}

/** Encodes protobuf messages: just what the responses need. */
export class ProtobufWriter {
  private readonly parts: number[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }

  int(field: number, value: number | bigint): this {
    if (value !== 0 && value !== 0n) {
      this.varint(field * 8 + WIRE_VARINT);
      this.varint(value);
    }
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.varint(field * 8 + WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    for (const byte of value) this.parts.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return value === "" ? this : this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.parts);
  }
}
