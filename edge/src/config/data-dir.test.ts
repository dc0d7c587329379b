import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import { createLogger } from '../log/logger.js';
import { ensureDataDir } from './data-dir.js';
import { parseConfig } from './load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-data-dir-'));
  dirs.push(dir);
  return dir;
}

describe('ensureDataDir', () => {
  it('creates a missing data directory, owner-only, and accepts an existing one', async () => {
    const dir = join(tempDir(), 'a', 'data');
    expect(await ensureDataDir(dir)).toBe(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await ensureDataDir(dir)).toBe(dir);
  });

  it('names dataDir and the path when a file is in the way, and leaves the file alone', async () => {
    const file = join(tempDir(), 'data');
    writeFileSync(file, 'footage index, do not delete');
    await expect(ensureDataDir(file)).rejects.toThrow(`dataDir: ${file} is a file, not a directory`);
    await expect(ensureDataDir(join(file, 'sub'))).rejects.toThrow(`dataDir: ${join(file, 'sub')} cannot be created: ${file} is a file, not a directory`);
    expect(readFileSync(file, 'utf8')).toBe('footage index, do not delete');
  });

  it('makes the agent refuse to start on such a dataDir, naming it, before it opens anything', async () => {
    const file = join(tempDir(), 'data');
    writeFileSync(file, '');
    const agent = new Agent(parseConfig({ site: 'store-001', dataDir: file, cameras: [{ id: 'atm1', source: '/dev/null' }] }), { log: createLogger('test', { level: 'error' }) });
    await expect(agent.start()).rejects.toThrow(`dataDir: ${file} is a file, not a directory`);
    expect(agent.url).toBeNull();
    await agent.close();
  });
});
