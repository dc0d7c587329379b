/**
 * The whole agent on real files: two cameras, one good and one that cannot be opened. The good
 * one decodes, tracks, raises its behaviour, records segments; the bad one retries without
 * disturbing it; the HTTP status endpoint tells both; close() leaves no ffmpeg behind.
 */
import { expectShape } from '../test/api-contract.js';
import { agentStatus } from './wire/api/status.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../test/fixtures.js';
import { stillClip } from '../test/media-clips.js';
import { isRunning } from '../test/video-clips.js';
import { agentBrokerLogin } from '../test/broker-login.js';
import { waitUntil } from '../test/wait-until.js';
import { Agent } from './agent.js';
import { parseConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import { openStore } from './store/store.js';
import { hashPassword } from './auth/password.js';

function ffmpegChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg']).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

let dir: string;
let agent: Agent;
let pidsWhileStreaming: number[] = [];
let subscriber: mqtt.MqttClient | null = null;
const messages: { topic: string; payload: Record<string, unknown> | string; retain: boolean }[] = [];
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-agent-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 14, join(dir, 'standing.mp4'));
  const config = parseConfig({
    site: 'test-store',
    dataDir: join(dir, 'data'),
    http: { host: '127.0.0.1', port: 0, allowedOrigins: ['https://desk.example:8443'], login: { userFailures: 2 } },
    mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
    alerts: { clerkLanguage: 'ja', atmLanguages: ['ja', 'en'], dashboardUrl: 'http://127.0.0.1:8080/' },
    cameras: [
      {
        id: 'rack1', source: clip, analysis: { fps: 5, width: 640 }, record: { segmentSeconds: 5 },
        zones: [{ id: 'cards', kind: 'emoney_rack', dwellSeconds: 5, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
      },
      { id: 'broken', source: join(dir, 'no-such-camera.mp4') },
    ],
  });
  // A dashboard user, added the way `mimamori users add` does before the agent starts.
  const seedStore = openStore(join(dir, 'data'));
  seedStore.users.add({ username: 'clerk1', role: 'clerk', passwordHash: await hashPassword('correct horse battery') });
  seedStore.close();
  agent = new Agent(config, { log: createLogger('test', { level: 'info', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) }) });
  await agent.start();
  subscriber = await mqtt.connectAsync(agent.mqttUrl!, agentBrokerLogin(join(dir, 'data'), 'dashboard-test-store'));
  subscriber.on('message', (topic, payload, packet) => {
    const text = payload.toString();
    // The status and relay signal topics carry plain text (`online`/`offline`, `on`/`off`); the
    // agent's other messages are JSON; acks this test publishes itself (some deliberately
    // malformed) come back too and are skipped.
    if (topic.endsWith('/ack')) return;
    const plain = topic.endsWith('/status') || topic.endsWith('/clerk/signal');
    messages.push({ topic, payload: plain ? text : JSON.parse(text) as Record<string, unknown>, retain: packet.retain });
  });
  await subscriber.subscribeAsync('mimamori/test-store/#', { qos: 1 });
}, 60_000);

afterAll(async () => {
  await subscriber?.endAsync();
  await agent?.close();
});

describe('agent', () => {
  it('runs a file camera to its end, raising one event, while a broken camera retries', async () => {
    const status = () => agent.status();
    await waitUntil('rack1 to stream', () => status().cameras.find((c) => c.id === 'rack1')?.state === 'streaming', 30_000);
    pidsWhileStreaming = ffmpegChildren(); // rack1's decoder and recorder, at least
    expect(pidsWhileStreaming.length).toBeGreaterThanOrEqual(2);
    await waitUntil('rack1 to end', () => status().cameras.find((c) => c.id === 'rack1')?.state === 'ended', 60_000);
    await new Promise((r) => setTimeout(r, 500));
    // The very object /api/status sends, checked against its contract (wire/api/status.ts) at run time too.
    const [rack, broken] = expectShape(agentStatus, status()).cameras;
    // 14 s at 5 fps is 70 frames; a loaded 2-core CI machine analyses fewer, and the point is that it analyses.
    expect(rack!.analysedFrames).toBeGreaterThan(20);
    expect(broken!.state).toMatch(/backoff|connecting/);
    expect(broken!.lastError).toMatch(/broken/);
    expect(broken!.lastError).toMatch(/No such file/i);
    // Analysis tells the truth: the file camera's ended, the broken one waits for frames; neither is stalled.
    expect(rack).toMatchObject({ analysis: { state: 'stopped', reason: 'camera source ended', restarts: 0, frameErrors: 0 } });
    expect(broken).toMatchObject({ analysis: { state: 'running', reason: expect.stringMatching(/^waiting for frames: camera (backoff|connecting)$/) } });
    expect(agent.status().workers).toEqual({ size: 1, running: 1, respawns: 0 });

    const res = await fetch(`${agent.url}api/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { site: string; cameras: { id: string; recorder: Record<string, unknown> | null }[] };
    expect(body.site).toBe('test-store');
    expect(body.cameras.map((c) => c.id)).toEqual(['rack1', 'broken']);
    // An H.264 camera is recorded as it comes; a camera that never opened has no codec yet.
    expect(body.cameras[0]?.recorder).toMatchObject({ mode: 'copy', codec: 'h264', withoutVideo: 0 });
    expect(body.cameras[1]?.recorder).toMatchObject({ mode: null, codec: null });

    expect((await fetch(`${agent.url}api/events`)).status).toBe(401);
    const login = await fetch(`${agent.url}api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clerk1', password: 'correct horse battery' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const events = (await (await fetch(`${agent.url}api/events`, { headers: { cookie } })).json()) as { behaviour: string; endedAt: string | null; dwellSeconds: number; snapshot: boolean }[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ behaviour: 'emoney_lingering', snapshot: true });
    expect(events[0]!.endedAt).not.toBeNull();
    expect(events[0]!.dwellSeconds).toBeGreaterThan(10);

    const bad = await fetch(`${agent.url}api/events?limit=0`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'query.limit: must be a whole number from 1 to 1000' });

    // One JSON log line per state change, never per frame.
    expect(logs.length).toBeLessThan(60);
    expect(logs.some((l) => l.msg === 'camera state' && l.camera === 'broken' && l.state === 'backoff')).toBe(true);
  }, 90_000);

  it('publishes the event lifecycle and a clerk alert over the embedded broker, never an image', async () => {
    await waitUntil('the end message', () => messages.some((m) => m.topic === 'mimamori/test-store/rack1/events' && (m.payload as Record<string, unknown>).type === 'end'), 15_000);
    expect(messages.find((m) => m.topic === 'mimamori/test-store/status')).toMatchObject({ payload: 'online', retain: true });
    expect(messages.find((m) => m.topic === 'mimamori/test-store/health/analysis_stalled'))
      .toMatchObject({ payload: { alarm: 'analysis_stalled', active: false, cameras: [] }, retain: true });
    const events = messages.filter((m) => m.topic === 'mimamori/test-store/rack1/events').map((m) => m.payload as Record<string, unknown>);
    expect(events.map((e) => e.type)).toEqual(['start', ...events.slice(1, -1).map(() => 'update'), 'end']);
    const seqs = events.map((e) => e.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(1);
    expect(events[0]).toMatchObject({ behaviour: 'emoney_lingering', camera: 'rack1', zone: 'cards', severity: 'medium' });
    expect(events[0]!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    const alerts = messages.filter((m) => m.topic === 'mimamori/test-store/clerk/alerts');
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!.payload as Record<string, unknown>;
    expect(alert).toMatchObject({ eventId: events[0]!.eventId, behaviour: 'emoney_lingering', lang: 'ja', zone: 'cards', camera: 'rack1' });
    expect(alert.text).toMatch(/電話/);
    expect(alert.snapshotUrl).toBe(`http://127.0.0.1:8080/api/events/${String(events[0]!.eventId)}/snapshot`);
    // Events only: no image bytes, no snapshot paths on the device's disk.
    for (const m of messages) expect(JSON.stringify(m.payload)).not.toMatch(/jpe?g|base64|snapshots\//i);
    expect(messages.some((m) => m.topic.includes('/atm/'))).toBe(false);
    // The relay beside the register: off at start, on with the alert, off when the event ended.
    expect(messages.filter((m) => m.topic === 'mimamori/test-store/clerk/signal').map((m) => m.payload)).toEqual(['off', 'on', 'off']);
  }, 30_000);

  it('records a valid clerk ack on its event and ignores malformed or unknown ones', async () => {
    const eventId = String((messages.find((m) => m.topic === 'mimamori/test-store/clerk/alerts')!.payload as Record<string, unknown>).eventId);
    const ackTopic = (id: string): string => `mimamori/test-store/clerk/alerts/${id}/ack`;
    await subscriber!.publishAsync(ackTopic(eventId), 'not json', { qos: 1 });
    await subscriber!.publishAsync(ackTopic(eventId), JSON.stringify({ by: 'x'.repeat(65) }), { qos: 1 });
    await subscriber!.publishAsync(ackTopic('00000000-0000-7000-8000-000000000000'), JSON.stringify({ by: 'tanaka' }), { qos: 1 });
    await subscriber!.publishAsync(ackTopic('..'), JSON.stringify({ by: 'tanaka' }), { qos: 1 });
    await subscriber!.publishAsync(ackTopic(eventId), JSON.stringify({ by: 'tanaka', at: '2026-11-25T14:05:00.000+09:00' }), { qos: 1 });
    await waitUntil('the ack to be recorded', () => logs.some((l) => l.msg === 'event acknowledged'), 5_000);
    // One line per cause per minute: the second bad payload (a too-long `by`) is held back and
    // counted, to be written with `suppressed: 1` when the minute ends.
    const ignored = logs.filter((l) => l.msg === 'ack ignored').map((l) => [l.cause, l.reason]);
    expect(ignored).toEqual([
      ['payload', 'payload is not JSON'],
      ['event', 'no such event'],
      ['topic', 'event id in the topic is malformed'],
    ]);
    expect(logs.find((l) => l.msg === 'event acknowledged')).toMatchObject({ event: eventId, by: 'tanaka' });
    expect((await fetch(`${agent.url}api/status`)).status).toBe(200); // still running
  }, 20_000);

  it('applies the config\'s http section: allowed origins and login limits', async () => {
    const post = (path: string, headers: Record<string, string>, body: unknown = {}) =>
      fetch(`${agent.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post('api/logout', { origin: 'https://desk.example:8443' })).status).toBe(200);
    expect((await post('api/logout', { origin: 'http://127.0.0.1:1' })).status).toBe(403);
    const wrong = { username: 'nobody', password: 'not a password' };
    expect([(await post('api/login', {}, wrong)).status, (await post('api/login', {}, wrong)).status]).toEqual([401, 401]);
    const third = await post('api/login', {}, wrong);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('30');
  });

  it('indexes recorded segments and stops every ffmpeg on close', async () => {
    await agent.close();
    expect(ffmpegChildren()).toEqual([]);
    for (const pid of pidsWhileStreaming) expect(isRunning(pid)).toBe(false);
    const store = openStore(join(dir, 'data'));
    try {
      const segments = store.segments.list({ camera: 'rack1', from: 0, to: Date.now() + 1 });
      expect(segments.length).toBeGreaterThanOrEqual(2);
      for (const s of segments) {
        expect(existsSync(store.resolve(s.path))).toBe(true);
        expect(s.bytes).toBeGreaterThan(0);
      }
      expect(store.events.list({ open: true })).toEqual([]);
      const [event] = store.events.list();
      expect(store.acks.forEvent(event!.id)).toEqual([
        expect.objectContaining({ by: 'tanaka', source: 'mqtt', ackedAt: Date.parse('2026-11-25T05:05:00.000Z') }),
      ]);
    } finally {
      store.close();
    }
  }, 30_000);
});
