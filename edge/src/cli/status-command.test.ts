/**
 * `mimamori status` against a real running agent (one camera looping a real clip): besides the
 * source's state it prints each camera's analysis and the inference workers, so a camera that
 * streams while nothing analyses it is visible from the shell.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../../test/fixtures.js';
import { freePort } from '../../test/free-port.js';
import { stillClip } from '../../test/media-clips.js';
import { runCli } from '../../test/run-cli.js';
import { waitUntil } from '../../test/wait-until.js';
import { Agent } from '../agent.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';

let dir: string;
let file: string;
let agent: Agent;

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-status-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 4, join(dir, 'still.mp4'));
  file = join(dir, 'site.yaml');
  await writeFile(file, [
    'site: status-test',
    `dataDir: ${join(dir, 'data')}`,
    `http: { host: 127.0.0.1, port: ${await freePort()} }`,
    'mqtt: { embedded: { host: 127.0.0.1, port: 0, wsPort: 0 } }',
    'cameras:',
    `  - { id: cam1, source: ${clip}, loop: true, analysis: { fps: 2, width: 320 }, record: { enabled: false } }`,
    '',
  ].join('\n'));
  agent = new Agent(await loadConfig(file), { log: createLogger('test', { level: 'error' }) });
  await agent.start();
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mimamori status', () => {
  it('prints each camera\'s analysis and the inference workers', async () => {
    await waitUntil('cam1 to be analysed', () => (agent.status().cameras as { analysedFrames: number }[])[0]!.analysedFrames > 0, 30_000);
    const { code, stdout } = await runCli(['status', '--config', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}cam1 +streaming /m);
    expect(stdout).toMatch(/^ +analysis running {2}failed frames 0 {2}loop restarts 0$/m);
    expect(stdout).toMatch(/^ {2}inference workers 1\/1 running {2}respawns 0$/m);
    const json = JSON.parse((await runCli(['status', '--config', file, '--json'])).stdout) as { cameras: { analysis: unknown }[]; workers: unknown };
    expect(json.cameras[0]!.analysis).toMatchObject({ state: 'running', reason: null, frameErrors: 0, restarts: 0 });
    expect(json.workers).toEqual({ size: 1, running: 1, respawns: 0 });
  }, 60_000);
});
