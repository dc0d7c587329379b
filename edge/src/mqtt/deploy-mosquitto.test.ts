/**
 * The shipped deploy/mosquitto/ files, run for real: mosquitto.conf (TLS listeners, no anonymous
 * clients, password file, ACL) with only its paths and ports moved to a temp folder, and the acl
 * file as shipped. Each device user can do what docs/mqtt.md says and nothing more.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/free-port.js';
import { MOSQUITTO, mosquittoAvailable } from '../../test/mosquitto.js';
import { makeTestPki, opensslAvailable, type TestPki } from '../../test/test-pki.js';
import { waitUntil } from '../../test/wait-until.js';

const DEPLOY = path.resolve(import.meta.dirname, '../../../deploy/mosquitto');
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
const USERS = ['mimamori-agent', 'atm-atm1', 'atmctl-atm1', 'clerk-store-001', 'relay-store-001', 'dashboard-store-001', 'homeassistant'];
const S = (topic: string): string => `mimamori/store-001/${topic}`;
const runnable = mosquittoAvailable() && opensslAvailable() && fs.existsSync(MOSQUITTO_PASSWD);
if (!runnable) console.warn(`${MOSQUITTO}, ${MOSQUITTO_PASSWD} or openssl is missing: the deploy/mosquitto test is skipped`);

let dir: string;
let pki: TestPki;
let port: number;
let broker: ChildProcess | undefined;
const clients: MqttClient[] = [];

function accepts(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  if (!runnable) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-deploy-mosq-'));
  pki = makeTestPki(path.join(dir, 'pki'));
  port = await freePort();
  const wsPort = await freePort();
  const etc = path.join(dir, 'etc');
  fs.mkdirSync(etc);
  fs.copyFileSync(pki.ca, path.join(etc, 'ca.crt'));
  fs.copyFileSync(pki.serverCert, path.join(etc, 'server.crt'));
  fs.copyFileSync(pki.serverKey, path.join(etc, 'server.key'));
  fs.copyFileSync(path.join(DEPLOY, 'acl'), path.join(etc, 'acl'));
  const passwd = path.join(etc, 'passwd');
  fs.writeFileSync(passwd, '');
  for (const user of USERS) execFileSync(MOSQUITTO_PASSWD, ['-b', passwd, user, `${user}-secret`], { stdio: 'ignore' });
  // The shipped config with only where things live changed: files, ports on loopback, persistence.
  const conf = fs.readFileSync(path.join(DEPLOY, 'mosquitto.conf'), 'utf8')
    .replaceAll('/etc/mosquitto/mimamori/', `${etc}/`)
    .replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`)
    .replace(/^listener 8884$/m, `listener ${wsPort} 127.0.0.1`)
    .replace('/var/lib/mosquitto/', `${dir}/`);
  expect(conf).not.toMatch(/\/etc\/mosquitto\/mimamori|listener 888[34]$/m);
  const confFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(confFile, `${conf}\nuser ${process.getuid?.() === 0 ? 'root' : 'mosquitto'}\nlog_dest stderr\nlog_type error\n`);
  broker = spawn(MOSQUITTO, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  broker.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (broker.exitCode !== null || Date.now() > deadline) throw new Error(`deploy mosquitto.conf did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  if (broker && broker.exitCode === null) {
    const exited = new Promise((r) => broker!.once('exit', r));
    broker.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A device logging in as `user` over TLS, with MQTT 5 so the broker says when it refuses. */
async function login(user: string, password = `${user}-secret`): Promise<{ client: MqttClient; got: { topic: string; text: string }[] }> {
  const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    username: user, password, ca: fs.readFileSync(pki.ca), protocolVersion: 5, reconnectPeriod: 0, clientId: `${user}-test`,
  });
  clients.push(client);
  const got: { topic: string; text: string }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, text: payload.toString() }));
  return { client, got };
}

describe.skipIf(!runnable)('deploy/mosquitto: the shipped TLS config and ACL', () => {
  it('refuses a wrong password and plain TCP', async () => {
    await expect(login('relay-store-001', 'wrong')).rejects.toThrow(/not authorized|bad user name or password/i);
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'mimamori-agent', password: 'mimamori-agent-secret', reconnectPeriod: 0, connectTimeout: 2000 }))
      .rejects.toThrow();
  });

  it('lets each device read what it needs and nothing else; only the agent publishes', async () => {
    const agent = await login('mimamori-agent');
    const relay = await login('relay-store-001');
    const atm = await login('atm-atm1');
    const controller = await login('atmctl-atm1');
    const clerk = await login('clerk-store-001');
    const ha = await login('homeassistant');

    // Everyone subscribes to what it may read and to what it may not (mosquitto grants the
    // subscription and filters at delivery), plus the status topic, which all may read: the agent
    // publishes status last, so once it has arrived everything before it has been delivered or not.
    const devices = {
      relay: [relay, [S('clerk/signal'), S('clerk/alerts')]],
      atm: [atm, [S('atm/atm1/warning'), S('atm/atm2/warning'), S('atm/atm1/interlock')]],
      controller: [controller, [S('atm/atm1/interlock'), S('atm/atm1/warning')]],
      clerk: [clerk, [S('clerk/alerts'), S('atmcam/events')]],
      ha: [ha, ['homeassistant/binary_sensor/#', S('atmcam/phone_at_atm/state'), S('clerk/alerts')]],
    } as const;
    for (const [device, topics] of Object.values(devices)) await device.client.subscribeAsync([...topics, S('status')], { qos: 1 });

    const published = [
      S('clerk/alerts'), S('atm/atm1/warning'), S('atm/atm2/warning'), S('atm/atm1/interlock'), S('atmcam/events'),
      'homeassistant/binary_sensor/mimamori_store-001/atmcam_phone_at_atm/config', S('atmcam/phone_at_atm/state'), S('clerk/signal'),
    ];
    for (const topic of published) await agent.client.publishAsync(topic, 'x', { qos: 1 });
    await agent.client.publishAsync(S('status'), 'online', { qos: 1 });
    for (const [device] of Object.values(devices)) await waitUntil('the status marker', () => device.got.some((m) => m.topic === S('status')));
    const seen = (device: { got: { topic: string }[] }): string[] => device.got.map((m) => m.topic).filter((t) => t !== S('status'));
    expect(seen(relay)).toEqual([S('clerk/signal')]);
    expect(seen(atm)).toEqual([S('atm/atm1/warning')]);
    expect(seen(controller)).toEqual([S('atm/atm1/interlock')]);
    expect(seen(clerk)).toEqual([S('clerk/alerts')]);
    expect(seen(ha)).toEqual(['homeassistant/binary_sensor/mimamori_store-001/atmcam_phone_at_atm/config', S('atmcam/phone_at_atm/state')]);

    // Devices may not speak for the agent; a clerk may acknowledge.
    await expect(clerk.client.publishAsync(S('atmcam/events'), '{"type":"start"}', { qos: 1 })).rejects.toThrow(/not authorized/i);
    await expect(relay.client.publishAsync(S('clerk/signal'), 'off', { qos: 1, retain: true })).rejects.toThrow(/not authorized/i);
    await expect(ha.client.publishAsync('homeassistant/binary_sensor/mimamori_store-001/x/config', '{}', { qos: 1 })).rejects.toThrow(/not authorized/i);
    await agent.client.subscribeAsync(S('clerk/alerts/+/ack'), { qos: 1 });
    await clerk.client.publishAsync(S('clerk/alerts/019ab5c4-0000-7000-8000-0123456789ab/ack'), '{"by":"register-2"}', { qos: 1 });
    await waitUntil('the ack', () => agent.got.some((m) => m.topic.endsWith('/ack')));
  });
});
