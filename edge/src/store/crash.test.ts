/**
 * Evidence must survive the pipeline process dying: a child process writes events and segments
 * as fast as it can, reporting each id only after its transaction committed, and is killed with
 * SIGKILL mid-stream. Every reported row must be there after reopening, in an intact file.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

const WRITER = `
import { openStore } from ${JSON.stringify(pathToFileURL(path.join(here, 'store.ts')).href)};
const store = openStore(process.argv[2]);
for (let i = 0; ; i++) {
  const t = 1_750_000_000_000 + i * 1000;
  const e = store.events.start({
    camera: 'atm-' + (i % 3), zone: 'atm', behaviour: 'phone_at_atm', severity: 'high', trackId: i, startedAt: t,
    phone: 'call', details: { i },
  });
  store.events.update(e.id, { dwellSeconds: 1, updatedAt: t + 1 });
  store.segments.add({ camera: 'atm-0', path: 'seg/' + i + '.ts', startMs: t, container: 'mpegts' });
  process.stdout.write(e.id + '\\n');
}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('a writer killed with SIGKILL leaves a readable database with every committed row', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-crash-'));
    dirs.push(work);
    const script = path.join(work, 'writer.mts');
    fs.writeFileSync(script, WRITER);
    const dataDir = path.join(work, 'data');

    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const committed: string[] = [];
    let stderr = '';
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.on('exit', (code, signal) => resolve(signal ?? code));
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        committed.push(...lines);
        if (committed.length >= 300 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      void exit.then((how) => reject(new Error(`writer exited early (${String(how)}): ${stderr}`)));
    });
    expect(await exit).toBe('SIGKILL');

    const raw = new Sqlite(path.join(dataDir, 'mimamori.db'), { readonly: true });
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      raw.close();
    }
    const store = openStore(dataDir);
    try {
      for (const id of committed) {
        expect(store.events.get(id)?.dwellSeconds, `event ${id}`).toBe(1);
      }
      // The child may have committed more after its last report, never fewer.
      expect(store.events.list({ limit: 10_000 }).length).toBeGreaterThanOrEqual(committed.length);
      expect(store.segments.count()).toBeGreaterThanOrEqual(committed.length);
    } finally {
      store.close();
    }
  });
});
