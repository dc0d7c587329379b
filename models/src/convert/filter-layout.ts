/** Rearranges TF convolution filters into ONNX Conv weight layout at conversion time. */

/** TF Conv2D filter [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
export function conv2dFilterToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = requireRank4(shape, 'Conv2D filter');
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o] as number;
        }
  return { data: out, dims: [cout, cin, kh, kw] };
}

/**
 * TF depthwise filter [kh, kw, in, multiplier] → ONNX grouped-conv weight [in × multiplier, 1, kh, kw]
 * with group = in. TF orders depthwise outputs channel-major (c × multiplier + m), which is also
 * ONNX's group-major output order, so no channel shuffle is needed.
 */
export function depthwiseFilterToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; dims: number[]; groups: number } {
  const [kh, kw, cin, mult] = requireRank4(shape, 'depthwise filter');
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++) {
          out[((c * mult + m) * kh + y) * kw + x] = data[((y * kw + x) * cin + c) * mult + m] as number;
        }
  return { data: out, dims: [cin * mult, 1, kh, kw], groups: cin };
}

function requireRank4(shape: readonly number[], what: string): [number, number, number, number] {
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`${what} must have rank 4, got shape [${shape.join(',')}]`);
  }
  return [a, b, c, d];
}
