import { createServer } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

const brokers: EmbeddedBroker[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function start(): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: 0 });
  brokers.push(broker);
  return broker;
}

async function client(url: string, clientId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
  clients.push(c);
  return c;
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
  ])('delivers a QoS 1 message to a subscriber over %s', async (_name, url) => {
    const broker = await start();
    const subscriber = await client(url(broker), 'sub');
    await subscriber.subscribeAsync('mimamori/site-1/alerts', { qos: 1 });
    const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      subscriber.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), qos: packet.qos }));
    });
    const publisher = await client(broker.url, 'pub');
    await publisher.publishAsync('mimamori/site-1/alerts', '{"seq":1}', { qos: 1 });
    expect(await received).toEqual({ topic: 'mimamori/site-1/alerts', payload: '{"seq":1}', qos: 1 });
  });

  it('frees both ports and ends connections on close()', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: 0 });
    const tcpClient = await client(broker.url, 'tcp');
    const wsClient = await client(broker.wsUrl, 'ws');
    const closed = Promise.all([tcpClient, wsClient].map((c) => new Promise<void>((r) => c.once('close', () => r()))));
    await broker.close();
    await closed;
    expect(await portIsFree(portOf(broker.url))).toBe(true);
    expect(await portIsFree(portOf(broker.wsUrl))).toBe(true);
    await broker.close();
  });

  it('names the address when a port is taken', async () => {
    const first = await start();
    const port = portOf(first.url);
    await expect(startEmbeddedBroker({ host: '127.0.0.1', port, wsPort: 0 })).rejects.toThrow(
      new RegExp(`cannot listen for MQTT on 127\\.0\\.0\\.1:${port}`),
    );
  });
});
