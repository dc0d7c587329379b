import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { openStore, StoreValidationError, type Store } from '../store/store.js';
import { testBrokerOptions, testLogin, type BrokerLogin } from '../../test/broker-login.js';
import { freePort } from '../../test/free-port.js';
import { MOSQUITTO, mosquittoAvailable, startMosquitto, type Mosquitto } from '../../test/mosquitto.js';
import { waitUntil } from '../../test/wait-until.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { connectMqtt, type MqttConnection } from './mqtt-connection.js';
import { OutboxPublisher, rawMessage, wirePayload } from './outbox-publisher.js';

const TOPIC = 'mimamori/site-1/alerts';
const log = createLogger('outbox-test', { level: 'error', write: () => undefined });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Last opened, first closed: publishers before connections before stores and brokers.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Agent {
  store: Store;
  connection: MqttConnection;
  publisher: OutboxPublisher;
  stop(): Promise<void>;
}

/** What `mimamori run` wires up: store, connection, publisher; stop() is the agent's shutdown. */
function startAgent(dataDir: string, url: string, login: Partial<BrokerLogin> = {}): Agent {
  const store = openStore(dataDir);
  const connection = connectMqtt({ url, clientId: 'mimamori-site-1', statusTopic: 'mimamori/site-1/status', log, ...login });
  const publisher = new OutboxPublisher(store, connection, log, { minBackoffMs: 100, maxBackoffMs: 1000 });
  publisher.start();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await publisher.close();
      await connection.close();
      store.close();
    })());
  cleanups.push(stop);
  return { store, connection, publisher, stop };
}

interface Received {
  seqs: number[];
  /** Distinct seqs in arrival order: what a subscriber de-duplicating by seq keeps. */
  unique(): number[];
}

/** A subscriber with a persistent session (clean: false), so the broker queues for it while it is away. */
async function subscribe(url: string, clientId: string, clean: boolean, login: Partial<BrokerLogin> = {}): Promise<{ client: MqttClient; received: Received }> {
  const client = mqtt.connect(url, { clientId, clean, reconnectPeriod: 0, ...login });
  cleanups.push(() => client.endAsync(true));
  const seqs: number[] = [];
  // Listening before CONNACK: messages queued in the session can arrive in the same packet burst.
  client.on('message', (_topic, payload) => seqs.push((JSON.parse(payload.toString()) as { seq: number }).seq));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(TOPIC, { qos: 1 });
  return { client, received: { seqs, unique: () => [...new Set(seqs)] } };
}

function enqueueTen(agent: Agent, from = 0): number[] {
  return Array.from({ length: 10 }, (_, i) =>
    agent.publisher.enqueue({ topic: TOPIC, payload: { eventId: `event-${from + i}`, n: from + i }, qos: 1, retain: false }).seq!,
  );
}

describe.skipIf(!mosquittoAvailable())(`outbox publisher against mosquitto (${MOSQUITTO})`, () => {
  it('keeps messages while the broker is down, across an agent restart, and delivers them in order', async () => {
    const dir = tempDir('mimamori-outbox-mosquitto-');
    const port = await freePort();
    const brokerDir = path.join(dir, 'broker');
    // The alert consumer has a persistent session, as a clerk device or relay would.
    const first: Mosquitto = await startMosquitto(port, brokerDir);
    cleanups.push(() => first.stop());
    const sub = await subscribe(first.url, 'clerk-device', false);
    await sub.client.endAsync();
    await first.stop();

    const dataDir = path.join(dir, 'data');
    const before = startAgent(dataDir, first.url);
    const seqs = enqueueTen(before);
    await new Promise((r) => setTimeout(r, 300));
    expect(before.connection.connected).toBe(false);
    expect(before.store.outbox.pending().map((m) => m.seq)).toEqual(seqs);
    await before.stop();

    const after = startAgent(dataDir, first.url);
    expect(after.store.outbox.pendingCount()).toBe(10);
    const broker = await startMosquitto(port, brokerDir);
    cleanups.push(() => broker.stop());
    await waitUntil('outbox drained', () => after.store.outbox.pendingCount() === 0);

    const { received } = await subscribe(broker.url, 'clerk-device', false);
    await waitUntil('10 messages', () => received.unique().length === 10);
    expect(received.unique()).toEqual(seqs);
    expect(after.store.outbox.pending()).toEqual([]);
    expect(after.store.outbox.get(seqs[9]!)?.publishedAt).not.toBeNull();
  });
});

if (!mosquittoAvailable()) {
  console.warn(`${MOSQUITTO} is missing: the mosquitto outbox test is skipped (apt-get install mosquitto)`);
}

describe('outbox publisher against the embedded broker', () => {
  const AGENT = testLogin('mimamori-agent');
  const DASHBOARD = testLogin('dashboard-site-1');
  async function embedded(): Promise<EmbeddedBroker> {
    const broker = await startEmbeddedBroker(testBrokerOptions('site-1'));
    cleanups.push(() => broker.close());
    return broker;
  }

  it('delivers in order, through a dropped connection', async () => {
    const broker = await embedded();
    const { received } = await subscribe(broker.url, 'dashboard', true, DASHBOARD);
    const agent = startAgent(tempDir('mimamori-outbox-aedes-'), broker.url, AGENT);
    await waitUntil('connected', () => agent.connection.connected);
    const seqs = enqueueTen(agent);
    await waitUntil('first 10', () => received.unique().length >= 10);
    // The link drops as a cut cable would; what is enqueued meanwhile waits in SQLite.
    agent.connection.client.stream.destroy();
    seqs.push(...enqueueTen(agent, 10));
    await waitUntil('20 messages', () => received.unique().length === 20);
    expect(received.unique()).toEqual(seqs);
    await waitUntil('outbox drained', () => agent.store.outbox.pendingCount() === 0);
  });

  it('publishes what a previous run left behind after a restart', async () => {
    const broker = await embedded();
    const dataDir = tempDir('mimamori-outbox-restart-');
    const port = await freePort();
    const before = startAgent(dataDir, `mqtt://127.0.0.1:${port}`);
    const seqs = enqueueTen(before);
    await before.stop();

    const { received } = await subscribe(broker.url, 'dashboard', true, DASHBOARD);
    const after = startAgent(dataDir, broker.url, AGENT);
    await waitUntil('10 messages', () => received.unique().length === 10);
    expect(received.unique()).toEqual(seqs);
    await waitUntil('outbox drained', () => after.store.outbox.pendingCount() === 0);
  });

  it('publishes a raw message as its bare text (a relay matches `on`), retained, without seq', async () => {
    const broker = await embedded();
    const agent = startAgent(tempDir('mimamori-outbox-raw-'), broker.url, AGENT);
    const signal = 'mimamori/site-1/clerk/signal';
    agent.publisher.enqueue(rawMessage(signal, 'on', { qos: 1, retain: true }));
    await waitUntil('outbox drained', () => agent.store.outbox.pendingCount() === 0);
    // A relay connecting afterwards gets the retained state, byte for byte.
    const relay = await mqtt.connectAsync(broker.url, { clientId: 'relay', reconnectPeriod: 0, ...testLogin('relay-site-1') });
    cleanups.push(() => relay.endAsync(true));
    const got: { payload: string; retain: boolean }[] = [];
    relay.on('message', (_t, payload, packet) => got.push({ payload: payload.toString(), retain: packet.retain }));
    await relay.subscribeAsync(signal, { qos: 1 });
    await waitUntil('retained signal', () => got.length === 1);
    expect(got).toEqual([{ payload: 'on', retain: true }]);
    // JSON payloads go out as stored; only the reserved first key marks a raw one.
    expect(wirePayload('{"$raw":"OFF","seq":3}')).toBe('OFF');
    expect(wirePayload('{"eventId":"e","text":"$raw","seq":4}')).toBe('{"eventId":"e","text":"$raw","seq":4}');
  });

  it('flush() waits until everything is published, and gives up at once while disconnected', async () => {
    const broker = await embedded();
    const { received } = await subscribe(broker.url, 'dashboard', true, DASHBOARD);
    const agent = startAgent(tempDir('mimamori-outbox-flush-'), broker.url, AGENT);
    await waitUntil('connected', () => agent.connection.connected);
    const seqs = enqueueTen(agent);
    expect(await agent.publisher.flush(10_000)).toBe(true);
    expect(agent.store.outbox.pendingCount()).toBe(0);
    await waitUntil('10 messages', () => received.unique().length === 10);
    expect(received.unique()).toEqual(seqs);

    const offline = startAgent(tempDir('mimamori-outbox-flush-off-'), `mqtt://127.0.0.1:${await freePort()}`);
    enqueueTen(offline);
    expect(await offline.publisher.flush(10_000)).toBe(false);
    expect(offline.store.outbox.pendingCount()).toBe(10);
  });

  it('refuses a bad topic before writing anything, naming the field', async () => {
    const broker = await embedded();
    const agent = startAgent(tempDir('mimamori-outbox-topic-'), broker.url, AGENT);
    let error: unknown;
    try {
      agent.publisher.enqueue({ topic: 'mimamori/+/alerts', payload: { eventId: 'e', seq: 1 }, qos: 1, retain: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreValidationError);
    expect(error).toMatchObject({ field: 'topic' });
    expect((error as Error).message).toMatch(/outbox\.enqueue\(mimamori\/\+\/alerts\): topic: must not contain the wildcards/);
    expect(agent.store.outbox.pendingCount()).toBe(0);
  });
});
