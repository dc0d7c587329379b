/**
 * The pool on tiny planted models: exercises process start-up (from the .ts source through tsx),
 * frame copying, result and error paths and shutdown, quickly and with known answers.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log/logger.js';
import { waitUntil } from '../../../test/wait-until.js';
import type { RgbFrame } from '../types.js';
import { writePlantedAnalyzerModels } from '../../../test/planted-analyzer.js';
import { processStartTicks } from '../../ffmpeg/process-identity.js';
import { startAnalyzerPool } from './analyzer-pool.js';
import type { AnalyzerModels } from './frame-analyzer.js';

let dir: string;
let models: AnalyzerModels;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-pool-'));
  models = await writePlantedAnalyzerModels(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const frame = (): RgbFrame => ({ data: new Uint8Array(128 * 128 * 3).fill(90), width: 128, height: 128 });

describe('analyzer pool (planted models)', () => {
  it('analyses frames in inference processes and maps everything to frame pixels', async () => {
    const pool = await startAnalyzerPool({ models, workers: 2, maxPeople: 1 });
    expect(pool.running()).toBe(2);
    try {
      const input = frame();
      const [a, b] = await Promise.all([pool.analyze(input), pool.analyze(frame())]);
      expect(input.data.byteLength).toBe(128 * 128 * 3); // copied to the process: the caller keeps its pixels
      expect(b).toEqual({ ...a, timings: b?.timings });
      expect(a.width).toBe(128);
      expect(a.people.map((p) => p.box)).toEqual([
        [48, 16, 80, 112],
        [8, 48, 24, 80],
      ]);
      // Pose only for the largest person (maxPeople 1): square crop 120 px centred on (64, 64).
      const nose = a.people[0]?.keypoints[0];
      expect(nose).toMatchObject({ name: 'nose', x: 34, y: 34 });
      expect(a.people[1]?.keypoints).toEqual([]);
      expect(a.people[0]?.phone).toMatch(/^(call|hand|none)$/);
      expect(a.objects.map((o) => [o.label, o.box])).toEqual([['cell phone', [60, 12, 68, 20]]]);
      expect(a.timings.detectMs).toBeGreaterThan(0);
      expect(a.timings.poseMs).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
    expect(pool.running()).toBe(0);
    await expect(pool.analyze(frame())).rejects.toThrow('analyzer pool is closed');
  });

  it('reports a bad frame with the worker and frame size, and keeps working', async () => {
    const pool = await startAnalyzerPool({ models });
    try {
      await expect(pool.analyze({ data: new Uint8Array(10), width: 100, height: 100 })).rejects.toThrow(
        /inference worker 0 could not analyse a 100x100 frame: Expected 30000 bytes/,
      );
      await expect(pool.analyze(frame())).resolves.toMatchObject({ width: 128 });
    } finally {
      await pool.close();
    }
  });

  it('fails to start with the model file named when a model does not fit', async () => {
    const wrong = { ...models, pose: { path: models.detector.path } };
    await expect(startAnalyzerPool({ models: wrong })).rejects.toThrow(
      `inference worker 0 could not start: Model ${models.detector.path}: expected input 'input' but the model's inputs are: images`,
    );
  });

  it('starts a worker that died again after a backoff, counting the respawn', async () => {
    const workers: ChildProcess[] = [];
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const pool = await startAnalyzerPool({ models, workers: 1, respawnInitialMs: 300, respawnMaxMs: 5000 }, { log, onWorkerReady: (_i, w) => workers.push(w) });
    try {
      expect(pool.respawns()).toBe(0);
      // A frame in flight on the worker when it dies is rejected, not left hanging.
      const inFlight = pool.analyze(frame());
      workers[0]!.kill('SIGKILL');
      await expect(inFlight).rejects.toThrow(/inference worker 0 was killed by SIGKILL/);
      expect(pool.running()).toBe(0);
      await expect(pool.analyze(frame())).rejects.toThrow('analyzer pool has no running inference workers');
      await waitUntil('the worker to be started again', () => pool.running() === 1, 15_000);
      expect(pool.respawns()).toBe(1);
      expect(workers).toHaveLength(2);
      await expect(pool.analyze(frame())).resolves.toMatchObject({ width: 128 });
      expect(lines.map((l) => l.msg)).toEqual(['inference worker died', 'inference worker respawn scheduled', 'inference worker respawned']);
      expect(lines[1]).toMatchObject({ worker: 0 });
      // Dying again soon after the respawn: the wait doubles.
      workers[1]!.kill('SIGKILL');
      await waitUntil('the second respawn to be scheduled', () => lines.filter((l) => l.msg === 'inference worker respawn scheduled').length === 2);
      const [first, second] = lines.filter((l) => l.msg === 'inference worker respawn scheduled').map((l) => l.retryInMs as number);
      expect(second!).toBeGreaterThan(first!);
    } finally {
      await pool.close();
    }
    // Closing while a respawn waits cancels it: nothing is left running.
    await new Promise((r) => setTimeout(r, 1000));
    expect(pool.running()).toBe(0);
    expect(workers).toHaveLength(2);
  });

  it('has no inference process outlive a parent killed with SIGKILL', async () => {
    const parentDir = await mkdtemp(join(dir, 'parent-'));
    const script = fileURLToPath(new URL('../../../test/analyzer-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', script, parentDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    parent.stdout.on('data', (b: Buffer) => (printed += b.toString()));
    try {
      await waitUntil('the inference process pid', () => printed.includes('\n'), 30_000);
      const child = Number(printed.trim());
      expect(processStartTicks(child)).not.toBeNull();
      parent.kill('SIGKILL');
      await waitUntil('the inference process gone with its parent', () => processStartTicks(child) === null, 5000);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
