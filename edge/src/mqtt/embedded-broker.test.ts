import { createServer } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { testBrokerOptions, testLogin, testPassword } from '../../test/broker-login.js';
import { waitUntil } from '../../test/wait-until.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

const SITE = 'site-1';
const S = (topic: string): string => `mimamori/${SITE}/${topic}`;
const EVENT = '019ab5c4-0000-7000-8000-0123456789ab';
const brokers: EmbeddedBroker[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function start(): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker(testBrokerOptions(SITE, ['atm1', 'atm2']));
  brokers.push(broker);
  return broker;
}

async function client(url: string, clientId: string, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...options });
  clients.push(c);
  return c;
}

/** A device logged in as `user`, with every message it receives. */
async function device(broker: EmbeddedBroker, user: string): Promise<{ client: MqttClient; got: string[] }> {
  const c = await client(broker.url, `${user}-test`, testLogin(user));
  const got: string[] = [];
  c.on('message', (topic) => got.push(topic));
  return { client: c, got };
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));
}

describe('embedded broker', () => {
  it('reports the bound ports', async () => {
    const broker = await start();
    expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    expect(portOf(broker.url)).toBeGreaterThan(0);
    expect(portOf(broker.wsUrl)).not.toBe(portOf(broker.url));
  });

  it.each([
    ['TCP', (b: EmbeddedBroker) => b.url],
    ['WebSocket', (b: EmbeddedBroker) => b.wsUrl],
  ])('delivers a QoS 1 message to a logged-in subscriber over %s', async (_name, url) => {
    const broker = await start();
    const subscriber = await client(url(broker), 'sub', testLogin(`clerk-${SITE}`));
    await subscriber.subscribeAsync(S('clerk/alerts'), { qos: 1 });
    const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      subscriber.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), qos: packet.qos }));
    });
    const publisher = await client(broker.url, 'pub', testLogin('mimamori-agent'));
    await publisher.publishAsync(S('clerk/alerts'), '{"seq":1}', { qos: 1 });
    expect(await received).toEqual({ topic: S('clerk/alerts'), payload: '{"seq":1}', qos: 1 });
  });

  it('frees both ports and ends connections on close()', async () => {
    const broker = await startEmbeddedBroker(testBrokerOptions(SITE));
    const tcpClient = await client(broker.url, 'tcp', testLogin('mimamori-agent'));
    const wsClient = await client(broker.wsUrl, 'ws', testLogin(`relay-${SITE}`));
    const ended = Promise.all([tcpClient, wsClient].map((c) => new Promise<void>((r) => c.once('close', () => r()))));
    await broker.close();
    await ended;
    expect(await portIsFree(portOf(broker.url))).toBe(true);
    expect(await portIsFree(portOf(broker.wsUrl))).toBe(true);
    await broker.close();
  });

  it('names the address when a port is taken', async () => {
    const first = await start();
    const port = portOf(first.url);
    await expect(startEmbeddedBroker({ ...testBrokerOptions(SITE), port })).rejects.toThrow(
      new RegExp(`cannot listen for MQTT on 127\\.0\\.0\\.1:${port}`),
    );
  });
});

describe('embedded broker: logins', () => {
  it.each([
    ['TCP', (b: EmbeddedBroker) => b.url],
    ['WebSocket without an Origin', (b: EmbeddedBroker) => b.wsUrl],
  ])('refuses anonymous clients, wrong passwords and unknown users over %s', async (_name, url) => {
    const broker = await start();
    await expect(client(url(broker), 'anonymous')).rejects.toThrow(/not authorized/i);
    await expect(client(url(broker), 'wrong', { username: `clerk-${SITE}`, password: 'guess' })).rejects.toThrow(/bad user ?name or password/i);
    await expect(client(url(broker), 'empty', { username: `clerk-${SITE}`, password: '' })).rejects.toThrow(/bad user ?name or password/i);
    // Another user's password does not open this one.
    await expect(client(url(broker), 'swap', { username: 'mimamori-agent', password: testPassword(`clerk-${SITE}`) })).rejects.toThrow(/bad user ?name or password/i);
    await expect(client(url(broker), 'stranger', { username: 'intruder', password: 'intruder-secret' })).rejects.toThrow(/bad user ?name or password/i);
    const clerk = await client(url(broker), 'clerk', testLogin(`clerk-${SITE}`));
    expect(clerk.connected).toBe(true);
  });

  it('logs refusals with the user and reason, without the password, and not once per guessed name', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('broker-test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const broker = await startEmbeddedBroker({ ...testBrokerOptions(SITE), log });
    brokers.push(broker);
    await expect(client(broker.url, 'old-pw', { username: `relay-${SITE}`, password: 'last-years-password' })).rejects.toThrow();
    for (let i = 0; i < 20; i++) await expect(client(broker.url, `scan-${i}`, { username: `admin${i}`, password: 'admin' })).rejects.toThrow();
    const refused = lines.filter((l) => l.msg === 'mqtt login refused');
    expect(refused.map((l) => [l.user, l.reason])).toEqual([[`relay-${SITE}`, 'bad username or password'], ['admin0', 'bad username or password']]);
    expect(JSON.stringify(lines)).not.toContain('last-years-password');
  });

  it('does not let another user take over a connected client id (the agent\'s, say)', async () => {
    const broker = await start();
    const agent = await client(broker.url, 'mimamori-site-1', testLogin('mimamori-agent'));
    await expect(client(broker.url, 'mimamori-site-1', testLogin(`relay-${SITE}`))).rejects.toThrow(/identifier rejected/i);
    expect(agent.connected).toBe(true);
    // The same user reconnecting (a dropped link) does take its id over, and once gone it is free.
    const again = await client(broker.url, 'mimamori-site-1', testLogin('mimamori-agent'));
    await again.endAsync();
    const relay = await client(broker.url, 'mimamori-site-1', testLogin(`relay-${SITE}`));
    expect(relay.connected).toBe(true);
  });

  it('refuses a user with a password but no role on this site', async () => {
    const options = testBrokerOptions(SITE);
    const broker = await startEmbeddedBroker({ ...options, credentials: { ...options.credentials, 'clerk-other-site': 'pw' } });
    brokers.push(broker);
    await expect(client(broker.url, 'other', { username: 'clerk-other-site', password: 'pw' })).rejects.toThrow(/not authorized/i);
  });
});

describe('embedded broker: the roles of deploy/mosquitto/acl', () => {
  it('lets each device read only its own topics', async () => {
    const broker = await start();
    const agent = await device(broker, 'mimamori-agent');
    const atm1 = await device(broker, 'atm-atm1');
    const controller = await device(broker, 'atmctl-atm1');
    const clerk = await device(broker, `clerk-${SITE}`);
    const relay = await device(broker, `relay-${SITE}`);
    const dashboard = await device(broker, `dashboard-${SITE}`);

    // A wildcard over the whole site is granted but delivers only what the device may read;
    // a filter that can deliver nothing it may read is refused outright (SUBACK 0x80).
    expect((await atm1.client.subscribeAsync(S('#'), { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    for (const forbidden of [S('atm/atm2/warning'), S('clerk/alerts'), 'mimamori/other-site/#']) {
      await expect(atm1.client.subscribeAsync(forbidden, { qos: 1 }), forbidden).rejects.toThrow(/subscribe error/i);
    }
    for (const d of [controller, clerk, relay, dashboard]) await d.client.subscribeAsync(S('#'), { qos: 1 });

    const published = [S('atm/atm1/warning'), S('atm/atm2/warning'), S('atm/atm1/interlock'), S('clerk/alerts'), S('clerk/signal'), S('cam1/events')];
    for (const topic of published) await agent.client.publishAsync(topic, 'x', { qos: 1 });
    // Status is readable by all and published last: once it is in, everything before it was delivered or not.
    await agent.client.publishAsync(S('status'), 'online', { qos: 1 });
    const devices = [atm1, controller, clerk, relay, dashboard];
    for (const d of devices) await waitUntil('the status marker', () => d.got.includes(S('status')));
    const seen = (d: { got: string[] }): string[] => d.got.filter((t) => t !== S('status'));
    expect(seen(atm1)).toEqual([S('atm/atm1/warning')]);
    expect(seen(controller)).toEqual([S('atm/atm1/interlock')]);
    expect(seen(clerk)).toEqual([S('clerk/alerts')]);
    expect(seen(relay)).toEqual([S('clerk/signal')]);
    expect(seen(dashboard)).toEqual(published);
  });

  it('keeps retained messages from devices that may not read them', async () => {
    const broker = await start();
    const agent = await device(broker, 'mimamori-agent');
    await agent.client.publishAsync(S('clerk/signal'), 'on', { qos: 1, retain: true });
    await agent.client.publishAsync(S('status'), 'online', { qos: 1, retain: true });
    const atm1 = await device(broker, 'atm-atm1');
    await atm1.client.subscribeAsync(S('#'), { qos: 1 });
    await waitUntil('the retained status', () => atm1.got.includes(S('status')));
    expect(atm1.got).toEqual([S('status')]);
  });

  it.each([
    ['a clerk device', `clerk-${SITE}`, [S('atm/atm1/warning'), S('atm/atm1/interlock'), S('clerk/signal'), S('clerk/alerts'), S('status')]],
    ['an ATM display', 'atm-atm1', [S('atm/atm1/warning'), S(`clerk/alerts/${EVENT}/ack`)]],
    ['the relay', `relay-${SITE}`, [S('clerk/signal'), S(`clerk/alerts/${EVENT}/ack`)]],
    ['Home Assistant', 'homeassistant', [S(`clerk/alerts/${EVENT}/ack`), 'homeassistant/binary_sensor/mimamori_site-1/x/config']],
  ])('refuses what %s may not publish, and nobody receives it', async (_name, user, topics) => {
    const broker = await start();
    const dashboard = await device(broker, `dashboard-${SITE}`);
    const agent = await device(broker, 'mimamori-agent');
    await agent.client.subscribeAsync(['#', 'homeassistant/#'], { qos: 1 });
    await dashboard.client.subscribeAsync(S('#'), { qos: 1 });
    for (const topic of topics) {
      const d = await device(broker, user);
      const gone = closed(d.client);
      // MQTT 3.1.1 has no refusal code for a publish: the broker drops the connection.
      void d.client.publishAsync(topic, '{"action":"show","texts":{"en":"forged"}}', { qos: 1 }).catch(() => undefined);
      await gone;
    }
    await agent.client.publishAsync(S('status'), 'online', { qos: 1 });
    await waitUntil('the status marker', () => dashboard.got.includes(S('status')) && agent.got.includes(S('status')));
    expect(dashboard.got).toEqual([S('status')]);
    expect(agent.got).toEqual([S('status')]);
  });

  it.each([`clerk-${SITE}`, `dashboard-${SITE}`])('lets %s acknowledge an alert', async (user) => {
    const broker = await start();
    const agent = await device(broker, 'mimamori-agent');
    await agent.client.subscribeAsync(S('clerk/alerts/+/ack'), { qos: 1 });
    const acker = await device(broker, user);
    await acker.client.publishAsync(S(`clerk/alerts/${EVENT}/ack`), '{"by":"register-2"}', { qos: 1 });
    await waitUntil('the ack', () => agent.got.includes(S(`clerk/alerts/${EVENT}/ack`)));
    expect(acker.client.connected).toBe(true);
  });
});
