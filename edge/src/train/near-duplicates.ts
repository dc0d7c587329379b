/**
 * Groups near-duplicate photos (the same picture resized, recompressed, lightly cropped or
 * mirrored; frames of one clip; one camera's stills seconds apart) so cross-validation keeps them
 * in one fold: otherwise a photo's twin in the training folds inflates the figures.
 *
 * Difference hash: the photo in grey at 9×8, one bit per horizontally adjacent pair; two photos are
 * the same group when their hashes (or one's and the other's mirror image's) differ in at most
 * MAX_BITS of 64 bits. Groups are closed under that relation (union-find). On Stanford 40, 6 bits
 * merges no two photos and 10 bits already merges unrelated ones (a phoning photo with a brushing-
 * teeth one), so the threshold stays where only real copies meet.
 */
import sharp from 'sharp';
import type { RgbFrame } from '../pipeline/types.js';

const MAX_BITS = 6;

/** 64 bits as two 32-bit halves (plain numbers: fast to compare pairwise). */
export type Hash64 = [number, number];

export interface PhotoHash {
  hash: Hash64;
  mirrored: Hash64;
}

export async function differenceHash(frame: RgbFrame): Promise<PhotoHash> {
  const input = sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), { raw: { width: frame.width, height: frame.height, channels: 3 } });
  const { data } = await input.greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const hash: Hash64 = [0, 0];
  const mirrored: Hash64 = [0, 0];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const half = y < 4 ? 0 : 1;
      const a = data[y * 9 + x] as number;
      const b = data[y * 9 + x + 1] as number;
      hash[half] = ((hash[half] << 1) | (a < b ? 1 : 0)) >>> 0;
      // The mirror image's pair (x, x+1) is the original's (8-x, 7-x).
      const ma = data[y * 9 + (8 - x)] as number;
      const mb = data[y * 9 + (7 - x)] as number;
      mirrored[half] = ((mirrored[half] << 1) | (ma < mb ? 1 : 0)) >>> 0;
    }
  }
  return { hash, mirrored };
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

const distance = (a: Hash64, b: Hash64): number => popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);

/** Group index per item (0-based, numbered in order of first member). */
export function groupNearDuplicates(hashes: readonly PhotoHash[], maxBits = MAX_BITS): number[] {
  const parent = hashes.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[i] !== r) {
      const next = parent[i] as number;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (let i = 0; i < hashes.length; i++) {
    const a = hashes[i] as PhotoHash;
    for (let j = i + 1; j < hashes.length; j++) {
      const b = hashes[j] as PhotoHash;
      if (distance(a.hash, b.hash) <= maxBits || distance(a.hash, b.mirrored) <= maxBits) {
        const [ri, rj] = [find(i), find(j)];
        if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
      }
    }
  }
  const ids = new Map<number, number>();
  return hashes.map((_, i) => {
    const root = find(i);
    if (!ids.has(root)) ids.set(root, ids.size);
    return ids.get(root) as number;
  });
}
