/** What SupervisedFfmpeg does with a listener that throws: the camera goes on, the logger hears of it. */
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/wait-until.js';
import { createLogger } from '../log/logger.js';
import { SupervisedFfmpeg } from './supervised-ffmpeg.js';

describe('SupervisedFfmpeg', () => {
  it('reports a failing onStateChange listener on its logger, with the stack, and keeps supervising', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('ffmpeg', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const supervisor = new SupervisedFfmpeg({
      camera: 'atm1', role: 'source', source: 'rtsp://admin:hunter2@10.0.0.5/stream', stallMs: 5000, connectTimeoutMs: 5000, endsAtEof: false,
      backoff: { initialMs: 60_000 },
      launch: () => Promise.reject(new Error('no ffmpeg in this test')),
      onStateChange: () => {
        throw new Error('listener broke');
      },
      log,
    });
    supervisor.start();
    await waitUntil('backoff after the failed launch', () => supervisor.currentState === 'backoff');
    expect(supervisor.snapshot().lastError).toBe('camera atm1 (rtsp://***@10.0.0.5/stream): no ffmpeg in this test');
    await supervisor.close();
    expect(supervisor.currentState).toBe('stopped');
    const failed = lines.filter((l) => l.msg === 'onStateChange listener failed');
    expect(failed.map((l) => l.state)).toEqual(['connecting', 'backoff', 'stopped']);
    expect(failed[0]).toMatchObject({ level: 'error', ns: 'ffmpeg', camera: 'atm1', role: 'source', err: { name: 'Error', message: 'listener broke' } });
    expect((failed[0]!.err as { stack: string }).stack).toContain('supervised-ffmpeg.test.ts');
  });
});
