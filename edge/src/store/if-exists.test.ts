import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ifExists, ifExistsSync, isIoFailure, isNotFound } from './if-exists.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'if-exists-'));
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'file'), 'text');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ifExists', () => {
  it('gives the result, or null for a path that does not exist', async () => {
    expect(await ifExists(join(dir, 'file'), (f) => readFile(f, 'utf8'))).toBe('text');
    expect(await ifExists(join(dir, 'missing'), (f) => readFile(f, 'utf8'))).toBeNull();
    expect(ifExistsSync(join(dir, 'file'), (f) => readFileSync(f, 'utf8'))).toBe('text');
    expect(ifExistsSync(join(dir, 'missing'), (f) => statSync(f))).toBeNull();
  });

  it('throws any other failure, naming the path even where Node does not (a folder read as a file)', async () => {
    const folder = join(dir, 'folder');
    const failed = await ifExists(folder, (f) => readFile(f, 'utf8')).then(() => null, (err: unknown) => err as Error);
    expect(failed?.message).toBe(`${folder}: EISDIR: illegal operation on a directory, read`);
    expect(failed?.cause).toMatchObject({ code: 'EISDIR' });
    expect(isIoFailure(failed?.cause)).toBe(true);
    expect(() => ifExistsSync(folder, (f) => readFileSync(f))).toThrow(`${folder}: EISDIR`);
  });

  it('a path through a file is no "not found": the file stands where a folder should', async () => {
    const through = join(dir, 'file', 'inside');
    const failed = await ifExists(through, (f) => readFile(f)).then(() => null, (err: unknown) => err as NodeJS.ErrnoException);
    // Node already names the path here, so the error is passed on as it is, code and all.
    expect(failed).toMatchObject({ code: 'ENOTDIR', path: through });
    expect(failed?.message).toContain(through);
  });
});

describe('isNotFound and isIoFailure', () => {
  it('ENOENT is "not found"; other system errors are failures; plain errors are neither', async () => {
    const missing = await readFile(join(dir, 'missing')).catch((err: unknown) => err);
    const isDir = await readFile(join(dir, 'folder')).catch((err: unknown) => err);
    expect([isNotFound(missing), isIoFailure(missing)]).toEqual([true, false]);
    expect([isNotFound(isDir), isIoFailure(isDir)]).toEqual([false, true]);
    expect([isNotFound(new Error('end of central directory record signature not found')), isIoFailure(new Error('bad zip'))]).toEqual([false, false]);
    expect([isNotFound(null), isIoFailure(undefined)]).toEqual([false, false]);
  });
});
