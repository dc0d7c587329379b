import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { testBrokerOptions, testLogin } from '../../test/broker-login.js';
import { freePort } from '../../test/free-port.js';
import { MOSQUITTO, mosquittoAvailable, startMosquitto, type Mosquitto } from '../../test/mosquitto.js';
import { makeTestPki, opensslAvailable, type TestPki } from '../../test/test-pki.js';
import { waitUntil } from '../../test/wait-until.js';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker.js';
import { connectMqtt, topicMatches, type MqttConnection, type MqttConnectOptions } from './mqtt-connection.js';

const STATUS = 'mimamori/site-1/status';
const AGENT = testLogin('mimamori-agent');
const logLines: string[] = [];
const log = createLogger('mqtt-test', { level: 'debug', write: (line) => logLines.push(line) });

const brokers: EmbeddedBroker[] = [];
const connections: MqttConnection[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  logLines.splice(0);
});

async function broker(options: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
  const b = await startEmbeddedBroker({ ...testBrokerOptions('site-1'), ...options });
  brokers.push(b);
  return b;
}

function open(options: Partial<MqttConnectOptions> & { url: string }): MqttConnection {
  const c = connectMqtt({ clientId: 'mimamori-site-1', statusTopic: STATUS, log, ...AGENT, ...options });
  connections.push(c);
  return c;
}

/** A plain mqtt.js client recording every status message, retained flag included. */
async function watchStatus(url: string): Promise<{ seen: { payload: string; retained: boolean }[] }> {
  const c = await mqtt.connectAsync(url, { clientId: `watcher-${clients.length}`, reconnectPeriod: 0, ...testLogin('relay-site-1') });
  clients.push(c);
  const seen: { payload: string; retained: boolean }[] = [];
  c.on('message', (_topic, payload, packet) => seen.push({ payload: payload.toString(), retained: packet.retain }));
  await c.subscribeAsync(STATUS, { qos: 1 });
  return { seen };
}

describe('MQTT connection', () => {
  it('publishes a retained online on connect', async () => {
    const b = await broker();
    const connection = open({ url: b.url });
    await waitUntil('connected', () => connection.connected);
    // A late subscriber gets the retained value.
    const { seen } = await watchStatus(b.url);
    await waitUntil('online', () => seen.length > 0);
    expect(seen[0]).toEqual({ payload: 'online', retained: true });
  });

  it('leaves a retained offline through the last will when the client dies', async () => {
    const b = await broker();
    const connection = open({ url: b.url, reconnectPeriodMs: 60_000 });
    await waitUntil('connected', () => connection.connected);
    const { seen } = await watchStatus(b.url);
    await waitUntil('online', () => seen.some((m) => m.payload === 'online'));
    // What a crash or a cut cable looks like to the broker: the socket goes without DISCONNECT.
    connection.client.stream.destroy();
    await waitUntil('offline', () => seen.some((m) => m.payload === 'offline'));
    const late = await watchStatus(b.url);
    await waitUntil('retained offline', () => late.seen.length > 0);
    expect(late.seen[0]).toEqual({ payload: 'offline', retained: true });
    expect(logLines.some((l) => l.includes('"disconnected, reconnecting"'))).toBe(true);
  });

  it('publishes a retained offline on close()', async () => {
    const b = await broker();
    const connection = open({ url: b.url });
    await waitUntil('connected', () => connection.connected);
    const { seen } = await watchStatus(b.url);
    await waitUntil('online', () => seen.some((m) => m.payload === 'online'));
    await connection.close();
    expect(connection.connected).toBe(false);
    await waitUntil('offline', () => seen.some((m) => m.payload === 'offline'));
    const late = await watchStatus(b.url);
    await waitUntil('retained offline', () => late.seen.length > 0);
    expect(late.seen[0]).toEqual({ payload: 'offline', retained: true });
    await expect(connection.publish('mimamori/site-1/x', '{}', { qos: 1, retain: false })).rejects.toThrow(/mimamori\/site-1\/x: connection is closed/);
  });

  it('reconnects after the broker comes back and publishes with PUBACK', async () => {
    const b = await broker();
    const port = Number(new URL(b.url).port);
    const connection = open({ url: b.url });
    let connects = 0;
    connection.onConnect(() => connects++);
    await waitUntil('connected', () => connects === 1);
    await b.close();
    await waitUntil('disconnected', () => !connection.connected);
    await expect(connection.publish('mimamori/site-1/x', '{}', { qos: 1, retain: false })).rejects.toThrow(/not connected/);
    const again = await startEmbeddedBroker({ ...testBrokerOptions('site-1'), port });
    brokers.push(again);
    await waitUntil('reconnected', () => connects === 2 && connection.connected);
    const received: string[] = [];
    await connection.subscribe('mimamori/+/alerts', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await connection.publish('mimamori/site-1/alerts', '{"seq":7}', { qos: 1, retain: false });
    await waitUntil('own message', () => received.length === 1);
    expect(received).toEqual(['mimamori/site-1/alerts {"seq":7}']);
    expect(logLines.filter((l) => l.includes('"connected"'))).toHaveLength(2);
  });

  it('keeps credentials out of the logs', async () => {
    // mqtt.js lets the URL's login win over the options': that is the one the broker knows.
    const b = await broker({ credentials: { 'mimamori-agent': 's3cret-in-url' } });
    const url = b.url.replace('mqtt://', 'mqtt://mimamori-agent:s3cret-in-url@');
    const connection = open({ url, username: 'mimamori-agent', password: 'hunter2-password' });
    await waitUntil('connected', () => connection.connected);
    await connection.close();
    const all = logLines.join('\n');
    expect(all).toContain('"connected"');
    expect(all).not.toContain('s3cret-in-url');
    expect(all).not.toContain('hunter2-password');
    expect(all).toContain(`"url":"mqtt://***@${url.split('@')[1]!}"`);
  });

  it('names the TLS file it cannot read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-tls-'));
    try {
      const missing = path.join(dir, 'ca.crt');
      expect(() =>
        connectMqtt({ url: 'mqtts://127.0.0.1:1', clientId: 'x', statusTopic: STATUS, log, tls: { ca: missing, rejectUnauthorized: true } }),
      ).toThrow(`mqtt.tls.ca: cannot read ${missing}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches topic filters', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('a/b', 'a/b')).toBe(true);
    expect(topicMatches('a/b/c', 'a/b')).toBe(false);
  });
});

const tlsTestable = mosquittoAvailable() && opensslAvailable();
if (!tlsTestable) console.warn(`${MOSQUITTO} or openssl is missing: the TLS tests are skipped (apt-get install mosquitto openssl)`);

describe.skipIf(!tlsTestable)('MQTT over TLS against mosquitto requiring client certificates', () => {
  let dir: string;
  let pki: TestPki;
  let broker: Mosquitto;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-tls-'));
    pki = makeTestPki(path.join(dir, 'pki'));
    broker = await startMosquitto(await freePort(), path.join(dir, 'broker'), {
      tls: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requireCertificate: true },
    });
  });
  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects with mqtts:// and the CA, client certificate and key from the config; a message round-trips', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const { mqtt: config } = parseConfig({ site: 'site-1', mqtt: { url: broker.url, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } } });
    const connection = open({ url: config.url!, tls: config.tls });
    await waitUntil('connected over TLS', () => connection.connected);
    const received: string[] = [];
    await connection.subscribe('mimamori/site-1/tls-check', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await connection.publish('mimamori/site-1/tls-check', '{"seq":1}', { qos: 1, retain: false });
    await waitUntil('round trip', () => received.length === 1);
    expect(received).toEqual(['mimamori/site-1/tls-check {"seq":1}']);
    expect(logLines.some((l) => l.includes('"connection error"'))).toBe(false);
  });

  it('refuses a broker whose certificate the configured CA did not sign, naming the CA file', async () => {
    const connection = open({ url: broker.url, tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: true } });
    await waitUntil('the TLS error', () => logLines.some((l) => l.includes('"connection error"')));
    const line = JSON.parse(logLines.find((l) => l.includes('"connection error"'))!) as { error: string };
    expect(line.error).toBe(
      `TLS: the broker's certificate is not trusted by mqtt.tls.ca (${pki.otherCa}): self-signed certificate in certificate chain [SELF_SIGNED_CERT_IN_CHAIN]`,
    );
    expect(connection.connected).toBe(false);
  });

  it('is refused by the broker without a client certificate, saying which fields to set', async () => {
    const connection = open({ url: broker.url, tls: { ca: pki.ca, rejectUnauthorized: true } });
    await waitUntil('the TLS error', () => logLines.some((l) => l.includes('"connection error"')));
    const line = JSON.parse(logLines.find((l) => l.includes('"connection error"'))!) as { error: string };
    expect(line.error).toMatch(/^TLS: the broker requires a client certificate: set mqtt\.tls\.cert and mqtt\.tls\.key \[ERR_SSL_/);
    expect(connection.connected).toBe(false);
  });
});
