/**
 * CameraSource against real ffmpeg and real video: a file camera, an RTSP camera that goes away and
 * comes back, broken sources, a slow consumer, and shutdown without orphans.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/free-port.js';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../../test/fixtures.js';
import { startRtspServer, type RtspTestServer } from '../../../test/rtsp-server.js';
import { cutH264Clip, isRunning } from '../../../test/video-clips.js';
import { CameraSource, type CameraFrame, type CameraSourceConfig, type StateChange } from './camera-source.js';
import { waitUntil } from '../../../test/wait-until.js';

const run = promisify(execFile);
const FAST_BACKOFF = { initialMs: 300, maxMs: 1000 };

let dir = '';
let clip = '';
const sources: CameraSource[] = [];
const servers: RtspTestServer[] = [];

function camera(over: Partial<CameraSourceConfig> & { source: string }): CameraSourceConfig {
  return { id: 'cam1', loop: false, analysis: { fps: 5, width: 320 }, stallSeconds: 5, ...over };
}

function open(config: CameraSourceConfig, changes: StateChange[] = []): CameraSource {
  const source = new CameraSource(config, { backoff: FAST_BACKOFF, onStateChange: (c) => changes.push(c) });
  sources.push(source);
  return source.start();
}

const until = (what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> => waitUntil(what, check, timeoutMs);

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'camera-source-'));
  // 3 s of the pedestrian video, as MPEG-4 (the original codec) for the file camera…
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', PEDESTRIAN_VIDEO, '-t', '3', '-c', 'copy', join(dir, 'short.avi')]);
  // …and as H.264 for the RTSP relay.
  clip = await cutH264Clip(dir, 3);
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CameraSource', () => {
  it('file without loop: frames at the analysis rate and size, then ended (not retried)', async () => {
    const changes: StateChange[] = [];
    const source = open(camera({ source: join(dir, 'short.avi') }), changes);
    const frames: CameraFrame[] = [];
    const started = Date.now();
    for await (const frame of source.frames()) frames.push(frame);
    const elapsed = Date.now() - started;

    expect(source.status().state).toBe('ended');
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'streaming', 'ended']);
    expect(frames.length).toBeGreaterThanOrEqual(14);
    expect(frames.length).toBeLessThanOrEqual(16);
    expect(frames.every((f) => f.width === 320 && f.height === 240 && f.data.length === 320 * 240 * 3)).toBe(true);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames.map((f) => f.ptsMs)).toEqual(frames.map((_, i) => i * 200));
    // -re reads at native speed: 3 s of video takes about 3 s, like a camera.
    expect(elapsed).toBeGreaterThan(2500);
    const first = frames[0] as CameraFrame;
    const last = frames[frames.length - 1] as CameraFrame;
    expect(last.atMs - first.atMs).toBe(last.ptsMs - first.ptsMs);
    expect(Math.abs(first.atMs - started)).toBeLessThan(3000);
    expect(source.status()).toMatchObject({ restarts: 0, lastError: null, dropped: 0, framesIn: frames.length, framesOut: frames.length, pid: null });
  });

  it('RTSP: connects once the server listens, backs off when it dies, resumes with continuing seq', async () => {
    const port = await freePort();
    const changes: StateChange[] = [];
    // The camera starts first: its first attempts are refused and retried.
    const source = open(camera({ id: 'rtsp1', source: `rtsp://user:secret@127.0.0.1:${port}/cam`, analysis: { fps: 10, width: 320 } }), changes);
    const frames: CameraFrame[] = [];
    const reader = (async () => {
      for await (const f of source.frames()) frames.push(f);
    })();
    await until('first refusal', () => source.status().state === 'backoff');
    expect(source.status().lastError).toMatch(/^camera rtsp1 \(rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/cam\): .*Connection refused/);
    servers.push(await startRtspServer({ clip, dir, port }));
    await until('10 frames', () => frames.length >= 10);
    expect(source.status().state).toBe('streaming');
    expect(frames[0]).toMatchObject({ width: 320, height: 240 });

    const server = servers.pop() as RtspTestServer;
    await server.stop();
    await until('backoff after the server died', () => source.status().state === 'backoff');
    const before = frames.length;
    const restartsBefore = source.status().restarts;

    servers.push(await startRtspServer({ clip, dir, port }));
    await until('frames again', () => frames.length >= before + 10);
    const seqs = frames.map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    const pts = frames.map((f) => f.ptsMs);
    expect(pts.every((p, i) => i === 0 || p > (pts[i - 1] as number))).toBe(true);
    expect(source.status().restarts).toBeGreaterThan(restartsBefore);
    expect(source.status().restarts).toBeGreaterThanOrEqual(1);
    expect(source.status().state).toBe('streaming');
    expect(JSON.stringify(changes)).not.toContain('secret');
    await source.close();
    await reader;
    expect(source.status().state).toBe('stopped');
  });

  it('RTSP that stalls (connection open, no data) is ended and retried', async () => {
    const server = await startRtspServer({ clip, dir });
    servers.push(server);
    const source = open(camera({ id: 'stall', source: server.url, stallSeconds: 1.5 }));
    await until('streaming', () => source.status().state === 'streaming');
    server.pause();
    await until('backoff after the stall', () => source.status().state === 'backoff', 10_000);
    expect(source.status().lastError).toMatch(/^camera stall \(rtsp:.*\): (stalled: nothing for \d+ s|.*timed out)/i);
    server.resume();
    await until('streaming again', () => source.status().state === 'streaming' && source.status().restarts >= 1, 10_000);
  });

  it('broken sources give a clear lastError and back off without throwing; other cameras carry on', async () => {
    const corrupt = join(dir, 'corrupt.mp4');
    await writeFile(corrupt, Buffer.alloc(20_000, 0x5a));
    const deadPort = await freePort();
    const bad = open(camera({ id: 'corrupt', source: corrupt }));
    const dead = open(camera({ id: 'deadport', source: `rtsp://admin:pw@127.0.0.1:${deadPort}/x` }));
    const good = open(camera({ id: 'good', source: join(dir, 'short.avi'), loop: true }));
    const goodFrames: CameraFrame[] = [];
    const reader = (async () => {
      for await (const f of good.frames()) goodFrames.push(f);
    })();

    await until('both broken cameras retried', () => bad.status().restarts >= 1 && dead.status().restarts >= 1);
    expect(bad.status().lastError).toMatch(/^camera corrupt \(.*corrupt\.mp4\): ffmpeg exited with code \d+: .*Invalid data found/);
    expect(dead.status().lastError).toMatch(/^camera deadport \(rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/x\): .*Connection refused/);
    expect(['backoff', 'connecting']).toContain(bad.status().state);
    await until('good camera frames', () => goodFrames.length >= 5);
    expect(good.status()).toMatchObject({ state: 'streaming', restarts: 0, lastError: null });
    await good.close();
    await reader;
  });

  it('slow consumer: only the newest frame is kept, the rest are dropped', async () => {
    const source = open(camera({ id: 'slow', source: join(dir, 'short.avi'), loop: true, analysis: { fps: 10, width: 320 } }));
    const taken: CameraFrame[] = [];
    for await (const frame of source.frames()) {
      taken.push(frame);
      if (taken.length === 4) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const s = source.status();
    expect(s.dropped).toBeGreaterThan(10);
    // Everything received was either taken or dropped, save at most one frame in the mailbox.
    expect(s.framesIn - s.framesOut - s.dropped).toBeLessThanOrEqual(1);
    expect(s.framesOut).toBe(4);
    expect(s.fpsIn).toBeGreaterThan(5);
    expect(s.fpsOut).toBeLessThan(2);
    const gaps = taken.slice(1).map((f, i) => f.seq - (taken[i] as CameraFrame).seq);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(8);
  });

  it('close() ends ffmpeg: no child left behind', async () => {
    const source = open(camera({ id: 'closing', source: join(dir, 'short.avi'), loop: true }));
    await until('streaming', () => source.status().state === 'streaming');
    const pid = source.status().pid;
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid as number)).toBe(true);
    const t0 = Date.now();
    await source.close();
    expect(Date.now() - t0).toBeLessThan(2500); // `q` suffices; no SIGTERM/SIGKILL wait
    expect(isRunning(pid as number)).toBe(false);
    expect(source.status()).toMatchObject({ state: 'stopped', pid: null });
  });

  it('Ctrl-C to the process group: ffmpeg interrupted just before close() is not reported as a restart', async () => {
    const changes: StateChange[] = [];
    const source = open(camera({ id: 'ctrl-c', source: join(dir, 'short.avi'), loop: true }), changes);
    await until('streaming', () => source.status().state === 'streaming');
    process.kill(source.status().pid as number, 'SIGINT'); // what the terminal sends ffmpeg too
    await new Promise((r) => setTimeout(r, 300)); // the agent's own SIGINT handler starts a moment later
    await source.close();
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'streaming', 'stopped']);
  });

  it('ffmpeg interrupted while nobody is closing: restarted after a short grace', async () => {
    const changes: StateChange[] = [];
    const source = open(camera({ id: 'interrupted', source: join(dir, 'short.avi'), loop: true }), changes);
    await until('streaming', () => source.status().state === 'streaming');
    process.kill(source.status().pid as number, 'SIGINT');
    await until('streaming again', () => source.status().restarts === 1 && source.status().state === 'streaming');
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'streaming', 'backoff', 'connecting', 'streaming']);
    expect(changes[2]!.lastError).toMatch(/code 255/);
  });
});
