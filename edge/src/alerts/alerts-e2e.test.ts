/**
 * From real video to the people who act on it: a phone call in front of an ATM (a real video of a
 * woman on the phone, from the development set) reaches an ATM-display subscriber as a
 * multilingual warning, a clerk-device subscriber as an alert, the relay beside the register as
 * `on` then `off`, and (interlock enabled) the bank's ATM controller as suspend then resume, over
 * the embedded broker and over a real mosquitto.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { agentBrokerLogin, type BrokerLogin } from '../../test/broker-login.js';
import { EVAL_ROOT, hasEvalSet, warnIfNoEvalSet } from '../../test/fixtures.js';
import { freePort } from '../../test/free-port.js';
import { mosquittoAvailable, startMosquitto, type Mosquitto } from '../../test/mosquitto.js';
import { waitUntil } from '../../test/wait-until.js';
import { Agent } from '../agent.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';

warnIfNoEvalSet();
const CALL_VIDEO = join(EVAL_ROOT, 'videos/pexels4105024_phone_call_corridor.mp4');

let agent: Agent | null = null;
let broker: Mosquitto | null = null;
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync();
  await agent?.close();
  agent = null;
  await broker?.stop();
  broker = null;
});

async function subscribe(url: string, topic: string, login: Partial<BrokerLogin>): Promise<Record<string, unknown>[]> {
  const got: Record<string, unknown>[] = [];
  const client = await mqtt.connectAsync(url, login);
  clients.push(client);
  client.on('message', (_t, payload) => got.push(JSON.parse(payload.toString()) as Record<string, unknown>));
  await client.subscribeAsync(topic, { qos: 1 });
  return got;
}

/** The relay: bare text, not JSON. */
async function subscribeText(url: string, topic: string, login: Partial<BrokerLogin>): Promise<string[]> {
  const got: string[] = [];
  const client = await mqtt.connectAsync(url, login);
  clients.push(client);
  client.on('message', (_t, payload) => got.push(payload.toString()));
  await client.subscribeAsync(topic, { qos: 1 });
  return got;
}

interface Received {
  display: Record<string, unknown>[];
  clerk: Record<string, unknown>[];
  controller: Record<string, unknown>[];
  relay: string[];
}

async function runCallAtAtm(mqttConfig: Record<string, unknown>, brokerUrl: () => string): Promise<Received> {
  const dir = await mkdtemp(join(tmpdir(), 'mimamori-alerts-'));
  agent = new Agent(parseConfig({
    site: 'branch-7',
    dataDir: join(dir, 'data'),
    http: { port: 0 },
    mqtt: mqttConfig,
    alerts: { atmLanguages: ['ja', 'ja-x-easy', 'en', 'zh-Hans'], clerkLanguage: 'en', interlock: { enabled: true } },
    cameras: [{
      id: 'atmcam', source: CALL_VIDEO, record: { enabled: false },
      zones: [{ id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
    }],
  }), { log: createLogger('test', { level: 'error' }) });
  await agent.start();
  // Each device logs in as itself: with the embedded broker, from the credentials the agent made.
  const login = (user: string): Partial<BrokerLogin> => (mqttConfig.url ? {} : agentBrokerLogin(join(dir, 'data'), user));
  const display = await subscribe(brokerUrl(), 'mimamori/branch-7/atm/atm1/warning', login('atm-atm1'));
  const clerk = await subscribe(brokerUrl(), 'mimamori/branch-7/clerk/alerts', login('clerk-branch-7'));
  const controller = await subscribe(brokerUrl(), 'mimamori/branch-7/atm/atm1/interlock', login('atmctl-atm1'));
  const relay = await subscribeText(brokerUrl(), 'mimamori/branch-7/clerk/signal', login('relay-branch-7'));
  await waitUntil('the warning to clear', () => display.some((m) => m.action === 'clear'), 40_000, 200);
  await waitUntil('the interlock to resume', () => controller.some((m) => m.action === 'resume'), 10_000, 100);
  await waitUntil('the relay to turn off', () => relay.length >= 3, 10_000, 100);
  return { display, clerk, controller, relay };
}

function expectCallAlerts({ display, clerk, controller, relay }: Received): void {
  const shows = display.filter((m) => m.action === 'show');
  expect(shows).toHaveLength(1);
  expect(shows[0]).toMatchObject({ messageKey: 'atm.phone_call', languages: ['ja', 'ja-x-easy', 'en', 'zh-Hans'] });
  const texts = shows[0]!.texts as Record<string, string>;
  expect(texts.ja).toContain('ATMでお金は戻りません');
  expect(Object.keys(texts)).toEqual(['ja', 'ja-x-easy', 'en', 'zh-Hans']);
  expect(typeof shows[0]!.until).toBe('string');
  expect(display.at(-1)).toMatchObject({ action: 'clear', eventId: shows[0]!.eventId });
  expect(clerk).toHaveLength(1);
  expect(clerk[0]).toMatchObject({ eventId: shows[0]!.eventId, behaviour: 'phone_at_atm', severity: 'high', lang: 'en', camera: 'atmcam' });
  expect(typeof clerk[0]!.seq).toBe('number');
  // Nobody acknowledged: the ATM is resumed when the call ends, and the relay goes off with it.
  expect(controller.map((m) => [m.action, m.reason, m.eventId])).toEqual([
    ['suspend', 'phone_call', shows[0]!.eventId], ['resume', 'event_ended', shows[0]!.eventId],
  ]);
  expect(relay).toEqual(['off', 'on', 'off']);
}

describe.skipIf(!hasEvalSet)('alerts from a real phone-call video', () => {
  it('reach an ATM display, a clerk device, the relay and the ATM controller over the embedded broker', async () => {
    const result = await runCallAtAtm({ embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } }, () => agent!.mqttUrl!);
    expectCallAlerts(result);
  }, 90_000);

  it.skipIf(!mosquittoAvailable())('reach them over a real mosquitto', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-mosq-'));
    const port = await freePort();
    broker = await startMosquitto(port, dir);
    const url = `mqtt://127.0.0.1:${port}`;
    const result = await runCallAtAtm({ url }, () => url);
    expectCallAlerts(result);
  }, 90_000);
});
