/**
 * deploy/systemd/mimamori.service as far as this machine allows: `systemd-analyze verify` accepts
 * it (and rejects a broken copy, so the check bites), it asks for what the agent does (notify,
 * watchdog, restart), and the real agent, started by the command line the unit runs (from source
 * here) with a NOTIFY_SOCKET, says READY=1 with its watchdog pings and STOPPING=1 on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/wait-until.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const UNIT = join(ROOT, 'deploy/systemd/mimamori.service');

function verify(file: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile('systemd-analyze', ['verify', file], (err, stdout, stderr) => {
      done({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** `Key=value` lines of the unit's [Service] section. */
function serviceSection(text: string): Map<string, string> {
  const body = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  return new Map(body.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-systemd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('deploy/systemd/mimamori.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    expect(await verify(UNIT)).toEqual({ code: 0, output: '' });
  });

  it('fails systemd-analyze verify when broken, so the check above can fail', async () => {
    const broken = join(dir, 'mimamori.service');
    await writeFile(broken, readFileSync(UNIT, 'utf8').replace('/usr/bin/node', '/usr/bin/no-such-node'));
    const result = await verify(broken);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/no-such-node is not executable/);
  });

  it('runs the built agent with the notify watchdog and restarts it on failure', () => {
    const s = serviceSection(readFileSync(UNIT, 'utf8'));
    expect(s.get('Type')).toBe('notify');
    // systemd-notify is the agent's child, not the main process.
    expect(s.get('NotifyAccess')).toBe('all');
    expect(Number(s.get('WatchdogSec'))).toBeGreaterThanOrEqual(30);
    expect(s.get('Restart')).toBe('on-failure');
    expect(s.get('KillMode')).toBe('mixed');
    const [node, main, command, flag] = s.get('ExecStart')!.split(' ');
    expect(node).toBe('/usr/bin/node');
    expect([command, flag]).toEqual(['run', '--config']);
    // The built entry point is the compiled command line of this repository.
    expect(main).toBe('dist/edge/src/cli/main.js');
    expect(existsSync(join(ROOT, 'edge/src/cli/main.ts'))).toBe(true);
  });
});

describe('the agent under a NOTIFY_SOCKET', () => {
  let receiver: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  afterAll(() => {
    agent?.kill('SIGKILL');
    receiver?.kill();
  });

  it('sends READY=1 with watchdog pings once running, and STOPPING=1 when told to stop', async () => {
    const socket = join(dir, 'notify.sock');
    const datagrams: string[] = [];
    receiver = spawn('python3', ['-c', [
      'import json, socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind(sys.argv[1])',
      'while True: print(json.dumps(s.recv(65536).decode()), flush=True)',
    ].join('\n'), socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: receiver.stdout! }).on('line', (l) => datagrams.push(JSON.parse(l) as string));
    await waitUntil('the notify socket', () => existsSync(socket));

    const config = join(dir, 'site.yaml');
    await writeFile(config, [
      'site: systemd-test',
      `dataDir: ${join(dir, 'data')}`,
      'http: { host: 127.0.0.1, port: 0 }',
      'mqtt: { embedded: { host: 127.0.0.1, port: 0, wsPort: 0 } }',
      "cameras: [{ id: cam1, source: /dev/null, enabled: false }]",
      '',
    ].join('\n'));
    let stderr = '';
    agent = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'edge/src/cli/main.ts'), 'run', '--config', config], {
      cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '2000000' },
    });
    agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => agent!.once('exit', (code) => done(code)));
    const pings = (): string[] => datagrams.filter((d) => d.startsWith('READY=1\nWATCHDOG=1\n'));
    await waitUntil('two watchdog pings', () => pings().length >= 2, 90_000);
    expect(pings()[0]).toBe('READY=1\nWATCHDOG=1\nSTATUS=0/0 cameras analysed');
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitUntil('the stopping message', () => datagrams.includes('STOPPING=1\nSTATUS=stopping'));
    expect(stderr).not.toMatch(/systemd notification failed/);
  }, 120_000);
});
