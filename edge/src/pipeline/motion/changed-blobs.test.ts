/** The largest connected patch of a motion mask, 8-connected, never across a row's end. */
import { describe, expect, it } from 'vitest';
import { ChangedBlobs } from './changed-blobs.js';

/** A mask from rows of '#' (changed) and '.'. */
function mask(rows: string[]): [Uint8Array, number, number] {
  const width = rows[0]!.length;
  return [Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0))), width, rows.length];
}

describe('ChangedBlobs.largestArea', () => {
  const blobs = new ChangedBlobs();

  it('is 0 for an empty mask', () => {
    expect(blobs.largestArea(...mask(['....', '....']))).toBe(0);
  });

  it('joins diagonal neighbours and picks the largest of several patches', () => {
    expect(blobs.largestArea(...mask([
      '#.....##',
      '.#....##',
      '..#.....',
      '........',
      '##.#.#.#',
    ]))).toBe(4);
    expect(blobs.largestArea(...mask([
      '#.......',
      '.#......',
      '..#.....',
      '...#....',
      '....#...',
    ]))).toBe(5);
  });

  it('does not join the end of one row to the start of the next (neighbours in memory, not in the picture)', () => {
    expect(blobs.largestArea(...mask([
      '...#',
      '#...',
      '...#',
      '#...',
    ]))).toBe(1);
  });

  it('measures a patch filling the whole mask, with the scratch grown to fit', () => {
    const [m, w, h] = mask(Array<string>(40).fill('#'.repeat(60)));
    expect(blobs.largestArea(m, w, h)).toBe(2400);
  });
});
