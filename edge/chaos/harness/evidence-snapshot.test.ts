/**
 * The chaos suite's loss detector must itself see losses: a held segment deleted or truncated,
 * an event row gone, and nothing reported when all is intact or the lost file was not held.
 */
import { mkdtemp, rm, truncate, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { evidenceLoss, readEvidence } from './evidence-snapshot.js';

let dir: string;
const T0 = Date.now() - 600_000;
let eventId: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-chaos-evidence-'));
  await mkdir(join(dir, 'recordings', 'cam', '2026-12-02'), { recursive: true });
  const store = openStore(dir);
  try {
    for (const [i, name] of ['a.ts', 'b.ts'].entries()) {
      const rel = `recordings/cam/2026-12-02/${name}`;
      await writeFile(join(dir, rel), Buffer.alloc(4096, i));
      store.segments.add({ camera: 'cam', path: rel, startMs: T0 + i * 60_000, endMs: T0 + (i + 1) * 60_000, bytes: 4096, container: 'mpegts' });
    }
    eventId = store.events.start({
      camera: 'cam', zone: 'z', behaviour: 'emoney_lingering', severity: 'medium', trackId: 1, startedAt: T0, dwellSeconds: 2, phone: 'none', clipStart: T0, details: {},
    }).id;
    // Only a.ts is under the hold.
    store.holds.create({ caseNumber: 'C-1', officer: 'o', station: 's', reason: 'r', fromMs: T0, toMs: T0 + 60_000, createdBy: 'test' });
  } finally {
    store.close();
  }
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evidenceLoss', () => {
  it('reports nothing when everything is intact, or only unheld footage went', async () => {
    const before = readEvidence(dir);
    expect([...before.held.keys()]).toEqual(['recordings/cam/2026-12-02/a.ts']);
    expect(before.eventIds).toEqual(new Set([eventId]));
    await unlink(join(dir, 'recordings/cam/2026-12-02/b.ts'));
    expect(evidenceLoss(before, readEvidence(dir), dir)).toEqual({ lostEvents: [], lostHeld: [] });
  });

  it('reports a held segment deleted or truncated, and an event row gone', async () => {
    const before = readEvidence(dir);
    await truncate(join(dir, 'recordings/cam/2026-12-02/a.ts'), 100);
    expect(evidenceLoss(before, readEvidence(dir), dir).lostHeld).toEqual(['recordings/cam/2026-12-02/a.ts: 100 bytes, was 4096']);
    await unlink(join(dir, 'recordings/cam/2026-12-02/a.ts'));
    const db = new Sqlite(join(dir, 'mimamori.db'));
    db.prepare('DELETE FROM events WHERE id = ?').run(eventId);
    db.close();
    expect(evidenceLoss(before, readEvidence(dir), dir)).toEqual({
      lostEvents: [eventId],
      lostHeld: ['recordings/cam/2026-12-02/a.ts: file deleted (was 4096 bytes)'],
    });
  });
});
