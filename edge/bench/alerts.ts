/**
 * `npm run bench:alerts -- [--events 200] [--broker both|embedded|mosquitto] [--no-snapshot]`:
 * latency from the behaviour step that starts an event (a person on a call at an ATM) being handed
 * to the EventRecorder until a subscriber receives the ATM warning and the clerk alert. The path
 * measured is the agent's own: the event row in SQLite, the snapshot JPEG (640×480, unless
 * --no-snapshot), the outbox row, the publish at QoS 1 and the broker's delivery to a separate
 * subscriber connection on the same machine. Events are sent one at a time, each after the last
 * one's messages are out, so this is latency, not throughput. A benchmark, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/log/logger.js';
import { AlertDispatcher } from '../src/alerts/alert-dispatcher.js';
import { startEmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { connectMqtt } from '../src/mqtt/mqtt-connection.js';
import { OutboxPublisher } from '../src/mqtt/outbox-publisher.js';
import { EventRecorder } from '../src/pipeline/events/event-recorder.js';
import type { CameraFrame } from '../src/pipeline/camera-pipeline.js';
import { openStore } from '../src/store/store.js';
import { episode } from '../test/event-steps.js';
import { freePort } from '../test/free-port.js';
import { testBrokerOptions, testLogin } from '../test/broker-login.js';
import { MOSQUITTO, mosquittoAvailable, startMosquitto } from '../test/mosquitto.js';
import { summarise } from './stats.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200' },
    broker: { type: 'string', default: 'both' },
    'no-snapshot': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
if (!Number.isInteger(events) || events < 1) throw new Error(`--events must be a whole number ≥ 1, got ${values.events}`);
if (!['both', 'embedded', 'mosquitto'].includes(values.broker)) throw new Error(`--broker must be both, embedded or mosquitto, got ${values.broker}`);
const withSnapshot = !values['no-snapshot'];
const SITE = 'bench';
const log = createLogger('bench-alerts', { level: 'warn' });

/** A 640×480 frame with some texture, so the snapshot JPEG costs what a camera frame costs. */
function frame(atMs: number): CameraFrame {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    data[i] = ((i / 3) % width) / 3 + (seed % 64);
  }
  return { data, width, height, ptsMs: 0, atMs, seq: 0 };
}

interface Run { warning: number[]; clerk: number[]; recorded: number[] }

async function measure(url: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-alerts-'));
  const store = openStore(join(dir, 'data'));
  const connection = connectMqtt({ url, clientId: `mimamori-${SITE}`, statusTopic: `mimamori/${SITE}/status`, log, ...testLogin('mimamori-agent') });
  const publisher = new OutboxPublisher(store, connection, log);
  const config = parseConfig({ site: SITE, alerts: { atmLanguages: ['ja', 'ja-x-easy', 'en', 'zh-Hans', 'ko', 'vi', 'ne', 'id', 'tl', 'pt-BR'] } });
  const alerts = new AlertDispatcher(SITE, publisher, config.alerts, log);
  const recorder = new EventRecorder(store, log, (e) => alerts.handle(e));
  publisher.start();
  alerts.start();

  // One client for every device: the dashboard's login reads warnings and clerk alerts alike.
  const subscriber = await mqtt.connectAsync(url, { clientId: 'bench-devices', reconnectPeriod: 0, ...testLogin(`dashboard-${SITE}`) });
  const arrivals = new Map<string, number>();
  let wake: (() => void) | undefined;
  subscriber.on('message', (topic, payload) => {
    const at = performance.now();
    const body = JSON.parse(payload.toString()) as { eventId: string; action?: string };
    if (topic.endsWith('/warning') && body.action === 'show') arrivals.set(`warning ${body.eventId}`, at);
    if (topic.endsWith('/clerk/alerts')) arrivals.set(`clerk ${body.eventId}`, at);
    wake?.();
  });
  // Waits on arrivals rather than polling, so the wait itself costs the event loop nothing.
  const arrived = async (id: string): Promise<void> => {
    while (!(arrivals.has(`warning ${id}`) && arrivals.has(`clerk ${id}`))) await new Promise<void>((r) => (wake = r));
    wake = undefined;
  };
  await subscriber.subscribeAsync([`mimamori/${SITE}/atm/atm1/warning`, `mimamori/${SITE}/clerk/alerts`], { qos: 1 });
  while (!connection.connected) await new Promise((r) => setTimeout(r, 20));
  await publisher.flush(10_000);

  const run: Run = { warning: [], clerk: [], recorded: [] };
  // Step times two minutes apart: the warning limiter's cool-down and per-minute cap, which are
  // about customers, never hold a warning back here.
  const t0 = Date.now();
  for (let i = 0; i < events + 5; i++) {
    const stepAt = t0 + i * 120_000;
    const e = episode(stepAt);
    const startStep = e.start('high');
    const image = withSnapshot ? frame(stepAt) : null;
    const began = performance.now();
    await recorder.handle(startStep, image);
    const recordedAt = performance.now();
    const id = store.events.list({ open: true, limit: 1 })[0]!.id;
    await arrived(id);
    if (i >= 5) { // the first five warm up connections, statements and sharp
      run.warning.push(arrivals.get(`warning ${id}`)! - began);
      run.clerk.push(arrivals.get(`clerk ${id}`)! - began);
      run.recorded.push(recordedAt - began);
    }
    await recorder.handle(e.end(stepAt + 10_000), null);
    await publisher.flush(10_000);
  }

  await subscriber.endAsync();
  alerts.close();
  await publisher.close();
  await connection.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return run;
}

function row(what: string, samples: number[]): string {
  const s = summarise(samples);
  return `| ${what} | ${s.median.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.p99.toFixed(2)} | ${Math.max(...samples).toFixed(2)} |`;
}

const results: [string, Run][] = [];
if (values.broker !== 'mosquitto') {
  const broker = await startEmbeddedBroker(testBrokerOptions(SITE));
  results.push(['embedded (aedes)', await measure(broker.url)]);
  await broker.close();
}
if (values.broker !== 'embedded') {
  if (!mosquittoAvailable()) {
    console.error(`${MOSQUITTO} is missing: mosquitto skipped (apt-get install mosquitto)`);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-bench-mosq-'));
    const broker = await startMosquitto(await freePort(), dir);
    results.push([`mosquitto`, await measure(broker.url)]);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`${events} events (after 5 warm-up), one at a time; snapshot ${withSnapshot ? 'on (640×480 JPEG)' : 'off'}; 10 ATM languages\n`);
console.log('| broker / message | median ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|');
for (const [name, run] of results) {
  console.log(row(`${name}: ATM warning received`, run.warning));
  console.log(row(`${name}: clerk alert received`, run.clerk));
  console.log(row(`${name}: step stored (event row${withSnapshot ? ', snapshot' : ''}, outbox)`, run.recorded));
}
