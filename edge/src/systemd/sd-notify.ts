/**
 * systemd's sd_notify protocol: `KEY=value` lines in one unix datagram to $NOTIFY_SOCKET. Node
 * cannot send unix datagrams, so each message is handed to `systemd-notify` (part of systemd on
 * every Debian/Ubuntu). systemd-notify sends on behalf of its parent, the agent; where the kernel
 * refuses that (a non-root service), it sends as itself, which the unit's NotifyAccess=all accepts.
 * Spawned directly (no shell), so its parent really is the agent; it waits until systemd has read
 * the message (BARRIER=1), so systemd still finds the unit of the sender. One message at a time: a newer
 * one waiting replaces an older one not yet sent.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../log/logger.js';

export interface SdNotifyOptions {
  /** $NOTIFY_SOCKET: a path, or `@name` for the abstract namespace. */
  readonly socket: string;
  readonly log: Logger;
  readonly systemdNotifyPath?: string;
}

const SEND_TIMEOUT_MS = 5000;

export class SdNotifier {
  readonly #options: SdNotifyOptions;
  #sending: Promise<void> | null = null;
  #next: string[] | null = null;
  #failing = false;
  #closed = false;
  sent = 0;

  constructor(options: SdNotifyOptions) {
    this.#options = options;
  }

  /** Queues one message, e.g. { READY: '1', STATUS: '2/2 cameras analysed' }; resolves once sent (or given up). */
  notify(fields: Readonly<Record<string, string>>): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // A newline in a value would start a new assignment: STATUS is free text.
    this.#next = Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}`);
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = null;
    });
    return this.#sending;
  }

  /** Waits for a message in flight; later notify() calls are ignored. */
  async close(): Promise<void> {
    await this.#sending;
    this.#closed = true;
  }

  async #drain(): Promise<void> {
    while (this.#next) {
      const lines = this.#next;
      this.#next = null;
      await this.#send(lines);
    }
  }

  #send(lines: string[]): Promise<void> {
    const { socket, log, systemdNotifyPath = 'systemd-notify' } = this.#options;
    return new Promise((resolve) => {
      execFile(systemdNotifyPath, lines, { env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: SEND_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (err) {
          // Every few seconds while systemd is away: one line when it starts failing, one when it recovers.
          if (!this.#failing) log.error('systemd notification failed', { socket, message: lines.join(' '), err, stderr: stderr.trim() });
          this.#failing = true;
        } else {
          if (this.#failing) log.info('systemd notifications delivered again', { socket });
          this.#failing = false;
          this.sent += 1;
        }
        resolve();
      });
    });
  }
}
