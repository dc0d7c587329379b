import Sqlite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../log/logger.js';
import type { Role, Store } from '../../store/store.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { auditList, auditVerdict } from '../../wire/api/audit.js';
import { hold as holdSchema, holdList } from '../../wire/api/holds.js';
import { hashPassword } from '../../auth/password.js';
import type { CameraAccess } from './camera-routes.js';
import { buildApi } from '../server.js';
import { registerHoldRoutes } from './holds-routes.js';

const newStore = useTempStores('mimamori-holds-api-');
const PASSWORD = 'correct horse battery';

/** The real app; the hold routes are added unless server.ts already registers them. */
function app(store: Store, cameraIds: string[] = ['atm1', 'shop'], retentionRuns: string[] = []): FastifyInstance {
  const cameras = {
    configFile: null,
    list: () => cameraIds.map((id) => ({ id })),
  } as unknown as CameraAccess;
  const runRetention = async (): Promise<void> => {
    retentionRuns.push(store.holds.list({ active: true, at: Date.now() }).map((h) => h.caseNumber).join(','));
  };
  const ctx = { log: createLogger('http', { write: () => undefined }), site: 'store-001', status: () => ({}), store: () => store, cameras, runRetention };
  const api = buildApi(ctx);
  if (!api.hasRoute({ method: 'GET', url: '/api/holds' })) registerHoldRoutes(api, ctx);
  return api;
}

async function login(api: FastifyInstance, store: Store, username: string, role: Role): Promise<string> {
  store.users.add({ username, role, passwordHash: await hashPassword(PASSWORD) });
  const res = await api.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

const BODY = {
  caseNumber: '2026-XYZ', officer: 'Sato', station: 'Shinjuku PS', reason: 'ATM fraud',
  from: '2026-03-01T09:00:00+09:00', to: '2026-03-01T10:30:00+09:00', cameras: ['atm1'],
};

describe('holds and audit over HTTP', () => {
  it('places, lists and releases a hold as the logged-in investigator, audited under their name', async () => {
    const store = newStore();
    const retentionRuns: string[] = [];
    const api = app(store, undefined, retentionRuns);
    const cookie = await login(api, store, 'inv', 'investigator');
    const created = await api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: BODY });
    expect(created.statusCode, created.body).toBe(201);
    const hold = expectMatches(holdSchema, created);
    expect(hold).toMatchObject({ caseNumber: '2026-XYZ', cameras: ['atm1'], active: true, createdBy: 'inv' });
    expect(Date.parse(hold.from)).toBe(Date.parse('2026-03-01T00:00:00Z'));
    await api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: { ...BODY, caseNumber: 'B-2', cameras: undefined } });

    const list = await api.inject({ url: '/api/holds', headers: { cookie } });
    expect(expectMatches(holdList, list).map((h) => h.caseNumber)).toEqual(['2026-XYZ', 'B-2']);

    const released = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/release`, headers: { cookie }, payload: { reason: 'closed' } });
    expect(released.statusCode, released.body).toBe(200);
    expect(expectMatches(holdSchema, released)).toMatchObject({ id: hold.id, active: false, releasedBy: 'inv', releaseReason: 'closed' });
    // Retention runs at once, and after the release: the freed footage can make room.
    expect(retentionRuns).toEqual(['B-2']);
    const active = await api.inject({ url: '/api/holds?active=true', headers: { cookie } });
    expect(expectMatches(holdList, active).map((h) => h.caseNumber)).toEqual(['B-2']);

    const again = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/release`, headers: { cookie } });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: string }>().error).toContain(`hold ${hold.id} was already released`);
    const unknown = await api.inject({ method: 'POST', url: '/api/holds/0190b1a0-0000-7000-8000-000000000000/release', headers: { cookie } });
    expect(unknown.statusCode).toBe(404);

    const audit = await api.inject({ url: '/api/audit', headers: { cookie } });
    expect(expectMatches(auditList, audit).map((e) => [e.seq, e.action, e.actor])).toEqual([
      [1, 'hold.create', 'inv'], [2, 'hold.create', 'inv'], [3, 'hold.release', 'inv'],
    ]);
    expect((await api.inject({ url: '/api/audit?afterSeq=2&limit=1', headers: { cookie } })).json<{ seq: number }[]>().map((e) => e.seq)).toEqual([3]);
    const verdict = await api.inject({ url: '/api/audit/verify', headers: { cookie } });
    expect(expectMatches(auditVerdict, verdict)).toMatchObject({ ok: true, entries: 3 });
    await api.close();
  });

  it('accepts a configured but disabled camera: its earlier footage can still be held', async () => {
    const store = newStore();
    const cameras = { configFile: null, list: () => [{ id: 'atm1' }] } as unknown as CameraAccess;
    const api = buildApi({
      log: createLogger('http', { write: () => undefined }), site: 'store-001', status: () => ({}), store: () => store,
      cameras, configuredCameras: ['atm1', 'old-cam'],
    });
    const cookie = await login(api, store, 'inv', 'investigator');
    const held = await api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: { ...BODY, cameras: ['old-cam'] } });
    expect(held.statusCode, held.body).toBe(201);
    const unknown = await api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: { ...BODY, cameras: ['nowhere'] } });
    expect(unknown.json<{ error: string }>().error).toContain('unknown camera "nowhere"');
    await api.close();
  });

  it('refuses bad bodies and queries with a 400 naming the field, and writes nothing', async () => {
    const store = newStore();
    const api = app(store);
    const cookie = await login(api, store, 'admin', 'admin');
    const post = (payload: unknown) => api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: payload as object });
    const cases: [unknown, string][] = [
      [{ ...BODY, caseNumber: '../../etc/passwd' }, 'body.caseNumber:'],
      [{ ...BODY, cameras: ['atm1', 'atm9'] }, 'body.cameras[1]: unknown camera "atm9"'],
      [{ ...BODY, from: '2026-03-01T09:00:00' }, 'body.from: "2026-03-01T09:00:00" has no UTC offset'],
      [{ ...BODY, to: BODY.from }, 'body.to: must be after the start of the held range'],
      [{ ...BODY, expires: '2020-01-01T00:00:00Z' }, 'body.expires: must be in the future'],
      [{ ...BODY, by: 'someone-else' }, 'body: Unrecognized key: "by"'],
      [{ ...BODY, officer: undefined }, 'body.officer'],
    ];
    for (const [payload, text] of cases) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json<{ error: string }>().error).toContain(text);
    }
    for (const url of ['/api/holds?active=yes', '/api/audit?limit=0', '/api/audit?afterSeq=-1', '/api/audit?drop=1']) {
      expect((await api.inject({ url, headers: { cookie } })).statusCode, url).toBe(400);
    }
    const badId = await api.inject({ method: 'POST', url: '/api/holds/..%2F..%2Fetc/release', headers: { cookie } });
    expect(badId.statusCode).toBe(400);
    expect(store.holds.list()).toEqual([]);
    expect(store.audit.list()).toEqual([]);
    await api.close();
  });

  it('lets only investigators and admins in', async () => {
    const store = newStore();
    const api = app(store);
    expect((await api.inject({ url: '/api/holds' })).statusCode).toBe(401);
    for (const role of ['clerk', 'bank'] as const) {
      const cookie = await login(api, store, `${role}1`, role);
      expect((await api.inject({ url: '/api/holds', headers: { cookie } })).statusCode).toBe(403);
      expect((await api.inject({ method: 'POST', url: '/api/holds', headers: { cookie }, payload: BODY })).statusCode).toBe(403);
      expect((await api.inject({ url: '/api/audit/verify', headers: { cookie } })).statusCode).toBe(403);
    }
    expect(store.holds.list()).toEqual([]);
    await api.close();
  });

  it('reports a tampered audit log from /api/audit/verify, naming the entry', async () => {
    const store = newStore();
    const api = app(store);
    const cookie = await login(api, store, 'inv', 'investigator');
    for (let i = 0; i < 3; i += 1) store.audit.append({ actor: 'inv', action: 'clip.view', details: { i } });
    const raw = new Sqlite(store.file);
    raw.exec("UPDATE audit_log SET actor = 'someone' WHERE seq = 2");
    raw.close();
    const res = await api.inject({ url: '/api/audit/verify', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(expectMatches(auditVerdict, res)).toEqual({ ok: false, seq: 2, reason: 'entry 2 does not match its hash (its content was edited)' });
    await api.close();
  });
});
