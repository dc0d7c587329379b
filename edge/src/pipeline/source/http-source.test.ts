/**
 * An HTTP MJPEG camera, served by ffmpeg itself on loopback (`-listen 1` makes ffmpeg an HTTP
 * server for one client): frames flow, and when the server goes away and comes back the source
 * reconnects on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/free-port.js';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../../test/fixtures.js';
import { waitUntil } from '../../../test/wait-until.js';
import { CameraSource } from './camera-source.js';

function serveMjpeg(port: number): ChildProcess {
  return spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', PEDESTRIAN_VIDEO,
    '-an', '-f', 'mpjpeg', '-q:v', '5', '-listen', '1', `http://127.0.0.1:${port}/cam.mjpg`,
  ], { stdio: 'ignore' });
}

const servers: ChildProcess[] = [];
let source: CameraSource | null = null;
beforeAll(() => requireOpencvData());
afterEach(async () => {
  await source?.close();
  for (const s of servers.splice(0)) s.kill('SIGKILL');
});

describe('HTTP MJPEG camera', () => {
  it('streams frames and reconnects after the server restarts', async () => {
    const port = await freePort();
    servers.push(serveMjpeg(port));
    source = new CameraSource(
      { id: 'mjpeg1', source: `http://127.0.0.1:${port}/cam.mjpg`, loop: false, analysis: { fps: 5, width: 320 }, stallSeconds: 3 },
      { backoff: { initialMs: 300, maxMs: 1000 } },
    ).start();
    const frames = source.frames();
    const first = await frames.next();
    expect(first.value).toMatchObject({ width: 320, height: 240 });
    await waitUntil('streaming', () => source!.status().state === 'streaming', 10_000);

    servers.shift()!.kill('SIGKILL');
    await waitUntil('backoff after the server died', () => source!.status().state === 'backoff', 10_000);
    servers.push(serveMjpeg(port));
    await waitUntil('streaming again', () => source!.status().state === 'streaming' && source!.status().restarts >= 1, 20_000);
    const seqBefore = first.value!.seq;
    const next = await frames.next();
    expect(next.value!.seq).toBeGreaterThan(seqBefore);
    await frames.return(undefined);
  }, 45_000);
});
