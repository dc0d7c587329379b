/**
 * An MQTT client watching the site's topics the way the dashboard does. Once the broker slice
 * lands the embedded broker wants credentials: they are read from <dataDir>/mqtt/credentials.json
 * (the dashboard's user) when that file exists; otherwise the client connects anonymously.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';

export interface ObservedMessage {
  readonly topic: string;
  readonly text: string;
  readonly retain: boolean;
  readonly at: number;
}

export class MqttObserver {
  readonly messages: ObservedMessage[] = [];

  private constructor(private readonly client: mqtt.MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, text: payload.toString(), retain: packet.retain, at: Date.now() }));
  }

  /** Connects to `url` and subscribes to `topic` (QoS 1, a persistent session named `clientId`). */
  static async connect(url: string, topic: string, options: { dataDir?: string; username?: string; clientId?: string } = {}): Promise<MqttObserver> {
    const credentials = options.dataDir ? join(options.dataDir, 'mqtt', 'credentials.json') : null;
    let auth: { username?: string; password?: string } = {};
    if (credentials && existsSync(credentials) && options.username) {
      const users = JSON.parse(readFileSync(credentials, 'utf8')) as Record<string, string>;
      const password = users[options.username];
      if (password === undefined) throw new Error(`${credentials}: no password for user "${options.username}"`);
      auth = { username: options.username, password };
    }
    const client = await mqtt.connectAsync(url, {
      ...auth, clientId: options.clientId ?? `chaos-observer-${process.pid}`, clean: false, reconnectPeriod: 500, connectTimeout: 5000,
    });
    const observer = new MqttObserver(client);
    const granted = await client.subscribeAsync(topic, { qos: 1 });
    // A broker with an ACL answers a refused subscription with 0x80 instead of an error.
    if (granted.some((g) => g.qos === 128)) {
      await client.endAsync(true);
      throw new Error(`${url}: subscription to ${topic} refused for ${auth.username ?? 'an anonymous client'}`);
    }
    return observer;
  }

  /** JSON payloads of messages on `topic`. */
  json(topic: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.text) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
