/**
 * The database locked by another process (the real sqlite3 shell in a write transaction) for much
 * longer than busy_timeout: an event step, an outbox message and an ack from a clerk device that
 * arrive meanwhile are all kept trying and end up stored (and the message published), none lost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { testBrokerOptions, testLogin } from '../../test/broker-login.js';
import { episode } from '../../test/event-steps.js';
import { holdWriteLock } from '../../test/sqlite-lock.js';
import { waitUntil } from '../../test/wait-until.js';
import { createLogger } from '../log/logger.js';
import { AckListener } from '../alerts/ack-listener.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { connectMqtt } from '../mqtt/mqtt-connection.js';
import { OutboxPublisher } from '../mqtt/outbox-publisher.js';
import { EventRecorder, type RecordedEvent } from '../pipeline/events/event-recorder.js';
import { openStore } from './store.js';
import { WriteGuard } from './write-guard.js';

const SITE = 'lock-test';
const lines: Record<string, unknown>[] = [];
const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a database locked by another process past busy_timeout', () => {
  it('keeps an event step, an outbox message and an ack trying until the lock is gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-locked-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    // 200 ms of busy_timeout against a lock held for 2 s: each attempt gives up ten times over.
    const store = openStore(dir, { busyTimeoutMs: 200 });
    cleanups.push(() => store.close());
    const broker = await startEmbeddedBroker(testBrokerOptions(SITE));
    cleanups.push(() => broker.close());
    const connection = connectMqtt({ url: broker.url, clientId: 'mimamori-lock-test', ...testLogin('mimamori-agent'), statusTopic: `mimamori/${SITE}/status`, log });
    cleanups.push(() => connection.close());
    const writes = new WriteGuard({ log, minRetryMs: 100, maxRetryMs: 400 });
    cleanups.push(() => writes.close());
    const publisher = new OutboxPublisher(store, connection, log, { writes, minBackoffMs: 100, maxBackoffMs: 400 });
    publisher.start();
    cleanups.push(() => publisher.close());
    const recorded: RecordedEvent[] = [];
    const recorder = new EventRecorder(store, log, (e) => recorded.push(e), writes);
    const acked: string[] = [];
    await new AckListener(SITE, store, connection, (id) => acked.push(id), log, { writes }).start();

    const subscriber = await mqtt.connectAsync(broker.url, testLogin(`dashboard-${SITE}`));
    cleanups.push(() => subscriber.endAsync());
    const alerts: string[] = [];
    subscriber.on('message', (topic, payload) => {
      if (topic === `mimamori/${SITE}/clerk/alerts`) alerts.push((JSON.parse(payload.toString()) as { eventId: string }).eventId);
    });
    await subscriber.subscribeAsync(`mimamori/${SITE}/clerk/alerts`, { qos: 1 });
    const clerk = await mqtt.connectAsync(broker.url, testLogin(`clerk-${SITE}`));
    cleanups.push(() => clerk.endAsync());

    // An event from before the lock, for the clerk to acknowledge during it.
    const earlier = episode(Date.now() - 10_000, { camera: 'atmcam' });
    await recorder.handle(earlier.start('high'), null);
    const earlierId = recorded[0]!.record.id;

    const lock = await holdWriteLock(store.file, 2000);
    const later = episode(Date.now(), { camera: 'atmcam' });
    const stepStored = recorder.handle(later.start('high'), null);
    const queued = publisher.enqueue({ topic: `mimamori/${SITE}/clerk/alerts`, qos: 1, retain: false, payload: { eventId: 'during-the-lock' } });
    await clerk.publishAsync(`mimamori/${SITE}/clerk/alerts/${earlierId}/ack`, JSON.stringify({ by: 'register-2' }), { qos: 1 });
    // Still locked: nothing of it could be written yet.
    expect(queued.seq).toBeNull();
    expect(publisher.unwritten).toBe(1);

    await lock.released;
    await stepStored;
    const laterRecord = recorded.find((e) => e.step.eventKey === later.start('high').eventKey)?.record;
    expect(laterRecord && store.events.get(laterRecord.id)).toMatchObject({ camera: 'atmcam', behaviour: 'phone_at_atm' });
    await waitUntil('the message kept in memory published', () => alerts.includes('during-the-lock'), 10_000);
    expect(publisher.unwritten).toBe(0);
    await waitUntil('the ack stored', () => store.acks.forEvent(earlierId).length === 1, 10_000);
    expect(store.acks.forEvent(earlierId)[0]).toMatchObject({ by: 'register-2', source: 'mqtt' });
    expect(acked).toEqual([earlierId]);
    expect(writes.writeFailures).toBeGreaterThan(0);
    expect(lines.some((l) => l.msg === 'write not taken yet, trying again')).toBe(true);
  }, 60_000);
});
