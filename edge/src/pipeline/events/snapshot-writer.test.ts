import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PERSON_PHOTO } from '../../../test/fixtures.js';
import { mountSmallFilesystem } from '../../../test/small-filesystem.js';
import { snapshotRelativePath, writeSnapshot } from './snapshot-writer.js';

describe('event snapshots', () => {
  it('writes an owner-only JPEG of the frame with the box drawn', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-snap-'));
    const { data, info } = await sharp(PERSON_PHOTO).raw().toBuffer({ resolveWithObject: true });
    const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
    const at = Date.UTC(2026, 10, 25, 3, 0, 0);
    const rel = await writeSnapshot(dir, { frame, box: [100, 60, 400, 330], label: 'phone_at_atm call', camera: 'atm1', eventId: 'ev1', atMs: at });
    expect(rel).toBe(join('snapshots', 'atm1', '2026-11-25', 'ev1.jpg'));
    const file = join(dir, rel);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(file, '..'))).mode & 0o777).toBe(0o700);
    const meta = await sharp(file).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: info.width, height: info.height });
    // The box edge is drawn in red where the photo was not red.
    const px = await sharp(file).extract({ left: 250, top: 60, width: 1, height: 1 }).raw().toBuffer();
    expect(px[0]).toBeGreaterThan(180);
    expect(px[1]).toBeLessThan(110);
  });

  it('on a full disk fails naming the snapshot and leaves no partial file behind', async () => {
    const disk = mountSmallFilesystem(1024 * 1024);
    try {
      const { data, info } = await sharp(PERSON_PHOTO).raw().toBuffer({ resolveWithObject: true });
      const frame = { data: new Uint8Array(data), width: info.width, height: info.height };
      const at = Date.UTC(2026, 10, 25, 3, 0, 0);
      // Room for the folders, not for the JPEG.
      disk.fill(8 * 1024);
      await expect(writeSnapshot(disk.dir, { frame, box: [100, 60, 400, 330], label: 'phone_at_atm call', camera: 'atm1', eventId: 'ev2', atMs: at }))
        .rejects.toThrow(/^snapshot snapshots\/atm1\/2026-11-25\/ev2\.jpg: ENOSPC/);
      const folder = join(disk.dir, 'snapshots', 'atm1', '2026-11-25');
      expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
    } finally {
      disk.close();
    }
  });

  it('refuses ids that could escape the snapshot folder', () => {
    expect(() => snapshotRelativePath('../etc', 'ev1', 0)).toThrow(/camera id "..\/etc" is not a safe file name/);
    expect(() => snapshotRelativePath('atm1', 'a/b', 0)).toThrow(/event id "a\/b"/);
  });
});
