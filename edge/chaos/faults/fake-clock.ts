/**
 * Wall-clock jumps for a running process (an NTP step, a CMOS battery, a DST-confused admin):
 * Debian's libfaketime (`apt-get install faketime`) preloaded into the agent reads its offset
 * from a file on every call (FAKETIME_NO_CACHE), so rewriting the file moves the agent's clock
 * while it runs. CLOCK_MONOTONIC is left alone, as a real wall-clock step leaves it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'];

export class FakeClock {
  private readonly file: string;
  private readonly lib: string;

  constructor(dir: string) {
    const lib = LIBFAKETIME.find((l) => existsSync(l));
    if (!lib) throw new Error(`libfaketime not found (${LIBFAKETIME.join(', ')}): apt-get install -y faketime`);
    this.lib = lib;
    this.file = join(dir, 'faketime');
    this.set(0);
  }

  /** The environment that puts a process on this clock. */
  get env(): Record<string, string> {
    return { LD_PRELOAD: this.lib, FAKETIME_TIMESTAMP_FILE: this.file, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  }

  /** Sets the offset from real time, in seconds (negative: the past). */
  set(offsetSeconds: number): void {
    writeFileSync(this.file, `${offsetSeconds >= 0 ? '+' : '-'}${Math.abs(Math.round(offsetSeconds))}\n`);
  }
}
