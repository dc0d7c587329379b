/**
 * What the device can honestly say about its clock when it exports: the times come from the
 * system clock, and whether that clock was NTP-synchronised is whatever systemd reports. Without
 * systemd (containers, some appliances) the answer is "unknown", never a guess.
 */
import { execFile } from 'node:child_process';
import type { ManifestClock } from './bundle-manifest.js';

const TIMEDATECTL_TIMEOUT_MS = 3000;

export function utcOffsetText(ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `timedatectl show -p NTPSynchronized --value` → yes/no; anything else (absent, no systemd, timeout) → unknown. */
export function ntpSynchronized(command = 'timedatectl'): Promise<'yes' | 'no' | 'unknown'> {
  return new Promise((resolve) => {
    execFile(command, ['show', '-p', 'NTPSynchronized', '--value'], { timeout: TIMEDATECTL_TIMEOUT_MS }, (err, stdout) => {
      if (err) {
        resolve('unknown');
        return;
      }
      const value = stdout.trim();
      resolve(value === 'yes' ? 'yes' : value === 'no' ? 'no' : 'unknown');
    });
  });
}

export async function describeClock(nowMs: number, timedatectl?: string): Promise<ManifestClock> {
  return {
    source: 'system clock of the device (not independently timestamped)',
    ntpSynchronized: await ntpSynchronized(timedatectl),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    utcOffset: utcOffsetText(nowMs),
  };
}
