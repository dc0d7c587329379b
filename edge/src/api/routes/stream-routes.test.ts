/**
 * The SSE routes on a real socket, fed by the real alert path (EventRecorder → AlertDispatcher →
 * live tee → SQLite outbox), read by a plain fetch() client the way EventSource reads them.
 */
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { AlertDispatcher } from '../../alerts/alert-dispatcher.js';
import { EventRecorder } from '../../pipeline/events/event-recorder.js';
import type { Role, Store } from '../../store/store.js';
import { episode } from '../../../test/event-steps.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { errorBody } from '../../wire/api/error.js';
import { kioskCheck, kioskStreamMessage, staffStreamMessage } from '../../wire/api/live.js';
import { waitUntil } from '../../../test/wait-until.js';
import { hashPassword } from '../../auth/password.js';
import { registerSessionRoutes } from '../auth/session-routes.js';
import { LiveBus } from '../live/live-bus.js';
import { buildApi, startApi, type ApiServer } from '../server.js';
import type { ApiContext } from '../api-context.js';
import { streamRoutes } from './stream-routes.js';

const newStore = useTempStores('mimamori-stream-');
const SITE = 'store-001';
const PASSWORD = 'correct horse battery';
const KIOSK_ATM1 = 'kiosk-token-atm1-aaaaaaaaaaaaaaaaaaaaaaaaaaa';
const KIOSK_ATM2 = 'kiosk-token-atm2-bbbbbbbbbbbbbbbbbbbbbbbbbbb';
const log = createLogger('stream-test', { level: 'warn', write: () => {} });

const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Site {
  store: Store;
  ctx: ApiContext;
  bus: LiveBus;
  recorder: EventRecorder;
}

async function site(): Promise<Site> {
  const store = newStore();
  const hash = await hashPassword(PASSWORD);
  for (const role of ['clerk', 'bank', 'investigator', 'admin'] as Role[]) store.users.add({ username: role, role, passwordHash: hash });
  store.users.addKioskToken('atm1', KIOSK_ATM1);
  store.users.addKioskToken('atm2', KIOSK_ATM2);
  const config = parseConfig({ site: SITE, alerts: { atmLanguages: ['ja', 'en'] } }).alerts;
  const bus = new LiveBus(SITE, { atmLanguages: config.atmLanguages });
  const outbox = bus.tee(store.outbox);
  const alerts = new AlertDispatcher(SITE, outbox, config, log);
  alerts.start();
  closers.push(() => alerts.close());
  const recorder = new EventRecorder(store, log, (e) => alerts.handle(e));
  const ctx: ApiContext = {
    log, site: SITE, status: () => ({}), store: () => store,
    live: { bus, enqueue: (m) => outbox.enqueue(m), acknowledged: (id) => alerts.acknowledged(id) },
  };
  return { store, ctx, bus, recorder };
}

type Msg = Record<string, unknown> & { kind: string; data?: Record<string, unknown> };

interface SseClient {
  readonly messages: Msg[];
  /** Resolves when the server ends the stream (or the client aborts it). */
  readonly ended: Promise<void>;
  next(what: string, match: (m: Msg) => boolean): Promise<Msg>;
  close(): void;
}

/**
 * Reads an SSE response as EventSource does: blocks split by a blank line, `data:` lines joined.
 * Every message is checked against the stream's contract; next() fails on the first that does not match.
 */
async function sse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const contract = new URL(url).pathname.startsWith('/api/atm/') ? kioskStreamMessage : staffStreamMessage;
  const messages: Msg[] = [];
  const mismatches: string[] = [];
  const ended = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const data = buffer.slice(0, i).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          buffer = buffer.slice(i + 2);
          if (!data) continue;
          const message = JSON.parse(data) as Msg;
          const checked = contract.safeParse(message);
          if (!checked.success) mismatches.push(`${data}: ${checked.error.message}`);
          messages.push(message);
        }
      }
    } catch {
      // Aborted by the client, or the connection cut by the server (shutdown): the stream is over
      // either way, which is all an EventSource can tell too.
    }
  })();
  closers.push(() => controller.abort());
  return {
    messages,
    ended,
    async next(what, match) {
      await waitUntil(what, () => messages.some(match) || mismatches.length > 0, 10_000);
      expect(mismatches, 'stream messages that do not match the contract').toEqual([]);
      return messages.find(match)!;
    },
    close: () => controller.abort(),
  };
}

async function cookieFor(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function serve(s: Site): Promise<ApiServer> {
  const server = await startApi('127.0.0.1', 0, s.ctx);
  closers.push(() => server.close());
  return server;
}

/** Session and stream routes only, pinging every 50 ms: a ping is a barrier in each stream. */
async function servePinging(s: Site): Promise<string> {
  const app = Fastify();
  registerSessionRoutes(app, s.ctx);
  streamRoutes({ heartbeatMs: 50 })(app, s.ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  closers.push(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}/`;
}

/** A ping sent after `sinceMs`: everything written to the stream before then has arrived. */
const pingAfter = (sinceMs: number) => (m: Msg) => m.kind === 'ping' && Date.parse(m.at as string) > sinceMs;

const T0 = Date.parse('2026-11-25T14:00:00+09:00');

describe('live streams', () => {
  it('needs a session, or a kiosk token of that very ATM; bad input is a 400 naming the field', async () => {
    const s = await site();
    const app = buildApi(s.ctx);
    closers.push(() => app.close());
    expect((await app.inject('/api/stream')).statusCode).toBe(401);
    const missing = await app.inject('/api/atm/atm1/stream');
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: string }>().error).toMatch(/^query\.token: required/);
    const malformed = await app.inject('/api/atm/atm1/stream?token=short');
    expect(expectMatches(errorBody, malformed)).toEqual({ error: 'query.token: must be a kiosk token' });
    const badAtm = await app.inject(`/api/atm/..%2Fetc/stream?token=${KIOSK_ATM1}`);
    expect(badAtm.statusCode).toBe(400);
    expect(badAtm.json<{ error: string }>().error).toMatch(/^params\.atmId/);
    const wrong = await app.inject('/api/atm/atm1/stream?token=not-a-real-kiosk-token-at-all-000000');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: 'query.token: not a kiosk token of ATM atm1' });
    // atm2's token does not open atm1's stream.
    expect((await app.inject(`/api/atm/atm1/stream?token=${KIOSK_ATM2}`)).statusCode).toBe(401);
    expect((await app.inject(`/api/atm/atm1/kiosk?token=${KIOSK_ATM2}`)).statusCode).toBe(401);
    const ok = await app.inject(`/api/atm/atm1/kiosk?token=${KIOSK_ATM1}`);
    expect(ok.statusCode).toBe(200);
    expect(expectMatches(kioskCheck, ok)).toEqual({ atmId: 'atm1', site: SITE });
    s.store.users.revokeKioskTokens('atm1');
    expect((await app.inject(`/api/atm/atm1/kiosk?token=${KIOSK_ATM1}`)).statusCode).toBe(401);
  });

  it('filters by role: clerks never get ATM warnings, banks never get clerk alerts, a kiosk only its ATM', async () => {
    const s = await site();
    const url = await servePinging(s);
    const open = async (role: Role) => sse(`${url}api/stream`, { cookie: await cookieFor(url, role) });
    const clerk = await open('clerk');
    const bank = await open('bank');
    const admin = await open('admin');
    const kiosk1 = await sse(`${url}api/atm/atm1/stream?token=${KIOSK_ATM1}`);
    const kiosk2 = await sse(`${url}api/atm/atm2/stream?token=${KIOSK_ATM2}`);
    for (const c of [clerk, bank, admin, kiosk1, kiosk2]) await c.next('the state message', (m) => m.kind === 'state');
    expect(clerk.messages[0]).toMatchObject({ kind: 'state', role: 'clerk', clerkAlerts: [], signal: 'off' });
    expect(clerk.messages[0]).not.toHaveProperty('atmWarnings');
    expect(bank.messages[0]).toEqual({ kind: 'state', role: 'bank', now: expect.any(String), atmWarnings: {}, atmLanguages: ['ja', 'en'] });
    expect(kiosk1.messages[0]).toEqual({ kind: 'state', atmId: 'atm1', now: expect.any(String), warning: null, atmLanguages: ['ja', 'en'] });

    const atm = episode(T0, { atmId: 'atm1' });
    const rack = episode(T0, { behaviour: 'emoney_lingering' });
    await s.recorder.handle(atm.start('high'), null);
    await s.recorder.handle(rack.start('medium'), null);
    await s.recorder.handle(atm.end(T0 + 20_000), null);
    const sent = Date.now();
    for (const c of [clerk, bank, admin, kiosk1, kiosk2]) await c.next('a ping after the messages', pingAfter(sent));

    const kinds = (c: SseClient) => c.messages.filter((m) => m.kind !== 'state' && m.kind !== 'ping').map((m) => m.kind);
    expect(new Set(kinds(clerk))).toEqual(new Set(['event', 'clerk_alert', 'signal']));
    expect(clerk.messages.filter((m) => m.kind === 'event').map((m) => m.data!.behaviour)).toContain('emoney_lingering');
    expect(new Set(kinds(bank))).toEqual(new Set(['event', 'atm_warning']));
    expect(bank.messages.filter((m) => m.kind === 'event').every((m) => m.data!.behaviour === 'phone_at_atm')).toBe(true);
    expect(new Set(kinds(admin))).toEqual(new Set(['event', 'atm_warning', 'clerk_alert', 'signal']));
    const warnings = kiosk1.messages.filter((m) => m.kind === 'atm_warning');
    expect(kinds(kiosk1)).toEqual(['atm_warning', 'atm_warning']);
    expect(warnings[0]).toMatchObject({ atmId: 'atm1', data: { action: 'show', languages: ['ja', 'en'] } });
    expect((warnings[0]!.data!.texts as Record<string, string>).ja).toMatch(/ATM/);
    expect(warnings[1]).toMatchObject({ atmId: 'atm1', data: { action: 'clear' } });
    expect(kinds(kiosk2)).toEqual([]);
    // Every live message carries the outbox seq, increasing.
    const seqs = admin.messages.filter((m) => m.kind !== 'state' && m.kind !== 'ping').map((m) => m.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('starts with the current state, so a screen that reconnects catches up', async () => {
    const s = await site();
    const server = await serve(s);
    const atm = episode(T0, { atmId: 'atm1' });
    // A warning that shows until 60 s after now, so it is current whatever the test's clock.
    await s.recorder.handle({ ...atm.start('high'), atMs: Date.now(), startedAtMs: Date.now() }, null);
    const clerk = await sse(`${server.url}api/stream`, { cookie: await cookieFor(server.url, 'clerk') });
    const state = await clerk.next('the state', (m) => m.kind === 'state');
    const alerts = state.clerkAlerts as { alert: Record<string, unknown>; status: string }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ status: 'open', alert: { behaviour: 'phone_at_atm', zone: 'atm-front', camera: 'atmcam', lang: 'ja' } });
    expect(state.signal).toBe('on');
    const kiosk = await sse(`${server.url}api/atm/atm1/stream?token=${KIOSK_ATM1}`);
    const kioskState = await kiosk.next('the kiosk state', (m) => m.kind === 'state');
    expect(kioskState.warning).toMatchObject({ action: 'show', messageKey: 'atm.phone_call', eventId: alerts[0]!.alert.eventId });
    const other = await sse(`${server.url}api/atm/atm2/stream?token=${KIOSK_ATM2}`);
    expect((await other.next('atm2 state', (m) => m.kind === 'state')).warning).toBeNull();
  });

  it('pings, and ends a stream at the next ping once its session ends or its kiosk token is revoked', async () => {
    const s = await site();
    const url = await servePinging(s);
    const cookie = await cookieFor(url, 'clerk');
    const clerk = await sse(`${url}api/stream`, { cookie });
    const kiosk = await sse(`${url}api/atm/atm1/stream?token=${KIOSK_ATM1}`);
    await clerk.next('a ping', (m) => m.kind === 'ping');
    await kiosk.next('a ping', (m) => m.kind === 'ping');
    expect((await fetch(`${url}api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(200);
    await clerk.ended;
    s.store.users.revokeKioskTokens('atm1');
    await kiosk.ended;
    expect(s.bus.subscribers).toBe(0);
  });

  it('lets the API server close with streams open, ending them', async () => {
    const s = await site();
    const server = await startApi('127.0.0.1', 0, s.ctx);
    const clerk = await sse(`${server.url}api/stream`, { cookie: await cookieFor(server.url, 'clerk') });
    const kiosk = await sse(`${server.url}api/atm/atm1/stream?token=${KIOSK_ATM1}`);
    await clerk.next('state', (m) => m.kind === 'state');
    await kiosk.next('state', (m) => m.kind === 'state');
    expect(s.bus.subscribers).toBe(2);
    await server.close();
    await Promise.all([clerk.ended, kiosk.ended]);
    expect(s.bus.subscribers).toBe(0);

    // fastify's own close() (no connections cut first) ends the streams itself before it waits.
    const app = buildApi(s.ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const again = await sse(`http://127.0.0.1:${port}/api/atm/atm1/stream?token=${KIOSK_ATM1}`);
    await again.next('state', (m) => m.kind === 'state');
    await app.close();
    await again.ended;
    expect(s.bus.subscribers).toBe(0);
  });
});
