/** The event timeline's filters: severity and acknowledged, validated, combined with the others. */
import { describe, expect, it } from 'vitest';
import { logInAs } from '../../../test/api-session.js';
import { useTempStores } from '../../../test/temp-store.js';
import { expectMatches } from '../../../test/api-contract.js';
import { errorBody } from '../../wire/api/error.js';
import { eventList } from '../../wire/api/events.js';
import { createLogger } from '../../log/logger.js';
import type { Store } from '../../store/store.js';
import { buildApi } from '../server.js';

const newStore = useTempStores('mimamori-event-routes-');
const T0 = Date.parse('2026-11-25T10:00:00+09:00');

function seed(store: Store): Record<string, string> {
  const add = (camera: string, behaviour: 'phone_at_atm' | 'emoney_lingering', severity: 'medium' | 'high', at: number): string =>
    store.events.start({ camera, zone: 'z', behaviour, severity, trackId: 1, startedAt: T0 + at, phone: 'none' }).id;
  const ids = {
    atmHigh: add('atm1', 'phone_at_atm', 'high', 0),
    atmMedium: add('atm1', 'phone_at_atm', 'medium', 1000),
    rackHigh: add('shop', 'emoney_lingering', 'high', 2000),
    rackMedium: add('shop', 'emoney_lingering', 'medium', 3000),
  };
  store.acks.record({ eventId: ids.atmHigh, by: 'tanaka', ackedAt: T0 + 5000, source: 'mqtt' });
  store.acks.record({ eventId: ids.rackMedium, by: 'sato', ackedAt: T0 + 6000, source: 'dashboard' });
  store.acks.record({ eventId: ids.rackMedium, by: 'suzuki', ackedAt: T0 + 7000, source: 'dashboard' });
  return ids;
}

describe('GET /api/events filters', () => {
  it('filters by severity and by whether anyone acknowledged, and shows the first ack', async () => {
    const store = newStore();
    const ids = seed(store);
    const app = buildApi({ log: createLogger('http', { level: 'error' }), site: 's', status: () => ({}), store: () => store });
    const clerk = await logInAs(app, store, 'clerk');
    const list = async (query: string) => expectMatches(eventList, await app.inject({ url: `/api/events${query}`, headers: { cookie: clerk } }));
    const idsOf = async (query: string) => (await list(query)).map((e) => e.id);

    expect(await idsOf('?severity=high')).toEqual([ids.rackHigh, ids.atmHigh]);
    expect(await idsOf('?acknowledged=true')).toEqual([ids.rackMedium, ids.atmHigh]);
    expect(await idsOf('?acknowledged=false')).toEqual([ids.rackHigh, ids.atmMedium]);
    expect(await idsOf('?acknowledged=false&severity=medium&camera=atm1')).toEqual([ids.atmMedium]);
    expect(await idsOf('?acknowledged=true&behaviour=emoney_lingering&severity=high')).toEqual([]);
    const all = await list('');
    expect(all.find((e) => e.id === ids.rackMedium)!.ack).toEqual({ by: 'sato', at: new Date(T0 + 6000).toISOString() });
    expect(all.find((e) => e.id === ids.atmMedium)!.ack).toBeNull();

    const bank = await logInAs(app, store, 'bank');
    const forBank = expectMatches(eventList, await app.inject({ url: '/api/events?acknowledged=false', headers: { cookie: bank } }));
    expect(forBank.map((e) => e.id)).toEqual([ids.atmMedium]);
    await app.close();
  });

  it('refuses values it does not know, naming the field', async () => {
    const store = newStore();
    const app = buildApi({ log: createLogger('http', { level: 'error' }), site: 's', status: () => ({}), store: () => store });
    const admin = await logInAs(app, store, 'admin');
    const res = await app.inject({ url: '/api/events?severity=urgent&acknowledged=yes', headers: { cookie: admin } });
    expect(res.statusCode).toBe(400);
    expect(expectMatches(errorBody, res)).toEqual({ error: 'query.severity: must be one of low, medium, high; query.acknowledged: must be true or false' });
    await app.close();
  });
});
