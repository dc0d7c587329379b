/**
 * POST /api/events/:id/ack with app.inject on a real store and a real AlertDispatcher: the ack is
 * recorded, goes to the outbox as the MQTT ack the AckListener understands, and stops the alert
 * (the relay turns off). The round trip through a broker is in dashboard/e2e/clerk.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { parseAck } from '../../alerts/ack-listener.js';
import { AlertDispatcher } from '../../alerts/alert-dispatcher.js';
import { wirePayload } from '../../mqtt/outbox-publisher.js';
import { EventRecorder } from '../../pipeline/events/event-recorder.js';
import type { Role, Store } from '../../store/store.js';
import { episode } from '../../../test/event-steps.js';
import { mountSmallFilesystem } from '../../../test/small-filesystem.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { ackResult } from '../../wire/api/events.js';
import { DiskReserve } from '../../store/disk-reserve.js';
import { WriteGuard } from '../../store/write-guard.js';
import { hashPassword } from '../../auth/password.js';
import { LiveBus, type LiveMessage } from '../live/live-bus.js';
import { buildApi } from '../server.js';

const newStore = useTempStores('mimamori-ack-');
const SITE = 'store-001';
const PASSWORD = 'correct horse battery';
const log = createLogger('ack-test', { level: 'warn', write: () => {} });
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(options: { dataDir?: string; writes?: (store: Store) => WriteGuard } = {}) {
  const store = newStore({}, options.dataDir);
  const writes = options.writes?.(store);
  const hash = await hashPassword(PASSWORD);
  for (const role of ['clerk', 'bank', 'investigator', 'admin'] as Role[]) store.users.add({ username: `${role}1`, role, passwordHash: hash });
  const bus = new LiveBus(SITE);
  // As the agent's outbox publisher does: enqueue through the same guard.
  const outbox = bus.tee(writes ? { enqueue: (m) => writes.critical(`outbox.enqueue(${m.topic})`, () => store.outbox.enqueue(m)) } : store.outbox);
  const alerts = new AlertDispatcher(SITE, outbox, parseConfig({ site: SITE }).alerts, log);
  alerts.start();
  const recorder = new EventRecorder(store, log, (e) => alerts.handle(e));
  const app = buildApi({
    log, site: SITE, status: () => ({}), store: () => store,
    live: { bus, enqueue: (m) => outbox.enqueue(m), acknowledged: (id) => alerts.acknowledged(id) },
    ...(writes ? { writes } : {}),
  });
  closers.push(() => alerts.close(), () => app.close());
  const seen: LiveMessage[] = [];
  bus.subscribe((m) => seen.push(m));
  const atm = episode(Date.now(), { atmId: 'atm1' });
  await recorder.handle(atm.start('high'), null);
  const eventId = store.events.list({ limit: 1 })[0]!.id;
  return { store, app, eventId, seen };
}

async function cookie(app: FastifyInstance, username: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  return String(res.headers['set-cookie']).split(';')[0]!;
}

const onTopic = (store: Store, topic: string) => store.outbox.pending(1000).filter((m) => m.topic === `mimamori/${SITE}/${topic}`);

describe('POST /api/events/:id/ack', () => {
  it('lets clerks and admins acknowledge; banks and investigators are refused', async () => {
    const { app, eventId } = await setup();
    const url = `/api/events/${eventId}/ack`;
    expect((await app.inject({ method: 'POST', url, payload: {} })).statusCode).toBe(401);
    for (const role of ['bank1', 'investigator1']) {
      const res = await app.inject({ method: 'POST', url, payload: {}, headers: { cookie: await cookie(app, role) } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: 'needs role clerk' });
    }
    // No body at all is fine too.
    expect((await app.inject({ method: 'POST', url, headers: { cookie: await cookie(app, 'clerk1') } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url, payload: {}, headers: { cookie: await cookie(app, 'admin1') } })).statusCode).toBe(200);
  });

  it('records the ack, stops the alert and publishes the MQTT ack that the AckListener reads as the same ack', async () => {
    const { app, store, eventId, seen } = await setup();
    expect(onTopic(store, 'clerk/signal').map((m) => wirePayload(m.payload))).toEqual(['off', 'on']);
    const res = await app.inject({ method: 'POST', url: `/api/events/${eventId}/ack`, payload: {}, headers: { cookie: await cookie(app, 'clerk1') } });
    expect(res.statusCode).toBe(200);
    const body = expectMatches(ackResult, res);
    expect(body).toMatchObject({ eventId, by: 'clerk1', source: 'dashboard' });
    const [recorded] = store.acks.forEvent(eventId);
    expect(recorded).toMatchObject({ eventId, by: 'clerk1', source: 'dashboard', ackedAt: Date.parse(body.ackedAt) });

    const [published] = onTopic(store, `clerk/alerts/${eventId}/ack`);
    expect(published).toMatchObject({ qos: 1, retain: false });
    const wire = wirePayload(published!.payload);
    expect(Object.keys(JSON.parse(wire) as object)).toEqual(['by', 'at']); // no seq: the ack format allows none
    const parsed = parseAck(SITE, published!.topic, Buffer.from(wire), Date.now());
    expect(parsed).toEqual({ ok: true, eventId, by: 'clerk1', ackedAt: recorded!.ackedAt });

    // The alert logic was told: the relay beside the register turned off while the event is open.
    expect(store.events.get(eventId)!.endedAt).toBeNull();
    expect(onTopic(store, 'clerk/signal').map((m) => wirePayload(m.payload))).toEqual(['off', 'on', 'off']);
    // The ack, then the relay, reached the live screens.
    expect(seen.map((m) => m.kind).slice(-2)).toEqual(['ack', 'signal']);

    // The same ack coming back from the broker (as the AckListener would record it) is not stored twice.
    if (!parsed.ok) throw new Error('unreachable');
    store.acks.record({ eventId, by: parsed.by, ackedAt: parsed.ackedAt, source: 'mqtt' });
    expect(store.acks.forEvent(eventId)).toHaveLength(1);
    // Another person's ack is a second ack.
    store.acks.record({ eventId, by: 'register-2', ackedAt: parsed.ackedAt, source: 'mqtt' });
    expect(store.acks.forEvent(eventId)).toHaveLength(2);
  });

  it('records a clerk\'s ack on a full disk from the disk reserve', async () => {
    const disk = mountSmallFilesystem(8 * 1024 * 1024);
    const dataDir = `${disk.dir}/data`;
    const { app, store, eventId } = await setup({
      dataDir,
      writes: () => {
        const reserve = new DiskReserve(dataDir, 512 * 1024);
        reserve.restore(0);
        return new WriteGuard({ log, reserve });
      },
    });
    // The store before the filesystem under it.
    closers.push(() => store.close(), () => disk.close());
    const headers = { cookie: await cookie(app, 'clerk1') };
    disk.fill();
    const res = await app.inject({ method: 'POST', url: `/api/events/${eventId}/ack`, payload: {}, headers });
    expect(res.statusCode).toBe(200);
    expect(store.acks.forEvent(eventId)).toMatchObject([{ by: 'clerk1', source: 'dashboard' }]);
    expect(onTopic(store, `clerk/alerts/${eventId}/ack`)).toHaveLength(1);
  });

  it('refuses a malformed id or body with a 400 naming the field, and an unknown event with a 404', async () => {
    const { app, eventId } = await setup();
    const headers = { cookie: await cookie(app, 'clerk1') };
    const badId = await app.inject({ method: 'POST', url: '/api/events/../../etc/ack', payload: {}, headers });
    expect(badId.statusCode).toBe(404); // not even a route
    const notUuid = await app.inject({ method: 'POST', url: '/api/events/DROP%20TABLE/ack', payload: {}, headers });
    expect(notUuid.statusCode).toBe(400);
    expect(notUuid.json()).toEqual({ error: 'params.id: must be an event id (a lower-case UUID)' });
    const extra = await app.inject({ method: 'POST', url: `/api/events/${eventId}/ack`, payload: { by: 'someone-else' }, headers });
    expect(extra.statusCode).toBe(400);
    expect(extra.json<{ error: string }>().error).toMatch(/^body: .*by/);
    const unknown = '01234567-89ab-7def-8123-456789abcdef';
    const missing = await app.inject({ method: 'POST', url: `/api/events/${unknown}/ack`, payload: {}, headers });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: `no event ${unknown}` });
  });
});
