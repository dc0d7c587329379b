import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { testBrokerOptions, testLogin } from '../../test/broker-login.js';
import { useTempStores } from '../../test/temp-store.js';
import { waitUntil } from '../../test/wait-until.js';
import { createLogger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { AckListener, parseAck } from './ack-listener.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { connectMqtt } from '../mqtt/mqtt-connection.js';

const ID = '019ab5c4-0000-7000-8000-0123456789ab';
const topic = (id: string, site = 'store-001'): string => `mimamori/${site}/clerk/alerts/${id}/ack`;
const body = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

describe('parseAck', () => {
  it('takes the event id from the topic and the time from the payload, or now', () => {
    expect(parseAck('store-001', topic(ID), body({ by: 'Tanaka 田中', at: '2026-11-25T14:05:00.000+09:00' }), Date.UTC(2026, 10, 25, 5, 6))).toEqual({
      ok: true, eventId: ID, by: 'Tanaka 田中', ackedAt: Date.UTC(2026, 10, 25, 5, 5),
    });
    expect(parseAck('store-001', topic(ID), body({ by: 'register-2' }), 1234)).toMatchObject({ ok: true, ackedAt: 1234 });
  });

  it('refuses another site, a malformed id, non-JSON, unknown fields and bad names, saying why', () => {
    expect(parseAck('store-001', topic(ID, 'store-002'), body({ by: 'x' }), 0)).toEqual({ ok: false, cause: 'topic', reason: 'not an ack topic of this site' });
    expect(parseAck('store-001', topic('ABC'), body({ by: 'x' }), 0)).toEqual({ ok: false, cause: 'topic', reason: 'event id in the topic is malformed' });
    expect(parseAck('store-001', topic(ID), Buffer.from('{'), 0)).toEqual({ ok: false, cause: 'payload', reason: 'payload is not JSON' });
    expect(parseAck('store-001', topic(ID), body({ by: 'x', admin: true }), 0)).toMatchObject({ ok: false, cause: 'payload', reason: expect.stringMatching(/admin/) });
    expect(parseAck('store-001', topic(ID), body({ by: '<script>' }), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^by: /) });
    expect(parseAck('store-001', topic(ID), body({ by: 'x', at: 'yesterday' }), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^at: /) });
  });

  it('refuses a time ahead of the agent clock by more than the allowed skew, and takes one within it', () => {
    const now = Date.UTC(2026, 10, 25, 5, 0);
    const at = (ms: number): Buffer => body({ by: 'register-2', at: new Date(now + ms).toISOString() });
    expect(parseAck('store-001', topic(ID), at(120_000), now)).toMatchObject({ ok: true, ackedAt: now + 120_000 });
    expect(parseAck('store-001', topic(ID), at(120_001), now)).toEqual({
      ok: false, cause: 'future', reason: `at: ${new Date(now + 120_001).toISOString()} is 120 s ahead of the agent's clock (allowed: 120 s, alerts.ackClockSkewSeconds)`,
    });
    expect(parseAck('store-001', topic(ID), at(10_000), now, 5_000)).toMatchObject({ ok: false, cause: 'future' });
    expect(parseAck('store-001', topic(ID), at(365 * 86_400_000), now)).toMatchObject({ ok: false, reason: expect.stringMatching(/^at: .* ahead of the agent's clock/) });
  });
});

describe('AckListener on a real broker', () => {
  const openStore = useTempStores('mimamori-ack-listener-');
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  interface Line { level: string; msg: string; cause?: string; reason?: string; suppressed?: number; event?: string }

  async function setUp(options: { clockSkewMs?: number } = {}) {
    const broker = await startEmbeddedBroker(testBrokerOptions('store-001'));
    cleanups.push(() => broker.close());
    const store: Store = openStore();
    const event = store.events.start({ camera: 'atm1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 1, startedAt: Date.now() - 60_000, phone: 'call' });
    const lines: Line[] = [];
    const log = createLogger('acks', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Line) });
    const connection = connectMqtt({ url: broker.url, clientId: 'mimamori-store-001', ...testLogin('mimamori-agent'), statusTopic: 'mimamori/store-001/status', log: createLogger('mqtt', { level: 'error' }) });
    cleanups.push(() => connection.close());
    const acked: string[] = [];
    const listener = new AckListener('store-001', store, connection, (id) => acked.push(id), log, options);
    cleanups.push(() => listener.close());
    const device = async (): Promise<MqttClient> => {
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, ...testLogin('clerk-store-001') });
      cleanups.push(() => client.endAsync(true));
      return client;
    };
    return { store, eventId: event.id, lines, listener, acked, device };
  }

  /** Log lines of ignored acks stand for themselves, or for `suppressed` of them. */
  const counted = (lines: Line[], msg: string): number => lines.filter((l) => l.msg === msg).reduce((n, l) => n + (l.suppressed ?? 1), 0);

  it('ignores 5,000 forged and invalid acks with a bounded number of log lines, storing none, and still takes a real one', async () => {
    const { store, eventId, lines, listener, acked, device } = await setUp();
    await listener.start();
    const forger = await device();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const forged: [string, string][] = [];
    for (let i = 0; i < 5000; i++) {
      const fakeId = `019ab5c4-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
      forged.push(([
        [topic(fakeId), JSON.stringify({ by: `forger-${i}` })], // no such event
        [topic(`x${i}`), JSON.stringify({ by: 'x' })], // malformed id
        [topic(eventId), `not json ${i}`],
        [topic(eventId), JSON.stringify({ by: 'x', [`field${i}`]: true })],
        [topic(eventId), JSON.stringify({ by: `forger-${i}`, at: future })], // future-dated
      ] as [string, string][])[i % 5]!);
    }
    await Promise.all(forged.map(([t, p]) => forger.publishAsync(t, p, { qos: 1 })));
    await forger.publishAsync(topic(eventId), JSON.stringify({ by: 'register-2' }), { qos: 1 });
    await waitUntil('the real ack, sent last', () => acked.length === 1);
    listener.close();

    expect(store.acks.forEvent(eventId)).toMatchObject([{ by: 'register-2', source: 'mqtt' }]);
    expect(lines.length).toBeLessThan(20);
    // Nothing vanished: every ignored ack is in a line, itself or counted as held back.
    expect(counted(lines, 'ack ignored')).toBe(5000);
    expect(new Set(lines.filter((l) => l.msg === 'ack ignored').map((l) => l.cause))).toEqual(new Set(['event', 'topic', 'payload', 'future']));
    expect(lines.filter((l) => l.msg === 'event acknowledged')).toEqual([expect.objectContaining({ level: 'info', event: eventId })]);
  });

  it('does not store a future-dated ack, and stores one within the clock skew', async () => {
    const { store, eventId, lines, listener, acked, device } = await setUp({ clockSkewMs: 30_000 });
    await listener.start();
    const clerk = await device();
    await clerk.publishAsync(topic(eventId), JSON.stringify({ by: 'early-bird', at: new Date(Date.now() + 600_000).toISOString() }), { qos: 1 });
    const within = new Date(Date.now() + 10_000).toISOString();
    await clerk.publishAsync(topic(eventId), JSON.stringify({ by: 'register-2', at: within }), { qos: 1 });
    await waitUntil('the ack within the skew', () => acked.length === 1);
    expect(store.acks.forEvent(eventId)).toMatchObject([{ by: 'register-2', ackedAt: Date.parse(within) }]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'ack ignored', cause: 'future', reason: expect.stringMatching(/ahead of the agent's clock \(allowed: 30 s/) }));
  });

  it('does not store a retained ack the broker replays to a new subscription, and says why', async () => {
    const { store, eventId, lines, listener, acked, device } = await setUp();
    const clerk = await device();
    await clerk.publishAsync(topic(eventId), JSON.stringify({ by: 'yesterday' }), { qos: 1, retain: true });
    await listener.start();
    await waitUntil('the retained ack to be ignored', () => lines.some((l) => l.msg === 'ack ignored'));
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'ack ignored', cause: 'retained', reason: expect.stringMatching(/^retained/) })]);
    await clerk.publishAsync(topic(eventId), JSON.stringify({ by: 'register-2' }), { qos: 1 });
    await waitUntil('the live ack', () => acked.length === 1);
    expect(store.acks.forEvent(eventId).map((a) => a.by)).toEqual(['register-2']);
  });
});
