/**
 * Connected patches of changed pixels on the motion mask. A person moving makes one sizeable patch;
 * noise, rain and a flickering LED make many tiny ones, so the largest patch, not the count of
 * changed pixels, is what says "motion".
 */

/** Marks a pixel that belongs to the patch being measured, so it is not counted twice. */
const VISITED = 2;

export class ChangedBlobs {
  private stack = new Int32Array(0);

  /**
   * Area in pixels of the largest 8-connected patch of pixels that are 1 in `mask` (width × height,
   * row-major). The mask is used as scratch: its 1s are overwritten.
   */
  largestArea(mask: Uint8Array, width: number, height: number): number {
    const n = width * height;
    if (mask.length < n) throw new RangeError(`ChangedBlobs: a ${width}x${height} mask needs ${n} entries, got ${mask.length}`);
    if (this.stack.length < n) this.stack = new Int32Array(n);
    const stack = this.stack;
    let largest = 0;
    for (let start = 0; start < n; start++) {
      if (mask[start] !== 1) continue;
      // Iterative flood fill: each pixel is pushed once (marked when pushed), so the stack fits in n.
      let top = 0;
      let area = 0;
      mask[start] = VISITED;
      stack[top++] = start;
      while (top > 0) {
        const p = stack[--top]!;
        area += 1;
        const x = p % width;
        const y = (p - x) / width;
        const x0 = x > 0 ? x - 1 : x;
        const x1 = x < width - 1 ? x + 1 : x;
        const y0 = y > 0 ? y - 1 : y;
        const y1 = y < height - 1 ? y + 1 : y;
        for (let yy = y0; yy <= y1; yy++) {
          for (let xx = x0; xx <= x1; xx++) {
            const q = yy * width + xx;
            if (mask[q] === 1) {
              mask[q] = VISITED;
              stack[top++] = q;
            }
          }
        }
      }
      if (area > largest) largest = area;
    }
    return largest;
  }
}
