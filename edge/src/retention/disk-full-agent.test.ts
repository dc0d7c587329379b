/**
 * A real full disk under the whole agent: its data directory is on a small tmpfs that the test
 * fills with a file while a camera streams and records. The agent must not die (a throw from a
 * timer would end the test process), must raise storage_full (status and the retained MQTT alarm)
 * from statfs as segments close rather than wait for its interval, must still commit and publish an ATM warning and a
 * clerk alert from the disk reserve, and must start again on the same full disk and alert from
 * there too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBrokerLogin } from '../../test/broker-login.js';
import { episode } from '../../test/event-steps.js';
import { requireOpencvData } from '../../test/fixtures.js';
import { mountSmallFilesystem, type SmallFilesystem } from '../../test/small-filesystem.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { waitUntil } from '../../test/wait-until.js';
import { Agent } from '../agent.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import type { RecordedEvent } from '../pipeline/events/event-recorder.js';

const MiB = 1024 * 1024;
const SITE = 'df-test';

interface Status {
  cameras: { id: string; state: string; recorder: { state: string; segments?: number; reason?: string } | null }[];
  storage: {
    storageFull: boolean; recordingPaused: boolean; measure: string;
    disk: { freeBytes: number; reserveBytes: number; writeFailures: number };
  } | null;
}

interface Received { topic: string; body: Record<string, unknown>; retain: boolean }

let scratch = '';
let disk: SmallFilesystem | null = null;
let agent: Agent | null = null;
let subscriber: mqtt.MqttClient | null = null;
let clip = '';
const received: Received[] = [];
const recorded: RecordedEvent[] = [];
const logs: Record<string, unknown>[] = [];

const status = (): Status => agent!.status() as unknown as Status;

async function startAgent(): Promise<void> {
  const config = parseConfig({
    site: SITE,
    dataDir: join(disk!.dir, 'data'),
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
    alerts: { atmLanguages: ['ja', 'en'], clerkLanguage: 'en' },
    // 16 MiB must stay free; the cleaner's 10-minute interval is far beyond the test's deadlines.
    retention: { maxDiskPercent: 99, minFreeBytes: 16 * MiB, reserveBytes: 2 * MiB, intervalMinutes: 10 },
    cameras: [{ id: 'cam1', source: clip, loop: true, record: { segmentSeconds: 5 } }],
  });
  agent = new Agent(config, {
    log: createLogger('test', { level: 'info', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) }),
    onEvent: (e) => recorded.push(e),
    healthSampleMs: 200,
  });
  await agent.start();
  subscriber = await mqtt.connectAsync(agent.mqttUrl!, agentBrokerLogin(join(disk!.dir, 'data'), `dashboard-${SITE}`));
  subscriber.on('message', (topic, payload, packet) => {
    const text = payload.toString();
    received.push({ topic, body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : { text }, retain: packet.retain });
  });
  await subscriber.subscribeAsync(`mimamori/${SITE}/#`, { qos: 1 });
}

async function stopAgent(): Promise<void> {
  await subscriber?.endAsync();
  subscriber = null;
  await agent?.close();
  agent = null;
}

/** An ATM phone call starts now; resolves with its stored record once the recorder has it. */
async function callAtAtm(frame: boolean): Promise<string> {
  const steps = episode(Date.now(), { camera: 'cam1' });
  const before = recorded.length;
  const image = frame ? { data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, ptsMs: 0, atMs: Date.now(), seq: 1 } : null;
  await agent!.recordStep(steps.start('high'), image);
  const e = recorded.slice(before).find((r) => r.step.type === 'start');
  if (!e) throw new Error('the event step was not recorded');
  return e.record.id;
}

const alertsFor = (eventId: string): { warning: boolean; clerk: boolean } => ({
  warning: received.some((m) => m.topic === `mimamori/${SITE}/atm/atm1/warning` && m.body.eventId === eventId && m.body.action === 'show'),
  clerk: received.some((m) => m.topic === `mimamori/${SITE}/clerk/alerts` && m.body.eventId === eventId),
});

beforeAll(async () => {
  requireOpencvData();
  scratch = await mkdtemp(join(tmpdir(), 'mimamori-disk-full-'));
  clip = await cutH264Clip(scratch, 4);
  disk = mountSmallFilesystem(48 * MiB);
  await startAgent();
}, 120_000);

afterAll(async () => {
  await stopAgent();
  disk?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('a full data disk under the agent', () => {
  it('raises storage_full at once, keeps sampling without dying, and still commits and publishes an ATM warning and a clerk alert', async () => {
    await waitUntil('the disk reserve written', () => status().storage?.disk?.reserveBytes === 2 * MiB, 30_000);
    await waitUntil('a segment recorded', () => (status().cameras[0]?.recorder?.segments ?? 0) > 0, 30_000);
    expect(existsSync(join(disk!.dir, 'data', '.reserve'))).toBe(true);

    // Below minFreeBytes but with room for every write, and the cleaner's interval is 10 minutes:
    // only the check made as a segment closes can raise the alarm this soon.
    disk!.fill(8 * MiB);
    await waitUntil('storage_full', () => status().storage?.storageFull === true, 30_000);
    expect(status().storage!.disk.writeFailures).toBe(0);
    await waitUntil('the recorder paused', () => status().cameras[0]?.recorder?.state === 'paused', 30_000);
    await waitUntil('the retained alarm', () => received.some((m) => m.body.alarm === 'storage_full' && m.body.active === true), 15_000);
    expect(status().storage).toMatchObject({ storageFull: true, recordingPaused: true, measure: 'free' });

    // Now not a byte left (whatever deleting footage gave back is taken too).
    disk!.fill();
    expect(disk!.freeBytes()).toBe(0);
    const failuresBefore = status().storage!.disk.writeFailures;
    const reserveBefore = status().storage!.disk.reserveBytes;
    const eventId = await callAtAtm(false);
    await waitUntil('the ATM warning and the clerk alert on MQTT', () => alertsFor(eventId).warning && alertsFor(eventId).clerk, 15_000);
    expect(status().storage!.disk.reserveBytes).toBeLessThan(reserveBefore);

    // The health sampler runs every 200 ms against the full disk: counted, not thrown.
    await waitUntil('health samples refused', () => status().storage!.disk.writeFailures > failuresBefore + 3, 10_000);
    expect(status().cameras[0]?.state).toBe('streaming');

    // A snapshot is left out while the reserve is in use, and leaves no partial file behind.
    const withFrame = await callAtAtm(true);
    await waitUntil('the second clerk alert', () => alertsFor(withFrame).clerk, 15_000);
    const snapshots = join(disk!.dir, 'data', 'snapshots');
    const leftovers = existsSync(snapshots) ? readdirSync(snapshots, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp')) : [];
    expect(leftovers).toEqual([]);
    expect(logs.some((l) => l.msg === 'write skipped: the disk reserve is in use')).toBe(true);

    const body = (await (await fetch(`${agent!.url}api/status`)).json()) as Status;
    expect(body.storage).toMatchObject({ storageFull: true, disk: { freeBytes: expect.any(Number), writeFailures: expect.any(Number) } });
    expect(body.storage!.disk.freeBytes).toBeLessThan(16 * MiB);
  }, 120_000);

  it('starts again on the same full disk and still commits and publishes alerts', async () => {
    await stopAgent();
    disk!.fill();
    expect(disk!.freeBytes()).toBe(0);
    received.length = 0;
    await startAgent();
    await waitUntil('storage_full after the restart', () => status().storage?.storageFull === true, 30_000);
    const eventId = await callAtAtm(false);
    await waitUntil('the ATM warning and the clerk alert on MQTT', () => alertsFor(eventId).warning && alertsFor(eventId).clerk, 15_000);
    // The relay's retained `off` from the start went out too.
    expect(received.some((m) => m.topic === `mimamori/${SITE}/clerk/signal`)).toBe(true);
  }, 120_000);
});
