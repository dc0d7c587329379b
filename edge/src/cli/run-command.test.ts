import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { openStore } from '../store/store.js';

describe('mimamori run / events list', () => {
  it('refuses a bad site config before opening any camera, listing every problem by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-runcfg-'));
    const file = join(dir, 'site.yaml');
    await writeFile(file, [
      'site: store-001',
      `dataDir: ${join(dir, 'data')}`,
      'cameras:',
      '  - id: atm1',
      '    source: rtsp://127.0.0.1:1/x',
      '  - id: cam2',
      '    source: rtsp://127.0.0.1:1/y',
      '    zones:',
      '      - { id: z1, kind: atm, polygon: [[0,0],[1,0]] }',
    ].join('\n'));
    const r = await runCli(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: invalid config`);
    expect(r.stderr).toContain('cameras[1].zones[0].polygon: needs at least 3 points');
    expect(r.stderr).toContain('cameras[1].zones[0].atmId: required for an atm zone');
    expect(r.stdout).not.toMatch(/running/);
  });

  it('refuses an empty site file, showing the smallest valid one, and a missing --config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-runempty-'));
    const file = join(dir, 'site.yaml');
    await writeFile(file, '');
    const r = await runCli(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: invalid config\n  the file is empty\nThe smallest site file`);
    expect(r.stderr).toContain('  site: store-001\n  cameras:\n    - id: atm1\n');
    expect(r.stdout).not.toMatch(/running/);

    const bare = await runCli(['run']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^mimamori run: --config <site\.yaml> is required\nusage: mimamori run --config <site\.yaml>/);
    expect(bare.stdout).not.toMatch(/running/);
  });

  it('refuses a site without cameras, and a dataDir that is a file, naming the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-runbasics-'));
    const file = join(dir, 'site.yaml');
    await writeFile(file, `site: store-001\ndataDir: ${join(dir, 'data')}\ncameras: []\n`);
    const none = await runCli(['run', '--config', file]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('cameras: at least one camera is required, each with an id and a source');
    expect(none.stdout).not.toMatch(/running/);

    const notADir = join(dir, 'not-a-dir');
    await writeFile(notADir, 'precious');
    await writeFile(file, `site: store-001\ndataDir: ${notADir}\ncameras:\n  - { id: atm1, source: rtsp://127.0.0.1:1/x }\n`);
    const r = await runCli(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: invalid config\n  dataDir: ${notADir} is a file, not a directory`);
    expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    expect(r.stdout).not.toMatch(/running/);
  });

  it('lists stored events as JSON lines with the documented fields', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-events-'));
    const dataDir = join(dir, 'data');
    const store = openStore(dataDir);
    const t = Date.UTC(2026, 10, 25, 1, 2, 3);
    const e = store.events.start({ camera: 'atm1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 7, startedAt: t, phone: 'call' });
    store.events.end(e.id, t + 9000, { dwellSeconds: 12.5 });
    store.close();
    const file = join(dir, 'site.yaml');
    await writeFile(file, `site: s1\ndataDir: ${dataDir}\n`);
    const r = await runCli(['events', 'list', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]!)).toEqual(['id', 'camera', 'zone', 'behaviour', 'severity', 'trackId', 'startedAt', 'endedAt', 'dwellSeconds']);
    expect(lines[0]).toMatchObject({ id: e.id, camera: 'atm1', behaviour: 'phone_at_atm', severity: 'high', trackId: 7, dwellSeconds: 12.5 });
    expect(new Date(lines[0]!.startedAt as string).getTime()).toBe(t);
    expect(lines[0]!.startedAt).toMatch(/[+-]\d\d:\d\d$/);
    const bad = await runCli(['events', 'list', '--config', file, '--behaviour', 'loitering']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--behaviour must be one of phone_at_atm, emoney_lingering/);
  });
});
