import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { useTempStores } from '../../test/temp-store.js';
import type { Store } from '../store/store.js';
import { buildApi, startApi, type ApiServer } from './server.js';
import type { ApiContext } from './api-context.js';
import { HttpError } from './http-error.js';
import { hashPassword } from '../auth/password.js';
import type { Role } from '../store/store.js';
import type { FastifyInstance } from 'fastify';
import { expectMatches } from '../../test/api-contract.js';
import { eventList } from '../wire/api/events.js';
import { agentStatus, type AgentStatus } from '../wire/api/status.js';

const newStore = useTempStores('mimamori-api-');
const T0 = Date.parse('2026-11-25T10:00:00+09:00');

function context(store: Store, lines: string[] = [], status: () => unknown = () => ({ site: 'store-001', cameras: [] })): ApiContext {
  return { log: createLogger('http', { write: (l) => lines.push(l) }), site: 'store-001', status, store: () => store };
}

function seed(store: Store): void {
  store.events.start({ camera: 'atm1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 3, startedAt: T0, phone: 'call' });
  store.events.start({ camera: 'shop', zone: 'cards', behaviour: 'emoney_lingering', severity: 'medium', trackId: 7, startedAt: T0 + 1000, phone: 'none' });
}

const PASSWORD = 'correct horse battery';

/** A status as agent.ts builds it: one camera recording, one paused by storage_full, a cleaner run. */
const STATUS: AgentStatus = {
  site: 'store-001',
  startedAt: '2026-11-25T10:00:00.000+09:00',
  mqtt: { url: 'mqtt://127.0.0.1:1883', embedded: true, connected: true, pending: 0 },
  cameras: [
    {
      id: 'atm1', state: 'streaming', since: '2026-11-25T10:00:01.000+09:00', lastFrameAt: '2026-11-25T10:05:00.000Z', fpsIn: 15, fpsOut: 5,
      dropped: 3, restarts: 0, lastError: null, analysedFrames: 1500, gated: 300, events: 2, analyseMs: 41.5, trackMs: 0.4,
      analysis: { state: 'running', since: '2026-11-25T10:00:02.000+09:00', reason: null, frameErrors: 0, restarts: 0 },
      recorder: { state: 'streaming', segments: 5, mode: 'copy', codec: 'h264', withoutVideo: 0 },
    },
    {
      id: 'rack1', state: 'backoff', since: '2026-11-25T10:04:00.000+09:00', lastFrameAt: null, fpsIn: 0, fpsOut: 0,
      dropped: 0, restarts: 2, lastError: 'rack1: Connection refused', analysedFrames: 0, gated: 0, events: 0, analyseMs: 0, trackMs: 0,
      analysis: { state: 'running', since: '2026-11-25T10:00:02.000+09:00', reason: 'waiting for frames: camera backoff', frameErrors: 0, restarts: 0 },
      recorder: { state: 'paused', reason: 'storage_full' },
    },
  ],
  workers: { size: 1, running: 1, respawns: 0 },
  storage: {
    storageFull: true, since: '2026-11-25T10:03:00.000+09:00', recordingPaused: true, usedBytes: 9e9, budgetBytes: 8e9, measure: 'disk',
    disk: { freeBytes: 1e8, reserveBytes: 64 * 1024 * 1024, writeFailures: 1 },
    lastRun: { at: '2026-11-25T10:03:00.000+09:00', deleted: 0, bytesFreed: 0, ms: 12, complete: true },
  },
};

/** Adds a user and logs in through the API; returns the Cookie header value. */
async function login(app: FastifyInstance, store: Store, username: string, role: Role): Promise<string> {
  store.users.add({ username, role, passwordHash: await hashPassword(PASSWORD) });
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('HTTP API', () => {
  const servers: ApiServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('serves the agent status as JSON, never cached', async () => {
    const app = buildApi(context(newStore(), [], () => STATUS));
    const res = await app.inject({ method: 'GET', url: '/api/status' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(expectMatches(agentStatus, res)).toEqual(STATUS);
    await app.close();
  });

  it('lists events newest first and filters by camera and behaviour', async () => {
    const store = newStore();
    seed(store);
    const app = buildApi(context(store));
    const cookie = await login(app, store, 'clerk1', 'clerk');
    const get = (url: string) => app.inject({ url, headers: { cookie } });
    const all = expectMatches(eventList, await get('/api/events'));
    expect(all.map((e) => e.camera)).toEqual(['shop', 'atm1']);
    const atm = expectMatches(eventList, await get('/api/events?behaviour=phone_at_atm'));
    expect(atm).toHaveLength(1);
    expect(atm[0]).toMatchObject({ camera: 'atm1', trackId: 3, phone: 'call', snapshot: false });
    expect((await get('/api/events?camera=shop&limit=1')).json<unknown[]>()).toHaveLength(1);
    await app.close();
  });

  it('refuses bad queries with a 400 naming each field', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    const cookie = await login(app, store, 'admin', 'admin');
    const res = await app.inject({ url: '/api/events?limit=0&behaviour=loitering', headers: { cookie } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{ error: string }>();
    expect(error).toContain('query.limit: must be a whole number from 1 to 1000');
    expect(error).toContain('query.behaviour: must be one of phone_at_atm, emoney_lingering');
    const traversal = await app.inject({ url: '/api/events?camera=../../etc', headers: { cookie } });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json<{ error: string }>().error).toContain('query.camera');
    const unknown = await app.inject({ url: '/api/events?drop=table', headers: { cookie } });
    expect(unknown.statusCode).toBe(400);
    await app.close();
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = buildApi(context(newStore()));
    const res = await app.inject('/api/nothing?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no route GET /api/nothing' });
    await app.close();
  });

  it('hides internal faults from the client and logs them with the path', async () => {
    const lines: string[] = [];
    const app = buildApi(context(newStore(), lines, () => {
      throw new Error('disk on fire at /var/secret');
    }));
    const res = await app.inject('/api/status');
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe(JSON.stringify({ error: 'Internal Server Error' }));
    expect(res.body).not.toContain('secret');
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; path: string; err: { message: string } });
    expect(logged).toEqual([expect.objectContaining({ msg: 'http request failed', path: '/api/status' })]);
    expect(logged[0]!.err.message).toContain('disk on fire');
    await app.close();
  });

  it('passes HttpError status codes through', async () => {
    const store = newStore();
    let open = true;
    const app = buildApi({ ...context(store), store: () => {
      if (!open) throw new HttpError(503, 'store not open');
      return store;
    } });
    const cookie = await login(app, store, 'clerk1', 'clerk');
    open = false;
    const res = await app.inject({ url: '/api/events', headers: { cookie } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'store not open' });
    await app.close();
  });

  it('listens on a real socket and closes with a keep-alive client connected', async () => {
    const store = newStore();
    seed(store);
    store.users.add({ username: 'inv', role: 'investigator', passwordHash: await hashPassword(PASSWORD) });
    const server = await startApi('127.0.0.1', 0, context(store));
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const loggedIn = await fetch(`${server.url}api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inv', password: PASSWORD }),
    });
    const cookie = loggedIn.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${server.url}api/events`, { headers: { connection: 'keep-alive', cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(2);
    await server.close();
    await expect(fetch(`${server.url}api/status`)).rejects.toThrow();
  });

  it('refuses a state-changing request from a foreign origin before any route runs: a legal hold stays held', async () => {
    const store = newStore();
    store.users.add({ username: 'inv', role: 'investigator', passwordHash: await hashPassword(PASSWORD) });
    const hold = store.holds.create({
      caseNumber: '2026-CSRF', officer: 'Sato', station: 'Shinjuku', reason: 'fraud', fromMs: T0, toMs: T0 + 60_000, cameras: [], createdBy: 'inv',
    });
    const server = await startApi('127.0.0.1', 0, { ...context(store), http: { allowedOrigins: ['https://desk.example:8443'], login: { userFailures: 5, addressFailures: 20, lockoutSeconds: 30, maxLockoutSeconds: 900 } } });
    servers.push(server);
    const own = server.url.slice(0, -1);
    const loggedIn = await fetch(`${server.url}api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: own }, body: JSON.stringify({ username: 'inv', password: PASSWORD }),
    });
    expect(loggedIn.status).toBe(200);
    const cookie = loggedIn.headers.get('set-cookie')!.split(';')[0]!;
    // Body-less, as a <form> or fetch from a page on another port of the same host sends it.
    const release = (headers: Record<string, string>) => fetch(`${server.url}api/holds/${hold.id}/release`, { method: 'POST', headers: { cookie, ...headers } });

    const otherPort = own.replace(/:\d+$/, ':8081');
    for (const headers of [
      { origin: otherPort },
      { origin: 'null' },
      { origin: own.replace('http:', 'https:') },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: own },
    ] as Record<string, string>[]) {
      const res = await release(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/^cross-origin request refused: /);
    }
    const refused = await release({ origin: otherPort });
    expect(((await refused.json()) as { error: string }).error).toBe(
      `cross-origin request refused: Origin ${otherPort} is not this agent (${own}) nor in http.allowedOrigins`,
    );
    // Refused before login too: a foreign page cannot even try passwords with the browser.
    const foreignLogin = await fetch(`${server.url}api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: otherPort }, body: JSON.stringify({ username: 'inv', password: PASSWORD }),
    });
    expect(foreignLogin.status).toBe(403);
    expect(store.holds.get(hold.id)?.releasedAt).toBeNull();
    // Reads are not state changes; the same Origin may GET.
    expect((await fetch(`${server.url}api/holds`, { headers: { cookie, origin: otherPort } })).status).toBe(200);

    // The agent's own pages, a configured origin and a non-browser client (no Origin, no Sec-Fetch-Site) pass on to the normal checks.
    expect((await release({ origin: own, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const second = store.holds.create({
      caseNumber: '2026-CSRF-2', officer: 'Sato', station: 'Shinjuku', reason: 'fraud', fromMs: T0, toMs: T0 + 60_000, cameras: [], createdBy: 'inv',
    });
    const viaProxy = await fetch(`${server.url}api/holds/${second.id}/release`, { method: 'POST', headers: { cookie, origin: 'https://DESK.example:8443', 'sec-fetch-site': 'cross-site' } });
    expect(viaProxy.status).toBe(200);
    const third = store.holds.create({
      caseNumber: '2026-CSRF-3', officer: 'Sato', station: 'Shinjuku', reason: 'fraud', fromMs: T0, toMs: T0 + 60_000, cameras: [], createdBy: 'inv',
    });
    expect((await fetch(`${server.url}api/holds/${third.id}/release`, { method: 'POST', headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${server.url}api/holds/${third.id}/release`, { method: 'POST' })).status).toBe(401);
  });
});
