/**
 * A real mosquitto on a loopback port for tests: anonymous, plain TCP by default or TLS with
 * certificates given by the test (see test-pki.ts), sessions persisted in a folder of the test's
 * choosing so a broker restart keeps queued messages like a production one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function mosquittoAvailable(): boolean {
  return fs.existsSync(MOSQUITTO);
}

export interface MosquittoTls {
  /** CA file (PEM) that signed the server's certificate and, with requireCertificate, the clients'. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** Refuse clients without a certificate signed by `ca` (default true). */
  readonly requireCertificate?: boolean;
}

export interface MosquittoOptions {
  /** A TLS listener instead of plain TCP; the url is then mqtts://. */
  readonly tls?: MosquittoTls;
  /** More mosquitto.conf lines (e.g. `autosave_interval 1`, so sessions survive a SIGKILL). */
  readonly extraConfig?: readonly string[];
}

export interface Mosquitto {
  readonly port: number;
  /** mqtt://127.0.0.1:port, or mqtts:// with TLS. */
  readonly url: string;
  /** SIGTERM (mosquitto saves its persistence file), SIGKILL after 5 s; idempotent. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts mosquitto on 127.0.0.1:port with its config and persistence under `dir`. */
export async function startMosquitto(port: number, dir: string, options: MosquittoOptions = {}): Promise<Mosquitto> {
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'mosquitto.conf');
  const tls = options.tls;
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...(tls
        ? [
          `cafile ${tls.ca}`,
          `certfile ${tls.cert}`,
          `keyfile ${tls.key}`,
          'tls_version tlsv1.2',
          `require_certificate ${tls.requireCertificate ?? true}`,
        ]
        : []),
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      // Run as root (CI containers), mosquitto would switch to its own user, who cannot write here.
      `user ${process.getuid?.() === 0 ? 'root' : 'mosquitto'}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    })();
    return stopping;
  };

  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode} on port ${port}: ${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 10 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, stop };
}
