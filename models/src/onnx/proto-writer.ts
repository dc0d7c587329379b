/**
 * Protocol Buffers wire-format writer: just the parts ONNX's messages need (varints, fixed32,
 * length-delimited bytes/strings/sub-messages, packed repeated scalars).
 *
 * Sub-messages are encoded into their own writer first, because the wire format puts the byte
 * length before the body; the copy this costs is small next to the weights themselves.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Unsigned or signed integer field (int32, int64, enum, bool). Negative values use 10-byte two's complement, as protobuf requires for int32/int64. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** float field (wire type fixed32, little-endian IEEE 754). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.rawBytes(value);
    return this;
  }

  /** Embedded message: `encode` writes the body into a fresh writer. */
  message(field: number, encode: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    encode(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated int32/int64/enum. Empty lists are omitted, as proto3 does. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter(values.length * 2);
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated float. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const body = new Uint8Array(values.length * 4);
    const view = new DataView(body.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, body);
  }

  /** The encoded bytes (a view into the writer's buffer; do not write afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number must be an integer in 1..2^29-1, got ${field}`);
    }
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        throw new RangeError(`protobuf varint must be a safe integer, got ${value}`);
      }
      if (value >= 0) {
        this.ensure(8);
        // Safe integers fit in 53 bits; division avoids 32-bit truncation of bitwise operators.
        let v = value;
        while (v >= 0x80) {
          this.buf[this.len++] = (v % 0x80) | 0x80;
          v = Math.floor(v / 0x80);
        }
        this.buf[this.len++] = v;
        return;
      }
      value = BigInt(value);
    }
    let v = BigInt.asUintN(64, value);
    if (value < -(1n << 63n) || value >= 1n << 64n) {
      throw new RangeError(`protobuf varint out of 64-bit range: ${value}`);
    }
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private rawBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
