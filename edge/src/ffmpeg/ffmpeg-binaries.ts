/**
 * Finds ffmpeg and ffprobe: configured path, then FFMPEG_PATH/FFPROBE_PATH, then PATH, then the
 * static binaries shipped in npm packages, so a fresh machine with only Node still decodes video.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export type BinarySource = 'config' | 'env' | 'path' | 'npm';

export interface LocatedBinary {
  path: string;
  source: BinarySource;
}

const require = createRequire(import.meta.url);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // not there or not executable: try the next place
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function fromNpm(pkg: string): string | undefined {
  try {
    const mod = require(pkg) as { path?: string };
    return mod.path && isExecutable(mod.path) ? mod.path : undefined;
  } catch {
    return undefined; // package or its per-platform binary is not installed on this platform
  }
}

function locate(name: 'ffmpeg' | 'ffprobe', envVar: string, npmPkg: string, configured?: string): LocatedBinary {
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`ffmpeg.${name}Path: ${configured} is not an executable file`);
    return { path: configured, source: 'config' };
  }
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${envVar}: ${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'env' };
  }
  const system = onPath(name);
  if (system) return { path: system, source: 'path' };
  const bundled = fromNpm(npmPkg);
  if (bundled) return { path: bundled, source: 'npm' };
  throw new Error(`${name} not found: set ffmpeg.${name}Path in the config or ${envVar}, install it, or reinstall ${npmPkg}`);
}

/**
 * Where each binary was found, per configured path and environment: searched once, not on every
 * camera restart, clip or export. A failed search is not kept, so a binary installed later is found
 * at the next try; a binary removed after it was found fails where it is run, with that path.
 */
const found = new Map<string, LocatedBinary>();

function locateOnce(name: 'ffmpeg' | 'ffprobe', envVar: string, npmPkg: string, configured?: string): LocatedBinary {
  const key = `${name}\0${configured ?? ''}\0${process.env[envVar] ?? ''}\0${process.env.PATH ?? ''}`;
  let located = found.get(key);
  if (!located) {
    located = locate(name, envVar, npmPkg, configured);
    found.set(key, located);
  }
  return located;
}

export function locateFfmpeg(configured?: string): LocatedBinary {
  return locateOnce('ffmpeg', 'FFMPEG_PATH', '@ffmpeg-installer/ffmpeg', configured);
}

export function locateFfprobe(configured?: string): LocatedBinary {
  return locateOnce('ffprobe', 'FFPROBE_PATH', '@ffprobe-installer/ffprobe', configured);
}
