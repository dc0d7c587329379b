/** joinSegments against real ffmpeg: the child is owned, and ended when the export is interrupted. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { useTempStores } from '../../test/temp-store.js';
import { recordFootage } from '../../test/recorded-footage.js';
import { concatListLine, joinSegments } from './join-segments.js';

const run = promisify(execFile);
const openStore = useTempStores('mimamori-join-');
let work = '';

beforeAll(async () => {
  requireOpencvData();
  work = await mkdtemp(join(tmpdir(), 'mimamori-join-work-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** ffmpeg processes that are children of this test process. */
async function ffmpegChildren(): Promise<string[]> {
  try {
    return (await run('pgrep', ['-P', String(process.pid), '-x', 'ffmpeg'])).stdout.trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('joinSegments', () => {
  it('quotes paths for the concat list the way ffmpeg reads them back', () => {
    expect(concatListLine("/a/O'Brien/x.ts")).toBe("file '/a/O'\\''Brien/x.ts'");
    expect(() => concatListLine('/a/b\nfile /etc/passwd')).toThrow(/line break/);
  });

  it('an aborted join ends its ffmpeg and rejects with the reason', async () => {
    const store = openStore();
    const [segment] = await recordFootage(store, work, { camera: 'cam', startMs: Date.UTC(2026, 0, 1), seconds: 2, segmentSeconds: 2 });
    // The same segment 500 times: tens of seconds of copying, still running when aborted.
    const input = store.resolve(segment?.path as string);
    const controller = new AbortController();
    const out = join(work, 'long');
    await run('mkdir', ['-p', out]);
    const joining = joinSegments({
      ffmpegPath: 'ffmpeg', inputs: Array.from({ length: 500 }, () => input), output: join(out, 'long.mp4'),
      listFile: join(out, 'list.txt'), camera: 'cam', signal: controller.signal,
    });
    for (const deadline = Date.now() + 20_000; (await ffmpegChildren()).length === 0;) {
      if (Date.now() > deadline) throw new Error('ffmpeg did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const abortedAt = Date.now();
    controller.abort(new Error('stop now'));
    await expect(joining).rejects.toThrow('stop now');
    // Ended, not waited for.
    expect(Date.now() - abortedAt).toBeLessThan(3000);
    expect(await ffmpegChildren()).toEqual([]);
    // The concat list is removed; the partial MP4 is the caller's to discard with its staging folder.
    expect(await readdir(out)).not.toContain('list.txt');
  });
});
