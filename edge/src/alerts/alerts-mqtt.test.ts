/**
 * Interlock advice, the relay signal, clerk reminders with acks over MQTT, and Home Assistant
 * discovery, end to end through the outbox and a real broker (the embedded aedes and a real
 * mosquitto), with devices as plain mqtt.js subscribers. Event steps are synthetic, with times
 * chosen by the test, and reminders are driven by tick(t), so nothing here waits on a clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { episode } from '../../test/event-steps.js';
import { testBrokerOptions, testLogin } from '../../test/broker-login.js';
import { freePort } from '../../test/free-port.js';
import { MOSQUITTO, mosquittoAvailable, startMosquitto } from '../../test/mosquitto.js';
import { useTempStores } from '../../test/temp-store.js';
import { waitUntil } from '../../test/wait-until.js';
import { EventRecorder } from '../pipeline/events/event-recorder.js';
import { AckListener } from './ack-listener.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { HomeAssistantDiscovery } from './home-assistant.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { connectMqtt } from '../mqtt/mqtt-connection.js';
import { OutboxPublisher } from '../mqtt/outbox-publisher.js';

const SITE = 'store-001';
const T = (topic: string): string => `mimamori/${SITE}/${topic}`;
const openStore = useTempStores('mimamori-alerts-mqtt-');
const log = createLogger('alerts-mqtt-test', { level: 'error', write: () => undefined });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Received { topic: string; text: string; retain: boolean }

/** A device logged in as `user`: a plain MQTT client that keeps everything it receives. */
async function device(url: string, user: string, topics: string[]): Promise<{ client: MqttClient; got: Received[]; json(topic: string): Record<string, unknown>[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...testLogin(user) });
  cleanups.push(() => client.endAsync(true));
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    got,
    json: (topic) => got.filter((m) => m.topic === topic).map((m) => JSON.parse(m.text) as Record<string, unknown>),
  };
}

type BrokerFactory = () => Promise<string>;

const brokers: [string, BrokerFactory][] = [
  ['the embedded broker', async () => {
    const broker = await startEmbeddedBroker(testBrokerOptions(SITE));
    cleanups.push(() => broker.close());
    return broker.url;
  }],
];
if (mosquittoAvailable()) {
  brokers.push([`mosquitto (${MOSQUITTO})`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-alerts-mosq-'));
    const broker = await startMosquitto(await freePort(), dir);
    cleanups.push(async () => {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return broker.url;
  }]);
} else {
  console.warn(`${MOSQUITTO} is missing: the alert tests run against the embedded broker only (apt-get install mosquitto)`);
}

/** What the agent wires up for alerts, on one broker, with a clock the test sets. */
async function startAgentSide(url: string, clock: { now: number }) {
  const store = openStore();
  const config = parseConfig({
    site: SITE,
    mqtt: { url, homeAssistant: { enabled: true } },
    alerts: { clerkResendSeconds: 30, clerkResendMax: 3, interlock: { enabled: true } },
    cameras: [{ id: 'atmcam', source: '/dev/null', zones: [{ id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }] }],
  });
  const connection = connectMqtt({ url, clientId: `mimamori-${SITE}`, statusTopic: T('status'), log, ...testLogin('mimamori-agent') });
  const publisher = new OutboxPublisher(store, connection, log);
  const alerts = new AlertDispatcher(SITE, publisher, config.alerts, log, { now: () => clock.now });
  const homeAssistant = new HomeAssistantDiscovery(SITE, config.cameras, publisher, { discoveryPrefix: 'homeassistant', swVersion: '0.1.0' }, log, connection);
  cleanups.push(async () => {
    homeAssistant.close();
    alerts.close();
    await publisher.close();
    await connection.close();
  });
  publisher.start();
  alerts.start();
  const acks = new AckListener(SITE, store, connection, (id) => alerts.acknowledged(id), log);
  cleanups.push(() => acks.close());
  await acks.start();
  await homeAssistant.start();
  const recorder = new EventRecorder(store, log, (e) => {
    alerts.handle(e);
    homeAssistant.handle(e);
  });
  return { store, recorder, alerts, publisher };
}

describe.each(brokers)('alerts over %s', (_name, startBroker) => {
  it('suspends the ATM, lights the relay and reminds the clerk until an ack over MQTT stops all three', async () => {
    const url = await startBroker();
    const clock = { now: Date.UTC(2026, 10, 25, 5, 0, 0) };
    const t0 = clock.now;
    const controller = await device(url, 'atmctl-atm1', [T('atm/atm1/interlock')]);
    const clerk = await device(url, `clerk-${SITE}`, [T('clerk/alerts')]);
    const dashboard = await device(url, `dashboard-${SITE}`, [T('clerk/signal')]);
    const agent = await startAgentSide(url, clock);

    const call = episode(t0);
    await agent.recorder.handle(call.start('high'), null);
    await waitUntil('suspend and the first alert', () => controller.got.length === 1 && clerk.json(T('clerk/alerts')).length === 1);
    const eventId = String(clerk.json(T('clerk/alerts'))[0]!.eventId);
    expect(controller.json(T('atm/atm1/interlock'))[0]).toMatchObject({ action: 'suspend', eventId, reason: 'phone_call' });
    expect(controller.got[0]!.retain).toBe(false);

    // A relay that connects now gets the current state at once, as the bare text a relay matches.
    await waitUntil('signal on', () => dashboard.got.some((m) => m.topic === T('clerk/signal') && m.text === 'on'));
    const relay = await device(url, `relay-${SITE}`, [T('clerk/signal')]);
    await waitUntil('retained signal', () => relay.got.length > 0);
    expect(relay.got[0]).toEqual({ topic: T('clerk/signal'), text: 'on', retain: true });

    clock.now = t0 + 30_000;
    agent.alerts.tick(clock.now);
    await waitUntil('the first reminder', () => clerk.json(T('clerk/alerts')).length === 2);
    expect(clerk.json(T('clerk/alerts'))[1]).toMatchObject({ eventId, resend: 1 });

    // Staff answer from the handheld.
    clock.now = t0 + 41_000;
    await clerk.client.publishAsync(T(`clerk/alerts/${eventId}/ack`), JSON.stringify({ by: 'register-2' }), { qos: 1 });
    await waitUntil('resume', () => controller.got.length === 2);
    expect(controller.json(T('atm/atm1/interlock'))[1]).toMatchObject({ action: 'resume', eventId, reason: 'acknowledged', until: null });
    expect(Date.parse(String(controller.json(T('atm/atm1/interlock'))[1]!.at))).toBe(t0 + 41_000);
    await waitUntil('signal off', () => relay.got.at(-1)?.text === 'off');
    expect(agent.store.acks.forEvent(eventId)).toMatchObject([{ by: 'register-2', source: 'mqtt' }]);

    // No more reminders: later ticks send nothing for the acknowledged event. The alert of a new
    // event, published after those ticks on the same topic, marks the point to look back from.
    agent.alerts.tick(t0 + 60_000);
    agent.alerts.tick(t0 + 90_000);
    await agent.recorder.handle(call.end(t0 + 95_000), null);
    const next = episode(t0 + 100_000);
    await agent.recorder.handle(next.start('high'), null);
    await waitUntil('the next alert', () => clerk.json(T('clerk/alerts')).length === 3);
    expect(clerk.json(T('clerk/alerts')).map((a) => [a.eventId === eventId, a.resend])).toEqual([[true, 0], [true, 1], [false, 0]]);
    await waitUntil('the next suspend', () => controller.got.length === 3);
    expect(relay.got.map((m) => m.text)).toEqual(['on', 'off', 'on']);
  });

  it('publishes Home Assistant discovery with availability, the behaviour state, and clears a removed camera', async () => {
    const url = await startBroker();
    // A camera a previous configuration had: its retained config must go.
    const before = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...testLogin('mimamori-agent') });
    const stale = 'homeassistant/binary_sensor/mimamori_store-001/oldcam_phone_at_atm/config';
    await before.publishAsync(stale, JSON.stringify({ name: 'Phone at ATM', state_topic: T('oldcam/phone_at_atm/state') }), { qos: 1, retain: true });
    await before.endAsync();

    const ha = await device(url, 'homeassistant', ['homeassistant/#', T('atmcam/+/state'), T('status')]);
    const clock = { now: Date.UTC(2026, 10, 25, 5, 0, 0) };
    const agent = await startAgentSide(url, clock);
    const configTopic = 'homeassistant/binary_sensor/mimamori_store-001/atmcam_phone_at_atm/config';
    await waitUntil('discovery', () => ha.got.some((m) => m.topic === configTopic));
    const config = JSON.parse(ha.got.find((m) => m.topic === configTopic)!.text) as Record<string, unknown>;
    expect(config).toEqual({
      name: 'Phone at ATM',
      unique_id: 'mimamori_store-001_atmcam_phone_at_atm',
      device_class: 'safety',
      state_topic: T('atmcam/phone_at_atm/state'),
      payload_on: 'ON',
      payload_off: 'OFF',
      availability: [{ topic: T('status'), payload_available: 'online', payload_not_available: 'offline' }],
      qos: 1,
      device: { identifiers: ['mimamori_store-001_atmcam'], name: 'Mimamori store-001 atmcam', manufacturer: 'Mimamori', model: 'Camera', via_device: 'mimamori_store-001' },
      origin: { name: 'Mimamori', sw_version: '0.1.0' },
    });
    const agentConfig = JSON.parse(ha.got.find((m) => m.topic.endsWith('/mimamori_store-001/agent/config'))!.text) as Record<string, unknown>;
    expect(agentConfig).toMatchObject({ device_class: 'connectivity', state_topic: T('status'), payload_on: 'online', device: { identifiers: ['mimamori_store-001'] } });
    await waitUntil('stale config cleared', () => ha.got.some((m) => m.topic === stale && m.text === ''));

    const state = T('atmcam/phone_at_atm/state');
    const call = episode(clock.now);
    await agent.recorder.handle(call.start('medium'), null);
    await agent.recorder.handle(call.update(clock.now + 5_000, 'high'), null);
    await agent.recorder.handle(call.end(clock.now + 20_000), null);
    await waitUntil('ON then OFF', () => ha.got.filter((m) => m.topic === state).length === 3);
    expect(ha.got.filter((m) => m.topic === state).map((m) => m.text)).toEqual(['OFF', 'ON', 'OFF']);

    // Home Assistant restarting later finds everything retained: configs, the state, availability.
    const late = await device(url, 'homeassistant', ['homeassistant/binary_sensor/mimamori_store-001/+/config', state, T('status')]);
    await waitUntil('retained', () => late.got.length >= 4);
    expect(late.got.every((m) => m.retain)).toBe(true);
    expect(late.got.find((m) => m.topic === state)?.text).toBe('OFF');
    expect(late.got.find((m) => m.topic === T('status'))?.text).toBe('online');
    expect(late.got.some((m) => m.topic === stale)).toBe(false);
    expect(agent.store.outbox.pendingCount()).toBe(0);
  });
});
