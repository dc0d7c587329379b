/**
 * Staging left by killed exports: removed at the agent's start (clearLeftovers on the exports
 * folder) and before an export into the same folder; the staging of an export still running, and
 * anything that is not staging, is never touched.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearLeftovers } from '../clear-leftovers.js';
import { createLogger } from '../log/logger.js';
import { removeLeftoverStaging, stagingName } from './export-staging.js';

let dir = '';
const lines: Record<string, unknown>[] = [];
const log = createLogger('test', { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'export-staging-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A staging folder with some copied footage in it, as a killed export leaves it. */
function staging(folder: string, name: string): string {
  const path = join(folder, name);
  mkdirSync(join(path, 'footage', 'atm1', 'segments'), { recursive: true });
  writeFileSync(join(path, 'footage', 'atm1', 'segments', 'atm1-20260101-000000.ts'), Buffer.alloc(4096));
  return path;
}

/** The tag of a process that has exited: its staging has no writer any more. */
async function deadTag(): Promise<string> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return `${child.pid}-1`;
}

describe('export staging', () => {
  it('removes the staging and partial zips of exports that no longer run, and nothing else', async () => {
    const folder = join(dir, 'usb');
    mkdirSync(folder);
    const legacy = staging(folder, '.case-1.incomplete-0badf00d');
    const dead = staging(folder, `.case-2.incomplete-${await deadTag()}-deadbeef`);
    const partial = join(folder, `.case-3.zip.incomplete-${await deadTag()}-cafebabe.part`);
    writeFileSync(partial, Buffer.alloc(1024));
    const running = staging(folder, stagingName('case-4'));
    writeFileSync(join(folder, '.hidden-notes'), 'mine');
    writeFileSync(join(folder, 'case-0.zip'), 'a finished export');

    const result = await removeLeftoverStaging(folder, log);
    expect(result.removed.sort()).toEqual([legacy, dead, partial].sort());
    expect(result.inUse).toBe(1);
    expect(existsSync(running)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['.hidden-notes', running.split('/').pop(), 'case-0.zip'].sort());
    expect(lines.filter((l) => l.msg === 'staging of an interrupted export removed').map((l) => l.path).sort()).toEqual(result.removed.sort());
  });

  it('the agent\'s start clears what a killed API export left in <dataDir>/exports', async () => {
    const dataDir = join(dir, 'data');
    const exports = join(dataDir, 'exports');
    mkdirSync(exports, { recursive: true });
    const left = staging(exports, `.mimamori-evidence-2026-1.zip.incomplete-${await deadTag()}-01234567`);
    writeFileSync(join(exports, 'mimamori-evidence-2026-0.zip'), 'a finished export');
    await clearLeftovers(dataDir, log);
    expect(existsSync(left)).toBe(false);
    expect(readdirSync(exports)).toEqual(['mimamori-evidence-2026-0.zip']);
  });

  it('a folder that does not exist has nothing to sweep', async () => {
    expect(await removeLeftoverStaging(join(dir, 'nowhere'), log)).toEqual({ removed: [], inUse: 0 });
  });
});
