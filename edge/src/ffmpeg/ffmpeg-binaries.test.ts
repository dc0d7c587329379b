import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locateFfmpeg, locateFfprobe } from './ffmpeg-binaries.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('locating ffmpeg', () => {
  it('prefers the configured path and rejects one that is not executable', () => {
    const system = locateFfmpeg();
    expect(locateFfmpeg(system.path)).toEqual({ path: system.path, source: 'config' });
    expect(() => locateFfmpeg('/nonexistent/ffmpeg')).toThrow(/ffmpeg\.ffmpegPath: \/nonexistent\/ffmpeg is not an executable/);
  });

  it('takes FFMPEG_PATH before PATH', () => {
    const system = locateFfmpeg();
    process.env.FFMPEG_PATH = system.path;
    expect(locateFfmpeg().source).toBe('env');
    process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
    expect(() => locateFfmpeg()).toThrow(/FFMPEG_PATH/);
  });

  it('falls back to the binaries shipped in npm packages, and they run', () => {
    process.env.PATH = '/nonexistent';
    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    const ffmpeg = locateFfmpeg();
    const ffprobe = locateFfprobe();
    expect(ffmpeg.source).toBe('npm');
    expect(ffprobe.source).toBe('npm');
    expect(execFileSync(ffmpeg.path, ['-version']).toString()).toMatch(/^ffmpeg version/);
    expect(execFileSync(ffprobe.path, ['-version']).toString()).toMatch(/^ffprobe version/);
  });

  it('searches once: a binary found is remembered, a search that failed is tried again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mimamori-locate-'));
    try {
      const bin = join(dir, 'ffmpeg');
      expect(() => locateFfmpeg(bin)).toThrow(/is not an executable file/);
      writeFileSync(bin, '#!/bin/sh\nexit 0\n');
      chmodSync(bin, 0o755);
      expect(locateFfmpeg(bin)).toEqual({ path: bin, source: 'config' });
      // Gone after it was found: still the answer (the run fails there, naming this path), not a new search per use.
      rmSync(bin);
      expect(locateFfmpeg(bin)).toEqual({ path: bin, source: 'config' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
