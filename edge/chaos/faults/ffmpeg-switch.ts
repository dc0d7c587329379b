/**
 * ffmpeg that can be taken away and given back: the site's `ffmpeg.ffmpegPath` points at a
 * wrapper script which execs the real binary, or, while switched off, fails the way a missing or
 * broken binary does (exit 127, "not found" on stderr).
 */
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateFfmpeg } from '../../src/ffmpeg/ffmpeg-binaries.js';

export class FfmpegSwitch {
  readonly path: string;
  private readonly offFlag: string;

  constructor(dir: string) {
    this.path = join(dir, 'ffmpeg');
    this.offFlag = join(dir, 'ffmpeg.off');
    const real = locateFfmpeg().path;
    writeFileSync(this.path, [
      '#!/bin/sh',
      `if [ -e '${this.offFlag}' ]; then echo "ffmpeg: not found (chaos: switched off)" >&2; exit 127; fi`,
      `exec '${real}' "$@"`,
      '',
    ].join('\n'));
    chmodSync(this.path, 0o755);
  }

  get available(): boolean {
    return !existsSync(this.offFlag);
  }

  off(): void {
    writeFileSync(this.offFlag, '');
  }

  on(): void {
    rmSync(this.offFlag, { force: true });
  }
}
