/**
 * GET /api/events/:id/snapshot with app.inject on a real store whose snapshots the EventRecorder
 * wrote (real JPEGs via sharp): who may see which snapshot, and the audit entry of every view.
 */
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log/logger.js';
import type { CameraFrame } from '../../pipeline/camera-pipeline.js';
import { EventRecorder } from '../../pipeline/events/event-recorder.js';
import type { Role } from '../../store/store.js';
import { episode } from '../../../test/event-steps.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { errorBody } from '../../wire/api/error.js';
import { hashPassword } from '../../auth/password.js';
import { buildApi } from '../server.js';
import { SNAPSHOT_VIEW } from './snapshot-routes.js';

const newStore = useTempStores('mimamori-snapshot-');
const PASSWORD = 'correct horse battery';
const log = createLogger('snapshot-test', { level: 'warn', write: () => {} });
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** A 320×240 frame with a gradient, as a camera delivers it. */
function frame(atMs: number): CameraFrame {
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i / 3) % width;
  return { data, width, height, ptsMs: 0, atMs, seq: 0 };
}

async function setup() {
  const store = newStore();
  const hash = await hashPassword(PASSWORD);
  for (const role of ['clerk', 'bank', 'investigator', 'admin'] as Role[]) store.users.add({ username: `${role}1`, role, passwordHash: hash });
  const recorder = new EventRecorder(store, log);
  const t = Date.now();
  await recorder.handle(episode(t, { atmId: 'atm1' }).start('high'), frame(t));
  await recorder.handle(episode(t, { behaviour: 'emoney_lingering' }).start('medium'), frame(t));
  await recorder.handle(episode(t, { atmId: 'atm1', trackId: 9 }).start('high'), null); // no frame: no snapshot
  const [noSnapshot, rack, atm] = store.events.list({ limit: 3 });
  const app = buildApi({ log, site: 's', status: () => ({}), store: () => store });
  apps.push(app);
  const cookies: Record<string, string> = {};
  for (const role of ['clerk', 'bank', 'investigator', 'admin']) {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: `${role}1`, password: PASSWORD } });
    cookies[role] = String(res.headers['set-cookie']).split(';')[0]!;
  }
  const get = (id: string, role?: string) => app.inject({ url: `/api/events/${id}/snapshot`, headers: role ? { cookie: cookies[role]! } : {} });
  return { store, atm: atm!, rack: rack!, noSnapshot: noSnapshot!, get };
}

describe('GET /api/events/:id/snapshot', () => {
  it('serves the event\'s JPEG to store staff and investigators, and audits every view', async () => {
    const { store, atm, rack, get } = await setup();
    expect(atm.snapshotPath).not.toBeNull();
    const res = await get(atm.id, 'clerk');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('no-store');
    const meta = await sharp(res.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    expect((await get(rack.id, 'investigator')).statusCode).toBe(200);
    expect((await get(rack.id, 'admin')).statusCode).toBe(200);

    const views = store.audit.list().filter((e) => e.action === SNAPSHOT_VIEW);
    expect(views.map((e) => [e.actor, e.subject])).toEqual([['clerk1', atm.id], ['investigator1', rack.id], ['admin1', rack.id]]);
    expect(views[0]!.details).toEqual({ role: 'clerk', camera: 'atmcam', behaviour: 'phone_at_atm', snapshot: atm.snapshotPath });
    expect(store.audit.verify()).toMatchObject({ ok: true });
  });

  it('shows banks ATM events only, and nobody anything without a session', async () => {
    const { store, atm, rack, get } = await setup();
    expect((await get(atm.id, 'bank')).statusCode).toBe(200);
    const refused = await get(rack.id, 'bank');
    expect(refused.statusCode).toBe(403);
    expect(expectMatches(errorBody, refused)).toEqual({ error: 'banks may see snapshots of phone_at_atm events only' });
    expect((await get(atm.id)).statusCode).toBe(401);
    // Refusals see nothing, so they are not views.
    expect(store.audit.list().filter((e) => e.action === SNAPSHOT_VIEW).map((e) => e.actor)).toEqual(['bank1']);
  });

  it('answers 404 naming the event when there is no snapshot, and 400 for a malformed id', async () => {
    const { store, atm, noSnapshot, get } = await setup();
    const none = await get(noSnapshot.id, 'clerk');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual({ error: `event ${noSnapshot.id} has no snapshot` });
    const unknown = '01234567-89ab-7def-8123-456789abcdef';
    expect((await get(unknown, 'clerk')).json()).toEqual({ error: `no event ${unknown}` });
    const bad = await get('not-an-id', 'clerk');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'params.id: must be an event id (a lower-case UUID)' });
    rmSync(store.resolve(atm.snapshotPath!));
    const gone = await get(atm.id, 'clerk');
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: `event ${atm.id}: its snapshot file is gone` });
    expect(store.audit.list()).toEqual([]);
  });
});
