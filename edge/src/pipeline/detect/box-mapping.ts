/** Boxes found in model-input pixels, taken back to the frame they came from. */
import type { Box } from '../types.js';
import type { Region } from '../image/resample.js';

export interface InputGeometry {
  inputWidth: number;
  inputHeight: number;
  /** Frame region the input covered (see fitRegion). */
  region: Region;
  frameWidth: number;
  frameHeight: number;
}

/** Maps an input-pixel box to frame pixels, clipped to the frame; null when nothing is left of it. */
export function inputBoxToFrame(x1: number, y1: number, x2: number, y2: number, g: InputGeometry): Box | null {
  const sx = g.region.width / g.inputWidth;
  const sy = g.region.height / g.inputHeight;
  const fx1 = clamp(g.region.x + x1 * sx, 0, g.frameWidth);
  const fy1 = clamp(g.region.y + y1 * sy, 0, g.frameHeight);
  const fx2 = clamp(g.region.x + x2 * sx, 0, g.frameWidth);
  const fy2 = clamp(g.region.y + y2 * sy, 0, g.frameHeight);
  if (fx2 <= fx1 || fy2 <= fy1) return null;
  return [fx1, fy1, fx2, fy2];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
