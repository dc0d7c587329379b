import { describe, expect, it } from 'vitest';
import { parseAck } from './ack-listener.js';

const ID = '019ab5c4-0000-7000-8000-0123456789ab';
const topic = (id: string, site = 'store-001'): string => `mimamori/${site}/clerk/alerts/${id}/ack`;
const body = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

describe('parseAck', () => {
  it('takes the event id from the topic and the time from the payload, or now', () => {
    expect(parseAck('store-001', topic(ID), body({ by: 'Tanaka 田中', at: '2026-11-25T14:05:00.000+09:00' }), 1)).toEqual({
      ok: true, eventId: ID, by: 'Tanaka 田中', ackedAt: Date.UTC(2026, 10, 25, 5, 5),
    });
    expect(parseAck('store-001', topic(ID), body({ by: 'register-2' }), 1234)).toMatchObject({ ok: true, ackedAt: 1234 });
  });

  it('refuses another site, a malformed id, non-JSON, unknown fields and bad names, saying why', () => {
    expect(parseAck('store-001', topic(ID, 'store-002'), body({ by: 'x' }), 0)).toEqual({ ok: false, reason: 'not an ack topic of this site' });
    expect(parseAck('store-001', topic('ABC'), body({ by: 'x' }), 0)).toEqual({ ok: false, reason: 'event id in the topic is malformed' });
    expect(parseAck('store-001', topic(ID), Buffer.from('{'), 0)).toEqual({ ok: false, reason: 'payload is not JSON' });
    expect(parseAck('store-001', topic(ID), body({ by: 'x', admin: true }), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/admin/) });
    expect(parseAck('store-001', topic(ID), body({ by: '<script>' }), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^by: /) });
    expect(parseAck('store-001', topic(ID), body({ by: 'x', at: 'yesterday' }), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^at: /) });
  });
});
