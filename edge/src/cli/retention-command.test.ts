/** `mimamori retention plan|run` from the real command line on a store with real segments. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { runCli } from '../../test/run-cli.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { openStore } from '../store/store.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const pad = (n: number): string => String(n).padStart(2, '0');

let dir = '';
let site = '';
const files: Record<'old' | 'held' | 'young', string> = { old: '', held: '', young: '' };

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-retention-cli-'));
  const clip = await cutH264Clip(dir, 2);
  const piece = join(dir, 'piece.ts');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', clip, '-c', 'copy', '-f', 'mpegts', piece]);
  const dataDir = join(dir, 'data');
  site = join(dir, 'site.yaml');
  writeFileSync(site, `site: cli-test\ndataDir: ${dataDir}\nretention:\n  continuous: { days: 14 }\n  maxDiskPercent: 99\n`);
  const store = openStore(dataDir);
  const place = (key: keyof typeof files, ageDays: number): number => {
    const start = new Date(Date.now() - ageDays * DAY);
    start.setMilliseconds(0);
    const day = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}`;
    const path = `recordings/cam1/${day}/cam1-${start.getFullYear()}${pad(start.getMonth() + 1)}${pad(start.getDate())}-${pad(start.getHours())}${pad(start.getMinutes())}${pad(start.getSeconds())}.ts`;
    const file = store.resolve(path);
    mkdirSync(join(file, '..'), { recursive: true });
    copyFileSync(piece, file);
    store.segments.add({ camera: 'cam1', path, startMs: start.getTime(), endMs: start.getTime() + 60_000, bytes: statSync(file).size, container: 'mpegts' });
    files[key] = file;
    return start.getTime();
  };
  place('old', 20);
  const held = place('held', 19);
  place('young', 2);
  store.holds.create({ caseNumber: 'CLI-1', officer: 'Mori', station: 'Ueno', reason: 'test', fromMs: held, toMs: held + 60_000, createdBy: 'test' });
  store.close();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mimamori retention', () => {
  it('plan --json tells what would go and why, and deletes nothing', async () => {
    const out = await runCli(['retention', 'plan', '--config', site, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const plan = JSON.parse(out.stdout) as { segments: number; bytes: number; deletions: { path: string; reason: string; bytes: number }[]; storageFull: boolean; disk: { overBudget: boolean } };
    expect(plan).toMatchObject({ segments: 1, storageFull: false, disk: { overBudget: false } });
    expect(plan.deletions).toEqual([expect.objectContaining({ reason: 'continuous_expired', bytes: statSync(files.old).size })]);
    expect(files.old.endsWith(plan.deletions[0]!.path)).toBe(true);
    expect(Object.values(files).every((f) => existsSync(f))).toBe(true);

    const text = await runCli(['retention', 'plan', '--config', site]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/would delete 1 segments/);
    expect(text.stdout).toMatch(/continuous_expired: 1 segments/);
  });

  it('run deletes it, keeps the held and the young footage, and reports', async () => {
    const out = await runCli(['retention', 'run', '--config', site, '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ deleted: 1, missing: 0, storageFull: false });
    expect(existsSync(files.old)).toBe(false);
    expect(existsSync(files.held)).toBe(true);
    expect(existsSync(files.young)).toBe(true);
    expect(out.stderr).toMatch(/"msg":"retention run"/);
  });

  it('refuses bad usage with exit code 2', async () => {
    const noConfig = await runCli(['retention', 'plan']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/--config is required/);
    const unknown = await runCli(['retention', 'prune', '--config', site]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "prune"/);
  });
});
