import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isUuidV7 } from './ids.js';
import {
  EventEndedError, StoreValidationError, UnknownEventError, type NewEvent, type Store,
} from './store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';

const open = useTempStores('mimamori-events-');

const T0 = Date.UTC(2025, 5, 1, 5, 0, 0); // 14:00 JST

function atm(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    camera: 'atm-1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'medium', trackId: 7, startedAt: T0, phone: 'call',
    ...overrides,
  };
}


describe('events lifecycle', () => {
  it('start → update → end, with defaults and the store clock', () => {
    let now = T0 + 500;
    const store = open({ now: () => now });
    const started = store.events.start(atm({ details: { phoneScore: 0.8 } }));
    expect(isUuidV7(started.id)).toBe(true);
    expect(started).toMatchObject({
      camera: 'atm-1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'medium', trackId: 7, startedAt: T0,
      updatedAt: T0, endedAt: null, dwellSeconds: 0, phone: 'call', snapshotPath: null, clipStart: null, clipEnd: null,
      details: { phoneScore: 0.8 },
    });
    expect(store.events.get(started.id)).toEqual(started);

    now = T0 + 12_000;
    const updated = store.events.update(started.id, {
      severity: 'high', dwellSeconds: 12, snapshotPath: 'snapshots/atm-1/a.jpg', details: { phoneScore: 0.9, frames: 60 },
    });
    expect(updated).toMatchObject({ severity: 'high', dwellSeconds: 12, updatedAt: T0 + 12_000, phone: 'call' });
    expect(updated.details).toEqual({ phoneScore: 0.9, frames: 60 });
    expect(store.events.get(started.id)).toEqual(updated);

    const ended = store.events.end(started.id, T0 + 30_000, { dwellSeconds: 30, clipStart: T0 - 10_000, clipEnd: T0 + 40_000 });
    expect(ended).toMatchObject({
      endedAt: T0 + 30_000, updatedAt: T0 + 30_000, dwellSeconds: 30, clipStart: T0 - 10_000, clipEnd: T0 + 40_000,
      severity: 'high', snapshotPath: 'snapshots/atm-1/a.jpg',
    });
    expect(store.events.get(started.id)).toEqual(ended);
  });

  it('treats undefined patch fields as unchanged and null as clearing', () => {
    const store = open();
    const e = store.events.start(atm({ snapshotPath: 'a.jpg' }));
    const u = store.events.update(e.id, { severity: undefined, snapshotPath: null, updatedAt: T0 + 1 });
    expect(u).toMatchObject({ severity: 'medium', snapshotPath: null, updatedAt: T0 + 1 });
  });

  it('keeps a caller-supplied id and refuses a duplicate, naming it', () => {
    const store = open();
    store.events.start(atm({ id: 'evt-1' }));
    expect(thrown(() => store.events.start(atm({ id: 'evt-1' }))).message).toBe(
      'events.start: an event with id evt-1 already exists',
    );
  });

  it('errors on unknown and ended ids carry the id', () => {
    const store = open();
    const unknown = thrown(() => store.events.update('nope', { dwellSeconds: 1 }));
    expect(unknown).toBeInstanceOf(UnknownEventError);
    expect(unknown).toMatchObject({ eventId: 'nope', message: 'events.update: no event with id nope' });
    expect(thrown(() => store.events.end('nope', T0))).toMatchObject({ eventId: 'nope' });

    const e = store.events.start(atm());
    store.events.end(e.id, T0 + 1000);
    for (const fn of [() => store.events.update(e.id, { dwellSeconds: 5 }), () => store.events.end(e.id, T0 + 2000)]) {
      const error = thrown(fn);
      expect(error).toBeInstanceOf(EventEndedError);
      expect(error).toMatchObject({ eventId: e.id, endedAt: T0 + 1000 });
      expect(error.message).toContain(e.id);
    }
    expect(store.events.get(e.id)?.endedAt).toBe(T0 + 1000);
    expect(store.events.get('nope')).toBeUndefined();
  });

  it('refuses to end before the start or a clip that ends before it starts, leaving the event open', () => {
    const store = open();
    const e = store.events.start(atm());
    expect(thrown(() => store.events.end(e.id, T0 - 1))).toMatchObject({ field: 'endedAt' });
    expect(thrown(() => store.events.update(e.id, { clipStart: T0, clipEnd: T0 - 5 }))).toMatchObject({ field: 'clipEnd' });
    expect(store.events.get(e.id)).toEqual(e);
  });
});

describe('events validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown behaviour', { behaviour: 'loitering' }, 'behaviour'],
    ['unknown severity', { severity: 'critical' }, 'severity'],
    ['unknown phone state', { phone: 'texting' }, 'phone'],
    ['NaN dwell', { dwellSeconds: Number.NaN }, 'dwellSeconds'],
    ['infinite start', { startedAt: Number.POSITIVE_INFINITY }, 'startedAt'],
    ['fractional track id', { trackId: 1.5 }, 'trackId'],
    ['empty camera', { camera: ' ' }, 'camera'],
    ['snapshot outside the data dir', { snapshotPath: '../etc/passwd' }, 'snapshotPath'],
    ['absolute snapshot', { snapshotPath: '/tmp/a.jpg' }, 'snapshotPath'],
    ['non-finite number in details', { details: { box: [1, 2, Number.NaN] } }, 'details.box[2]'],
    ['misspelt field', { sevrity: 'high' }, 'sevrity'],
  ];
  for (const [label, bad, field] of cases) {
    it(`refuses ${label}, naming the field`, () => {
      const store = open();
      const error = thrown(() => store.events.start({ ...atm(), ...bad } as NewEvent));
      expect(error).toBeInstanceOf(StoreValidationError);
      expect(error.message).toMatch(/^events\.start\(.*\): /);
      expect((error as StoreValidationError).field).toBe(field);
      expect(error.message).toContain(`${field}: `);
      expect(store.events.list()).toEqual([]);
    });
  }

  it('refuses a bad patch value, naming the field and the event', () => {
    const store = open();
    const e = store.events.start(atm());
    const error = thrown(() => store.events.update(e.id, { phone: 'ringing' as never }));
    expect(error).toMatchObject({ field: 'phone' });
    expect(error.message).toContain(e.id);
    expect(thrown(() => store.events.end(e.id, Number.NaN))).toMatchObject({ field: 'endedAt' });
  });

  it('the schema CHECKs refuse bad enums from writers that bypass the repository', () => {
    const store = open();
    store.close();
    const raw = new Sqlite(store.file);
    try {
      expect(() =>
        raw.prepare(`INSERT INTO events (id, camera, zone, behaviour, severity, track_id, started_at, updated_at,
          dwell_seconds, phone) VALUES ('x', 'c', 'z', 'bogus', 'low', 1, 1, 1, 0, 'none')`).run(),
      ).toThrow(/CHECK constraint failed/);
    } finally {
      raw.close();
    }
  });
});

describe('events.list', () => {
  function seed(store: Store): void {
    const rows: Partial<NewEvent>[] = [
      { id: 'a', camera: 'atm-1', startedAt: T0 },
      { id: 'b', camera: 'atm-2', startedAt: T0 + 1000 },
      { id: 'c', camera: 'store-1', behaviour: 'emoney_lingering', zone: 'emoney-rack', phone: 'hand', startedAt: T0 + 2000 },
      { id: 'd', camera: 'atm-1', startedAt: T0 + 3000 },
      { id: 'e', camera: 'atm-1', startedAt: T0 + 3000 },
    ];
    for (const r of rows) store.events.start(atm(r));
    store.events.end('a', T0 + 500);
  }
  const ids = (store: Store, q: Parameters<Store['events']['list']>[0]): string[] => store.events.list(q).map((e) => e.id);

  it('returns newest first, ties broken by id', () => {
    const store = open();
    seed(store);
    expect(ids(store, {})).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('filters by camera, behaviour, [since, until), open and limit', () => {
    const store = open();
    seed(store);
    expect(ids(store, { camera: 'atm-1' })).toEqual(['e', 'd', 'a']);
    expect(ids(store, { behaviour: 'emoney_lingering' })).toEqual(['c']);
    expect(ids(store, { since: T0 + 1000, until: T0 + 3000 })).toEqual(['c', 'b']);
    expect(ids(store, { camera: 'atm-1', since: T0 + 1 })).toEqual(['e', 'd']);
    expect(ids(store, { open: false })).toEqual(['a']);
    expect(ids(store, { open: true, camera: 'atm-1' })).toEqual(['e', 'd']);
    expect(ids(store, { limit: 2 })).toEqual(['e', 'd']);
    expect(ids(store, { camera: 'nowhere' })).toEqual([]);
  });

  it('refuses a bad filter, naming it', () => {
    const store = open();
    expect(thrown(() => store.events.list({ behaviour: 'x' as never }))).toMatchObject({ field: 'behaviour' });
    expect(thrown(() => store.events.list({ limit: 0 }))).toMatchObject({ field: 'limit' });
  });

  it('generated ids sort in creation order', () => {
    const store = open({ now: () => T0 });
    const made = Array.from({ length: 50 }, () => store.events.start(atm()).id);
    expect([...made].sort()).toEqual(made);
  });
});

describe('events durability', () => {
  it('survive close and reopen unchanged', () => {
    const first = open();
    const e = first.events.start(atm({ details: { note: '日本語', nested: { ok: true } } }));
    const ended = first.events.end(e.id, T0 + 9000, { dwellSeconds: 9 });
    const open2 = first.events.start(atm({ trackId: 8, startedAt: T0 + 100 }));
    first.close();
    first.close();

    const second = open({}, first.dataDir);
    expect(second.events.get(e.id)).toEqual(ended);
    expect(second.events.get(open2.id)).toEqual(open2);
    expect(second.events.list({ open: true }).map((x) => x.id)).toEqual([open2.id]);
  });

  it('throws after close instead of writing nowhere', () => {
    const store = open();
    store.close();
    expect(() => store.events.start(atm())).toThrow(/not open/);
  });
});
