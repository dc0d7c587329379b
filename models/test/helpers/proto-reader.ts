/** Minimal protobuf wire-format reader, for tests to decode what the writer produced. */

export type WireValue =
  | { wire: 0; value: bigint }
  | { wire: 5; value: number; bytes: Uint8Array }
  | { wire: 1; bytes: Uint8Array }
  | { wire: 2; bytes: Uint8Array };

export interface WireField {
  field: number;
  value: WireValue;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ field, value: { wire: 0, value } });
      pos = next;
    } else if (wire === 5) {
      const bytes = buf.subarray(pos, pos + 4);
      fields.push({ field, value: { wire: 5, value: new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true), bytes } });
      pos += 4;
    } else if (wire === 1) {
      fields.push({ field, value: { wire: 1, bytes: buf.subarray(pos, pos + 8) } });
      pos += 8;
    } else if (wire === 2) {
      const [len, next] = readVarint(buf, pos);
      fields.push({ field, value: { wire: 2, bytes: buf.subarray(next, next + Number(len)) } });
      pos = next + Number(len);
    } else {
      throw new Error(`unsupported wire type ${wire} at byte ${pos}`);
    }
    if (pos > buf.length) throw new Error('field runs past the end of the buffer');
  }
  return fields;
}

export function bytesOf(fields: readonly WireField[], field: number): Uint8Array[] {
  return fields.filter((f) => f.field === field && f.value.wire === 2).map((f) => (f.value as { bytes: Uint8Array }).bytes);
}

export function stringsOf(fields: readonly WireField[], field: number): string[] {
  return bytesOf(fields, field).map((b) => new TextDecoder().decode(b));
}

export function varintsOf(fields: readonly WireField[], field: number): bigint[] {
  return fields.filter((f) => f.field === field && f.value.wire === 0).map((f) => (f.value as { value: bigint }).value);
}

/** A packed repeated varint field's values. */
export function packedVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [v, next] = readVarint(bytes, pos);
    out.push(v);
    pos = next;
  }
  return out;
}
