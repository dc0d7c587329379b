/** IEEE 754 binary16 → binary32, exact for every half value (subnormals, ±Inf, NaN included). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Dequantises little-endian float16 bytes into a new Float32Array. */
export function decodeFloat16Bytes(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.length !== count * 2) {
    throw new RangeError(`float16 data for ${count} elements needs ${count * 2} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
  return out;
}
