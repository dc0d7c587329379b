/**
 * A forged clerk ack through the whole agent and its embedded broker. An ack resumes a suspended
 * ATM within milliseconds, so one from anyone but a clerk device or the dashboard would let a
 * fraudster's accomplice release a held transfer. Here every other device of the site tries: none
 * of their acks is stored and no interlock `resume` is published; then the clerk's ack is, to show
 * the path the forgeries were kept from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBrokerLogin } from '../../test/broker-login.js';
import { episode } from '../../test/event-steps.js';
import { waitUntil } from '../../test/wait-until.js';
import { Agent } from '../agent.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { openStore, type Store } from '../store/store.js';

const SITE = 'fa-store';
const S = (topic: string): string => `mimamori/${SITE}/${topic}`;

let dir = '';
let dataDir = '';
let agent: Agent | null = null;
let store: Store | null = null;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-forged-ack-'));
  dataDir = join(dir, 'data');
  agent = new Agent(parseConfig({
    site: SITE,
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
    alerts: { interlock: { enabled: true, resumeOn: 'ack' } },
    // The ATM's zone makes its display and controller users; the steps come from the test.
    cameras: [{ id: 'atmcam', source: join(dir, 'none.mp4'), enabled: false, zones: [{ id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: [[0, 0], [1, 0], [1, 1]] }] }],
  }), { log: createLogger('test', { level: 'error' }) });
  await agent.start();
  store = openStore(dataDir);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  store?.close();
  await agent?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function login(user: string): Promise<{ client: MqttClient; got: { topic: string; body: Record<string, unknown> }[] }> {
  const client = await mqtt.connectAsync(agent!.mqttUrl!, { reconnectPeriod: 0, clientId: `${user}-${clients.length}`, ...agentBrokerLogin(dataDir, user) });
  clients.push(client);
  const got: { topic: string; body: Record<string, unknown> }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
  return { client, got };
}

describe('a forged ack', () => {
  it('from any device but a clerk\'s or the dashboard never reaches the agent: no ack stored, no resume', async () => {
    const controller = await login('atmctl-atm1');
    await controller.client.subscribeAsync(S('atm/atm1/interlock'), { qos: 1 });
    await agent!.recordStep(episode(Date.now(), { atmId: 'atm1' }).start('high'));
    await waitUntil('the suspend', () => controller.got.length === 1);
    const eventId = String(controller.got[0]!.body.eventId);
    expect(controller.got[0]!.body).toMatchObject({ action: 'suspend', eventId });

    const ack = S(`clerk/alerts/${eventId}/ack`);
    for (const forger of ['atm-atm1', 'atmctl-atm1', `relay-${SITE}`, 'homeassistant']) {
      const { client } = await login(forger);
      const refused = new Promise<string>((resolve) => client.once('close', () => resolve('refused')));
      const accepted = client.publishAsync(ack, JSON.stringify({ by: forger }), { qos: 1 }).then(() => 'accepted', () => 'refused');
      expect(await Promise.race([refused, accepted]), forger).toBe('refused');
    }
    await expect(mqtt.connectAsync(agent!.mqttUrl!, { reconnectPeriod: 0 })).rejects.toThrow(/not authorized/i);

    // The clerk's ack follows the forgeries: once it is stored and resumes the ATM, anything the
    // broker had let through before it would have been handled too.
    const clerk = await login(`clerk-${SITE}`);
    await clerk.client.publishAsync(ack, JSON.stringify({ by: 'register-2' }), { qos: 1 });
    await waitUntil('the resume', () => controller.got.length === 2);
    expect(controller.got.map((m) => [m.body.action, m.body.reason])).toEqual([['suspend', 'phone_call'], ['resume', 'acknowledged']]);
    expect(store!.acks.forEvent(eventId).map((a) => [a.by, a.source])).toEqual([['register-2', 'mqtt']]);
  });
});
