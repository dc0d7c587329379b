import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { openStore } from '../store/store.js';

let dir: string;
let config: string;
let dataDir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-hold-cli-'));
  dataDir = path.join(dir, 'data');
  config = path.join(dir, 'site.yaml');
  // Cameras are never opened by these commands; the disabled one must still be holdable.
  fs.writeFileSync(config, [
    'site: store-001',
    `dataDir: ${JSON.stringify(dataDir)}`,
    'cameras:',
    '  - { id: atm1, source: "file:///nonexistent/atm.mp4" }',
    '  - { id: shop, source: "file:///nonexistent/shop.mp4", enabled: false }',
    '',
  ].join('\n'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CREATE = [
  'hold', 'create', '--case', '2026-XYZ', '--from', '2026-03-01T09:00:00+09:00', '--to', '2026-03-01T10:30:00+09:00',
  '--reason', 'ATM fraud, request 123', '--officer', 'Sato', '--station', 'Shinjuku PS',
];

interface HoldJson { id: string; caseNumber: string; from: string; to: string; cameras: string[]; active: boolean; createdBy: string; releasedBy: string | null }
const jsonLines = <T>(stdout: string): T[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

// Each run starts a process that loads the whole CLI (seconds under tsx), so independent runs go
// in parallel and the tests share one data directory in order.
describe('mimamori hold and audit', () => {
  let hold: HoldJson;

  it('creates holds and refuses bad options with exit 2, naming the option and the camera', async () => {
    const [created, human, camera, traversal, noOffset, missing, noBy, badLimit] = await Promise.all([
      runCli([...CREATE, '--config', config, '--cameras', 'atm1,shop', '--by', 'tanaka', '--json']),
      runCli([...CREATE, '--config', config, '--case', '2026-ABC']),
      runCli([...CREATE, '--config', config, '--cameras', 'atm1,atm9']),
      runCli([...CREATE, '--config', config, '--case', '../../etc/passwd']),
      runCli([...CREATE, '--config', config, '--from', '2026-03-01T09:00:00']),
      runCli(['hold', 'create', '--config', config, '--case', 'X1']),
      runCli(['hold', 'release', 'some-id', '--config', config]),
      runCli(['audit', 'list', '--config', config, '--limit', '0']),
    ]);
    expect(created.code, created.stderr).toBe(0);
    const [first, ...more] = jsonLines<HoldJson>(created.stdout);
    expect(more).toEqual([]);
    hold = first!;
    expect(hold).toMatchObject({ caseNumber: '2026-XYZ', cameras: ['atm1', 'shop'], active: true, createdBy: 'tanaka', releasedBy: null });
    expect(Date.parse(hold.from)).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(Date.parse(hold.to)).toBe(Date.parse('2026-03-01T01:30:00Z'));

    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^hold [0-9a-f-]{36} created\n/);
    expect(human.stdout).toContain('cameras   all cameras');
    expect(human.stdout).toContain(`by ${os.userInfo().username}`);

    expect(camera.code).toBe(2);
    expect(camera.stderr).toContain('mimamori hold create: --cameras: unknown camera "atm9" (this site\'s cameras: atm1, shop)');
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toContain('mimamori hold create: --case: letters, digits');
    expect(noOffset.code).toBe(2);
    expect(noOffset.stderr).toContain('mimamori hold create: --from: "2026-03-01T09:00:00" has no UTC offset');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--from, --to, --reason, --officer, --station are required');
    expect(noBy.code).toBe(2);
    expect(noBy.stderr).toContain('--by is required');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a whole number');
  });

  it('releases a hold once, lists what is in force, and audits each change', async () => {
    const released = await runCli(['hold', 'release', hold.id, '--config', config, '--by', 'suzuki', '--reason', 'case closed']);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain(`hold ${hold.id} released`);
    expect(released.stdout).toMatch(/released .* by suzuki: case closed/);

    const [all, active, again, unknown, audit, verify] = await Promise.all([
      runCli(['hold', 'list', '--config', config, '--json']),
      runCli(['hold', 'list', '--config', config, '--active', '--json']),
      runCli(['hold', 'release', hold.id, '--config', config, '--by', 'suzuki']),
      runCli(['hold', 'release', '0190b1a0-0000-7000-8000-000000000000', '--config', config, '--by', 'suzuki']),
      runCli(['audit', 'list', '--config', config, '--json']),
      runCli(['audit', 'verify', '--config', config]),
    ]);
    // The refused creates of the first test wrote nothing.
    expect(jsonLines<HoldJson>(all.stdout).map((h) => h.caseNumber).sort()).toEqual(['2026-ABC', '2026-XYZ']);
    expect(jsonLines<HoldJson>(active.stdout).map((h) => h.caseNumber)).toEqual(['2026-ABC']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`hold ${hold.id} was already released`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no hold with id 0190b1a0-0000-7000-8000-000000000000');

    expect(audit.code).toBe(0);
    const entries = jsonLines<{ seq: number; action: string; subject: string; actor: string }>(audit.stdout);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries.slice(0, 2).map((e) => e.actor).sort()).toEqual([os.userInfo().username, 'tanaka'].sort());
    expect(entries[2]).toMatchObject({ action: 'hold.release', actor: 'suzuki', subject: hold.id });

    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact: 3 entries, newest seq 3, hash [0-9a-f]{64}\n/);
  });

  it('audit verify fails naming the edited entry, and the removed one', async () => {
    const store = openStore(dataDir);
    try {
      for (let i = 0; i < 4; i += 1) store.audit.append({ actor: 'tester', action: 'clip.view', subject: `clip-${i}`, details: { i } });
    } finally {
      store.close();
    }
    const tamper = (sql: string): void => {
      const raw = new Sqlite(path.join(dataDir, 'mimamori.db'));
      try {
        raw.exec(sql);
      } finally {
        raw.close();
      }
    };
    tamper(`UPDATE audit_log SET details = '{"i":42}' WHERE seq = 5`);
    const broken = await runCli(['audit', 'verify', '--config', config]);
    expect(broken.code).toBe(1);
    expect(broken.stdout.trim()).toBe('audit log BROKEN at entry 5: entry 5 does not match its hash (its content was edited)');

    tamper('DELETE FROM audit_log WHERE seq = 5');
    const removed = await runCli(['audit', 'verify', '--config', config, '--json']);
    expect(removed.code).toBe(1);
    expect(JSON.parse(removed.stdout)).toEqual({ ok: false, seq: 5, reason: 'entry 5 is missing: the log jumps from 4 to 6 (removed)' });
  });
});
