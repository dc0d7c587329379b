/**
 * storage_full through the whole agent: a disk budget smaller than the one held segment on it.
 * The agent's first cleaner run raises the alarm, stops the recorder (the camera keeps being
 * analysed), publishes the retained health message and shows it in /api/status; releasing the hold
 * and running the cleaner deletes the footage, clears the alarm and starts recording again.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { agentBrokerLogin } from '../../test/broker-login.js';
import { waitUntil } from '../../test/wait-until.js';
import { Agent } from '../agent.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { openStore } from '../store/store.js';

const run = promisify(execFile);
const pad = (n: number): string => String(n).padStart(2, '0');

function ffmpegChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg']).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

let dir = '';
let agent: Agent | null = null;
let subscriber: mqtt.MqttClient | null = null;
let heldFile = '';
let holdId = '';
const health: { active: boolean; retain: boolean }[] = [];
const logs: Record<string, unknown>[] = [];

interface Status {
  cameras: { id: string; state: string; recorder: { state: string; reason?: string } | null }[];
  storage: { storageFull: boolean; recordingPaused: boolean; usedBytes: number; budgetBytes: number; measure: string } | null;
}

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-storage-full-'));
  const clip = await cutH264Clip(dir, 4);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', clip, '-c', 'copy', '-f', 'segment', '-segment_time', '2',
    '-segment_format', 'mpegts', '-reset_timestamps', '1', join(dir, 'piece-%03d.ts')]);
  const dataDir = join(dir, 'data');

  // Yesterday's footage of cam1, under a police hold: the only thing on the disk.
  const store = openStore(dataDir);
  const start = new Date(Date.now() - 86_400_000);
  start.setMilliseconds(0);
  const day = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}`;
  const name = `cam1-${start.getFullYear()}${pad(start.getMonth() + 1)}${pad(start.getDate())}-${pad(start.getHours())}${pad(start.getMinutes())}${pad(start.getSeconds())}.ts`;
  const path = `recordings/cam1/${day}/${name}`;
  heldFile = store.resolve(path);
  mkdirSync(join(heldFile, '..'), { recursive: true, mode: 0o700 });
  copyFileSync(join(dir, 'piece-000.ts'), heldFile);
  store.segments.add({ camera: 'cam1', path, startMs: start.getTime(), endMs: start.getTime() + 2000, bytes: statSync(heldFile).size, container: 'mpegts' });
  holdId = store.holds.create({
    caseNumber: '2026-SF1', officer: 'Tanaka', station: 'Shinjuku', reason: 'ATM fraud, footage requested',
    fromMs: start.getTime() - 60_000, toMs: start.getTime() + 60_000, createdBy: 'test',
  }).id;
  store.close();

  const config = parseConfig({
    site: 'sf-test',
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
    // A budget below the held segment's size: only held footage left, over budget.
    retention: { maxBytes: 1000, maxDiskPercent: 99 },
    cameras: [{ id: 'cam1', source: clip, loop: true, record: { segmentSeconds: 5 } }],
  });
  agent = new Agent(config, { log: createLogger('test', { level: 'info', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) }) });
  await agent.start();
  subscriber = await mqtt.connectAsync(agent.mqttUrl!, agentBrokerLogin(dataDir, 'dashboard-sf-test'));
  subscriber.on('message', (_topic, payload, packet) => {
    const body = JSON.parse(payload.toString()) as { alarm?: string; active?: boolean };
    if (body.alarm === 'storage_full') health.push({ active: body.active === true, retain: packet.retain });
  });
  await subscriber.subscribeAsync('mimamori/sf-test/health/storage_full', { qos: 1 });
}, 120_000);

afterAll(async () => {
  await subscriber?.endAsync();
  await agent?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('storage_full in the agent', () => {
  it('stops recording, keeps the held bytes, and says so on MQTT and /api/status', async () => {
    const status = (): Status => agent!.status() as unknown as Status;
    await waitUntil('storage_full', () => status().storage?.storageFull === true, 30_000);
    await waitUntil('the recorder paused', () => status().cameras[0]?.recorder?.state === 'paused', 30_000);
    expect(status().storage).toMatchObject({ storageFull: true, recordingPaused: true, budgetBytes: 1000, measure: 'index' });
    expect(existsSync(heldFile)).toBe(true);
    await waitUntil('the retained alarm', () => health.some((h) => h.active), 15_000);

    const body = (await (await fetch(`${agent!.url}api/status`)).json()) as Status;
    expect(body.storage).toMatchObject({ storageFull: true, recordingPaused: true });
    expect(body.cameras[0]).toMatchObject({ id: 'cam1', recorder: { state: 'paused', reason: 'storage_full' } });
    // Analysis goes on: the camera's decoder is the only ffmpeg left.
    await waitUntil('the camera streaming', () => status().cameras[0]?.state === 'streaming', 30_000);
    await waitUntil('only the decoder running', () => ffmpegChildren().length === 1, 15_000);
    // Logged once the recorder's last segment has been checked for video and indexed, a moment after its ffmpeg exits.
    await waitUntil('the pause logged', () => logs.some((l) => l.msg === 'recording paused: storage_full'), 15_000);
  }, 90_000);

  it('after the hold is released, a run deletes the footage, clears the alarm and recording resumes', async () => {
    const status = (): Status => agent!.status() as unknown as Status;
    const other = openStore(join(dir, 'data'));
    other.holds.release(holdId, { by: 'test', reason: 'case closed' });
    other.close();
    const report = await agent!.runRetention();
    expect(report.storageFull).toBe(false);
    expect(existsSync(heldFile)).toBe(false);
    await waitUntil('recording again', () => status().cameras[0]?.recorder?.state === 'streaming', 30_000);
    expect(status().storage).toMatchObject({ storageFull: false, recordingPaused: false });
    await waitUntil('the cleared alarm', () => health.at(-1)?.active === false, 15_000);
    expect(logs.some((l) => l.msg === 'recording resumed: room again')).toBe(true);
    // New footage is being written again.
    await waitUntil('a new segment file', () => readdirSync(join(dir, 'data', 'recordings', 'cam1'), { recursive: true }).length > 2, 30_000);
  }, 90_000);
});
