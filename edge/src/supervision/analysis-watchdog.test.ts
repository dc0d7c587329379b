/**
 * The watchdog against a real sd_notify socket: a unix datagram socket bound by python3 (as
 * systemd binds its own), messages sent through the real systemd-notify. Healthy analysis gets
 * READY=1, WATCHDOG=1 and a STATUS line; a stalled camera gets the STATUS line only, so systemd's
 * watchdog fires.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/wait-until.js';
import { createLogger } from '../log/logger.js';
import type { AnalysisAlarmState } from './analysis-alarm.js';
import { analysisWatchdogFromEnv, type AnalysisWatchdog } from './analysis-watchdog.js';

/** Prints each datagram received on `path` as one JSON string line. */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("bound"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

let dir: string;
let receiver: ChildProcess;
let datagrams: string[];
let watchdog: AnalysisWatchdog | null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-sdnotify-'));
  datagrams = [];
  watchdog = null;
  receiver = spawn('python3', ['-c', RECEIVER, join(dir, 'notify.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
  // systemd-notify follows each message with BARRIER=1 (it waits until systemd has read it): protocol, not content.
  createInterface({ input: receiver.stdout! }).on('line', (l) => {
    const d = JSON.parse(l) as string;
    if (d !== 'BARRIER=1') datagrams.push(d);
  });
  await waitUntil('the socket to be bound', () => datagrams[0] === 'bound' && existsSync(join(dir, 'notify.sock')));
  datagrams.shift();
});

afterEach(async () => {
  await watchdog?.close();
  receiver.kill();
  await rm(dir, { recursive: true, force: true });
});

const healthy: AnalysisAlarmState = { active: false, since: null, stalled: [], running: 2, cameras: 2 };
const stalled: AnalysisAlarmState = {
  active: true, since: Date.now(), stalled: [{ camera: 'atm1', reason: 'no inference worker running', since: Date.now() }], running: 1, cameras: 2,
};

describe('systemd watchdog', () => {
  it('pings READY and WATCHDOG while analysis runs, withholds them while a camera is stalled', async () => {
    let state = healthy;
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    watchdog = analysisWatchdogFromEnv({ NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '1000000' }, () => state, log);
    expect(watchdog).not.toBeNull();
    watchdog!.start();
    await waitUntil('two pings', () => datagrams.length >= 2);
    expect(datagrams[0]).toBe('READY=1\nWATCHDOG=1\nSTATUS=2/2 cameras analysed');

    state = stalled;
    const seen = datagrams.length;
    await waitUntil('two notifications while stalled', () => datagrams.length >= seen + 2);
    // The one in flight when the state changed may still be a ping; after it, only STATUS.
    for (const d of datagrams.slice(seen + 1)) expect(d).toBe('STATUS=analysis stalled: atm1 (no inference worker running)');
    expect(lines.map((l) => l.msg)).toEqual(['systemd watchdog: pinging', 'systemd watchdog: pings withheld while analysis is stalled']);

    state = healthy;
    await waitUntil('pings again', () => datagrams.at(-1)?.startsWith('READY=1\nWATCHDOG=1\n') === true);
    await watchdog!.close();
    watchdog = null;
    await waitUntil('the stopping message', () => datagrams.at(-1) === 'STOPPING=1\nSTATUS=stopping');
  });

  it('is off without NOTIFY_SOCKET, and logs one line while systemd is unreachable', async () => {
    expect(analysisWatchdogFromEnv({}, () => healthy, createLogger('test', { level: 'error' }))).toBeNull();
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    watchdog = analysisWatchdogFromEnv({ NOTIFY_SOCKET: join(dir, 'nobody-here.sock'), WATCHDOG_USEC: '1000000' }, () => healthy, log);
    watchdog!.start();
    await new Promise((r) => setTimeout(r, 2500));
    const failures = lines.filter((l) => l.msg === 'systemd notification failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ socket: join(dir, 'nobody-here.sock') });
  });
});
