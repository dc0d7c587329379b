/**
 * Event clips from real recorded segments: real MPEG-TS segments of the pedestrian video (as the
 * recorder writes them: fixed length, timestamps reset per segment) indexed in a real store,
 * joined by the real ffmpeg into MP4 without re-encoding, authorised and audited.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInAs } from '../../../test/api-session.js';
import { expectMatches } from '../../../test/api-contract.js';
import { errorBody } from '../../wire/api/error.js';
import { clipInfo } from '../../wire/api/events.js';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../../test/fixtures.js';
import { ffprobeJson } from '../../../test/video-clips.js';
import { waitUntil } from '../../../test/wait-until.js';
import { createLogger } from '../../log/logger.js';
import { openStore, type Store } from '../../store/store.js';
import { buildApi, startApi } from '../server.js';
import type { ApiContext } from '../api-context.js';
import { concatList } from './clip-routes.js';

const run = promisify(execFile);
const T0 = Date.parse('2026-11-25T10:00:00+09:00');
const SEGMENT_MS = 10_000;

let dir: string;
let store: Store;
let ctx: ApiContext;
const lines: string[] = [];

function ffmpegChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg']).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-clips-'));
  store = openStore(join(dir, 'data'));
  const day = join(store.dataDir, 'recordings', 'shop', '2026-11-25');
  mkdirSync(day, { recursive: true });
  // Eight 10 s segments, a keyframe every second, at a high bitrate so one clip is tens of MB
  // (the viewer-goes-away test needs ffmpeg to still be writing when the viewer leaves).
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', PEDESTRIAN_VIDEO, '-an', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-qp', '12', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'segment', '-segment_time', '10', '-segment_format', 'mpegts', '-reset_timestamps', '1',
    join(day, 'shop-%02d.ts')]);
  readdirSync(day).sort().forEach((name, i) => {
    store.segments.add({ camera: 'shop', path: join('recordings', 'shop', '2026-11-25', name), startMs: T0 + i * SEGMENT_MS, endMs: T0 + (i + 1) * SEGMENT_MS, bytes: 1, container: 'mpegts' });
  });
  ctx = { log: createLogger('http', { write: (l) => lines.push(l) }), site: 'store-001', status: () => ({}), store: () => store };
}, 300_000);
afterAll(async () => {
  store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An ended event whose clip range is [from, to] ms after T0. */
function event(behaviour: 'emoney_lingering' | 'phone_at_atm', from: number, to: number, camera = 'shop'): string {
  const e = store.events.start({ camera, zone: 'cards', behaviour, severity: 'medium', trackId: 1, startedAt: T0 + from + 1000, phone: 'none', clipStart: T0 + from });
  store.events.end(e.id, T0 + to, { clipEnd: T0 + to });
  return e.id;
}

describe('GET /api/events/:id/clip.mp4', () => {
  it('joins the overlapping segments into an MP4 of the event with 5 s either side, and audits the view', async () => {
    const app = buildApi(ctx);
    const clerk = await logInAs(app, store, 'clerk');
    const id = event('emoney_lingering', 12_000, 25_000);
    const res = await app.inject({ url: `/api/events/${id}/clip.mp4`, headers: { cookie: clerk } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-disposition']).toBe(`inline; filename="event-${id}.mp4"`);
    // Fragmented MP4: ftyp, then an empty moov, then movie fragments.
    expect(res.rawPayload.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(res.rawPayload.includes(Buffer.from('moof'))).toBe(true);
    const file = join(dir, `${id}.mp4`);
    writeFileSync(file, res.rawPayload);
    const probe = await ffprobeJson(file);
    expect(probe.streams.map((s) => [s.codec_type, s.width, s.height])).toEqual([['video', 768, 576]]);
    // 7 s to 30 s: cut on the keyframes before (one a second), so 23 to 24 s.
    const duration = Number(probe.format.duration);
    expect(duration).toBeGreaterThan(22.5);
    expect(duration).toBeLessThan(25);

    const info = await app.inject({ url: `/api/events/${id}/clip`, headers: { cookie: clerk } });
    expect(expectMatches(clipInfo, info)).toEqual({
      eventId: id, camera: 'shop', from: new Date(T0 + 7000).toISOString(), to: new Date(T0 + 30_000).toISOString(),
      segments: 3, seconds: 23, url: `/api/events/${id}/clip.mp4`,
    });
    expect((await app.inject({ method: 'HEAD', url: `/api/events/${id}/clip.mp4`, headers: { cookie: clerk } })).statusCode).toBe(404);

    const [entry] = store.audit.list().filter((e) => e.subject === id);
    expect(entry).toMatchObject({ actor: 'clerk', action: 'clip.view', subject: id, details: { role: 'clerk', camera: 'shop', from: T0 + 7000, to: T0 + 30_000 } });
    expect(store.audit.verify().ok).toBe(true);
    await app.close();
  });

  it('lets banks see phone_at_atm clips only, and nobody without a session', async () => {
    const app = buildApi(ctx);
    const bank = await logInAs(app, store, 'bank');
    const investigator = await logInAs(app, store, 'investigator');
    const atm = event('phone_at_atm', 1000, 4000);
    const rack = event('emoney_lingering', 1000, 4000);
    const get = (id: string, cookie?: string) => app.inject({ url: `/api/events/${id}/clip.mp4`, headers: cookie ? { cookie } : {} });
    expect((await get(atm, bank)).statusCode).toBe(200);
    const refused = await get(rack, bank);
    expect(refused.statusCode).toBe(403);
    expect(expectMatches(errorBody, refused)).toEqual({ error: 'banks may see clips of phone_at_atm events only' });
    expect((await get(rack, investigator)).statusCode).toBe(200);
    expect((await get(rack)).statusCode).toBe(401);
    expect(store.audit.list({ limit: 1000 }).filter((e) => e.subject === rack).map((e) => e.actor)).toEqual(['investigator']);
    await app.close();
  });

  it('answers 404 naming the event when there is no footage, or no such event', async () => {
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const later = event('emoney_lingering', 3_600_000, 3_700_000);
    const res = await app.inject({ url: `/api/events/${later}/clip.mp4`, headers: { cookie: admin } });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: string }>().error).toMatch(new RegExp(`^no footage for event ${later} \\(camera shop, `));
    expect((await app.inject({ url: `/api/events/${later}/clip`, headers: { cookie: admin } })).json()).toEqual(res.json());
    const elsewhere = event('emoney_lingering', 1000, 4000, 'door');
    expect((await app.inject({ url: `/api/events/${elsewhere}/clip.mp4`, headers: { cookie: admin } })).statusCode).toBe(404);
    const missing = await app.inject({ url: '/api/events/00000000-0000-7000-8000-000000000000/clip.mp4', headers: { cookie: admin } });
    expect(missing.json()).toEqual({ error: 'no event 00000000-0000-7000-8000-000000000000' });
    expect((await app.inject({ url: '/api/events/a%20b/clip.mp4', headers: { cookie: admin } })).json()).toEqual({ error: 'params.id: must be an event id' });
    expect(store.audit.list({ limit: 1000 }).some((e) => e.subject === later || e.subject === elsewhere)).toBe(false);
    await app.close();
  });

  it('ends ffmpeg when the viewer goes away mid-clip', async () => {
    const server = await startApi('127.0.0.1', 0, ctx);
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    await app.close();
    const id = event('emoney_lingering', 0, 75_000); // the whole recording: tens of MB
    const req = http.get(`${server.url}api/events/${id}/clip.mp4`, { headers: { cookie: admin } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
    expect(res.statusCode).toBe(200);
    res.pause(); // a player that stopped reading: ffmpeg blocks on the full pipe
    await waitUntil('ffmpeg to be running', () => ffmpegChildren().length === 1, 10_000);
    req.destroy();
    await waitUntil('ffmpeg to be ended', () => ffmpegChildren().length === 0, 10_000);
    await server.close();
  });
});

describe('concatList', () => {
  it('cuts the first segment in and the last one out, and quotes paths', () => {
    const list = concatList([
      { path: "/d/it's.ts", startMs: 0, endMs: 10_000 },
      { path: '/d/b.ts', startMs: 10_000, endMs: 20_000 },
    ], 2500, 14_000);
    expect(list).toBe("ffconcat version 1.0\nfile '/d/it'\\''s.ts'\ninpoint 2.500\nfile '/d/b.ts'\noutpoint 4.000\n");
    expect(() => concatList([{ path: '/d/a\n.ts', startMs: 0, endMs: 1 }], 0, 1)).toThrow(/line break/);
  });
});
