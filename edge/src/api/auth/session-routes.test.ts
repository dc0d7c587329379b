import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../log/logger.js';
import type { Role, Store } from '../../store/store.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { loggedOut, session } from '../../wire/api/sessions.js';
import { buildApi } from '../server.js';
import { requireRole } from './guard.js';
import { hashPassword } from '../../auth/password.js';
import { startApi } from '../server.js';

const newStore = useTempStores('mimamori-auth-');
const PASSWORD = 'correct horse battery';

async function setup(users: [string, Role][]): Promise<{ app: FastifyInstance; store: Store; logs: string[] }> {
  const store = newStore();
  for (const [username, role] of users) store.users.add({ username, role, passwordHash: await hashPassword(PASSWORD) });
  const logs: string[] = [];
  const app = buildApi(ctx(store, logs));
  return { app, store, logs };
}

const ctx = (store: Store, logs: string[] = []) =>
  ({ log: createLogger('http', { write: (l: string) => logs.push(l) }), site: 's', status: () => ({ ok: true }), store: () => store });

const loginAs = (app: FastifyInstance, username: string, password = PASSWORD) =>
  app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
const cookieOf = (res: { headers: Record<string, unknown> }): string => String(res.headers['set-cookie']).split(';')[0]!;

describe('sessions and roles', () => {
  it('logs in with an HttpOnly SameSite=Strict cookie that stores only a hash server-side', async () => {
    const { app, store } = await setup([['clerk1', 'clerk']]);
    const res = await loginAs(app, 'clerk1');
    expect(res.statusCode).toBe(200);
    expect(expectMatches(session, res)).toMatchObject({ username: 'clerk1', role: 'clerk' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^mimamori_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const token = cookieOf(res).split('=')[1]!;
    const raw = JSON.stringify(store.users.list()) + JSON.stringify(store.users.session(token));
    expect(raw).not.toContain(token);
    const me = await app.inject({ url: '/api/session', headers: { cookie: cookieOf(res) } });
    expect(expectMatches(session, me)).toMatchObject({ username: 'clerk1', role: 'clerk' });
    await app.close();
  });

  it('answers a wrong password and an unknown user alike, and logs the refusal', async () => {
    const { app, logs } = await setup([['clerk1', 'clerk']]);
    const wrong = await loginAs(app, 'clerk1', 'not the password');
    const unknown = await loginAs(app, 'nobody');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(logs.filter((l) => l.includes('login refused'))).toHaveLength(2);
    const bad = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'clerk1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: string }>().error).toContain('body.password');
    await app.close();
  });

  it('guards routes by role: no session 401, wrong role 403, admin everything; banks see only ATM events', async () => {
    const { app, store } = await setup([['clerk1', 'clerk'], ['bank1', 'bank'], ['root', 'admin']]);
    app.get('/api/test-investigators', { preHandler: requireRole(ctx(store), 'investigator') }, () => ({ ok: true }));
    store.events.start({ camera: 'atm1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 1, startedAt: 1_000, phone: 'call' });
    store.events.start({ camera: 'shop', zone: 'cards', behaviour: 'emoney_lingering', severity: 'medium', trackId: 2, startedAt: 2_000, phone: 'none' });
    expect((await app.inject('/api/events')).statusCode).toBe(401);
    const bank = cookieOf(await loginAs(app, 'bank1'));
    const bankEvents = (await app.inject({ url: '/api/events', headers: { cookie: bank } })).json<{ behaviour: string }[]>();
    expect(bankEvents.map((e) => e.behaviour)).toEqual(['phone_at_atm']);
    expect((await app.inject({ url: '/api/events?behaviour=emoney_lingering', headers: { cookie: bank } })).json()).toEqual([]);
    const clerk = cookieOf(await loginAs(app, 'clerk1'));
    expect((await app.inject({ url: '/api/events', headers: { cookie: clerk } })).json<unknown[]>()).toHaveLength(2);
    const admin = cookieOf(await loginAs(app, 'root'));
    expect((await app.inject({ url: '/api/events', headers: { cookie: admin } })).json<unknown[]>()).toHaveLength(2);
    // A route for investigators only (added above): a clerk is refused by role, admin is let in.
    const refused = await app.inject({ url: '/api/test-investigators', headers: { cookie: clerk } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: 'needs role investigator' });
    expect((await app.inject({ url: '/api/test-investigators', headers: { cookie: admin } })).statusCode).toBe(200);
    // A forged or malformed cookie is no session.
    expect((await app.inject({ url: '/api/events', headers: { cookie: 'mimamori_session=forged-token-forged-token-forged' } })).statusCode).toBe(401);
    await app.close();
  });

  it('status is open to the device itself and needs a session from the network', async () => {
    const { app } = await setup([['clerk1', 'clerk']]);
    expect((await app.inject({ url: '/api/status' })).statusCode).toBe(200);
    const remote = await app.inject({ url: '/api/status', remoteAddress: '192.168.1.20' });
    expect(remote.statusCode).toBe(401);
    const cookie = cookieOf(await loginAs(app, 'clerk1'));
    expect((await app.inject({ url: '/api/status', remoteAddress: '192.168.1.20', headers: { cookie } })).statusCode).toBe(200);
    await app.close();
  });

  it('logout and disabling a user end the session at once', async () => {
    const { app, store } = await setup([['clerk1', 'clerk'], ['clerk2', 'clerk']]);
    const one = cookieOf(await loginAs(app, 'clerk1'));
    const out = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: one } });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect(expectMatches(loggedOut, out)).toEqual({ ok: true });
    expect((await app.inject({ url: '/api/session', headers: { cookie: one } })).statusCode).toBe(401);
    const two = cookieOf(await loginAs(app, 'clerk2'));
    store.users.disable('clerk2');
    expect((await app.inject({ url: '/api/events', headers: { cookie: two } })).statusCode).toBe(401);
    expect((await loginAs(app, 'clerk2')).statusCode).toBe(401);
    await app.close();
  });

  it('expires sessions after the shift length', async () => {
    let now = Date.parse('2026-11-25T09:00:00+09:00');
    const store = newStore({ now: () => now });
    store.users.add({ username: 'clerk1', role: 'clerk', passwordHash: await hashPassword(PASSWORD) });
    const app = buildApi({ log: createLogger('http', { write: () => undefined }), site: 's', status: () => ({}), store: () => store });
    const cookie = cookieOf(await loginAs(app, 'clerk1'));
    now += 12 * 3600_000 - 1;
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(200);
    now += 1;
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    expect(store.users.pruneSessions()).toBe(1);
    await app.close();
  });

  it('answers 200 wrong passwords in a row with a few 401s, then 429 + Retry-After without checking; unknown users alike', async () => {
    const store = newStore();
    store.users.add({ username: 'clerk1', role: 'clerk', passwordHash: await hashPassword(PASSWORD) });
    const logs: string[] = [];
    const login = { userFailures: 5, addressFailures: 1000, lockoutSeconds: 30, maxLockoutSeconds: 900 };
    const app = buildApi({ ...ctx(store, logs), http: { allowedOrigins: [], login } });
    const statuses = (answers: { statusCode: number }[]) => answers.map((a) => a.statusCode);
    const known: { statusCode: number; headers: Record<string, unknown>; body: string }[] = [];
    for (let i = 0; i < 200; i += 1) known.push(await loginAs(app, 'clerk1', `guess number ${i}`));
    expect(statuses(known.slice(0, 5))).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses(known.slice(5)))).toEqual(new Set([429]));
    expect(known[5]!.headers['retry-after']).toBe('30');
    expect(JSON.parse(known[5]!.body)).toEqual({ error: 'too many wrong logins; try again in 30 s' });
    // The right password is not even checked while the name must wait: guessing cannot go on.
    const right = await loginAs(app, 'clerk1');
    expect(right.statusCode).toBe(429);
    expect(right.headers['set-cookie']).toBeUndefined();
    // A name that does not exist gets exactly the same answers.
    const unknown = [];
    for (let i = 0; i < 7; i += 1) unknown.push(await loginAs(app, 'nobody', `guess number ${i}`));
    expect(statuses(unknown)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(unknown[5]!.body).toBe(known[5]!.body);
    // Logged per wrong login checked, once per backoff started, and the 429s at most once a minute.
    const msgs = logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs.filter((m) => m === 'login refused')).toHaveLength(10);
    expect(msgs.filter((m) => m === 'login backoff started')).toHaveLength(2);
    expect(msgs.filter((m) => m === 'logins throttled')).toHaveLength(1);
    // Other users log in as usual.
    store.users.add({ username: 'clerk2', role: 'clerk', passwordHash: await hashPassword(PASSWORD) });
    expect((await loginAs(app, 'clerk2')).statusCode).toBe(200);
    await app.close();
  });

  it('limits wrong logins per address across usernames', async () => {
    const store = newStore();
    store.users.add({ username: 'clerk1', role: 'clerk', passwordHash: await hashPassword(PASSWORD) });
    const login = { userFailures: 100, addressFailures: 4, lockoutSeconds: 60, maxLockoutSeconds: 900 };
    const app = buildApi({ ...ctx(store), http: { allowedOrigins: [], login } });
    const from = (remoteAddress: string, username: string, password = 'wrong password') =>
      app.inject({ method: 'POST', url: '/api/login', remoteAddress, payload: { username, password } });
    for (const name of ['a1', 'a2', 'a3', 'a4']) expect((await from('192.168.1.50', name)).statusCode).toBe(401);
    const refused = await from('192.168.1.50', 'clerk1', PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect((await from('192.168.1.51', 'clerk1', PASSWORD)).statusCode).toBe(200);
    await app.close();
  });

  it('checks one password at a time: a parallel login flood gets 429 + Retry-After instead of queueing hashes', async () => {
    const store = newStore();
    store.users.add({ username: 'clerk1', role: 'clerk', passwordHash: await hashPassword(PASSWORD) });
    const server = await startApi('127.0.0.1', 0, ctx(store));
    try {
      // Over a real socket, all at once, as a flood arrives; each check takes tens of ms of scrypt.
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}api/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clerk1', password: PASSWORD }),
      })));
      const ok = answers.filter((a) => a.status === 200);
      const busy = answers.filter((a) => a.status === 429);
      expect(ok.length + busy.length).toBe(12);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const b of busy) {
        expect(b.headers.get('retry-after')).toBe('1');
        expect(await b.json()).toEqual({ error: 'another login is being checked; try again in a moment' });
      }
      // The slot is given back: the next login goes through.
      const after = await fetch(`${server.url}api/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clerk1', password: PASSWORD }),
      });
      expect(after.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
