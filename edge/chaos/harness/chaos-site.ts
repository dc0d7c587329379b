/**
 * A site for one chaos run: a temp folder with site.yaml, one file camera looping the real
 * pedestrian video (recording on, short segments), a zone over the whole frame with a short dwell
 * so the walkers raise events within seconds, the embedded broker (or an external one) on free
 * ports, and the real SQLite store under dataDir.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../test/fixtures.js';
import { freePort } from '../../test/free-port.js';
import { AgentProcess, type AgentProcessOptions } from './agent-process.js';

export const SITE = 'chaos';
export const CAMERA = 'street';

export interface ChaosSiteOptions {
  /** Data directory (e.g. a small tmpfs); default <root>/data. */
  readonly dataDir?: string;
  /** The camera's source; default the looping pedestrian video. */
  readonly source?: string;
  readonly ffmpegPath?: string;
  /** External broker; default the embedded one. */
  readonly mqttUrl?: string;
  readonly segmentSeconds?: number;
  /** Merged over the site's retention section. */
  readonly retention?: Record<string, unknown>;
  readonly workers?: number;
}

export interface ChaosSite {
  readonly root: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly httpPort: number;
  /** The broker the agent publishes to (the embedded one unless mqttUrl was given). */
  readonly mqttUrl: string;
  /** A new handle on the agent of this site (not started). */
  agent(extra?: Pick<AgentProcessOptions, 'env' | 'nodeFlags'>): AgentProcess;
  /** Removes the temp folder (the caller unmounts a tmpfs dataDir first). */
  remove(): Promise<void>;
}

export async function createChaosSite(options: ChaosSiteOptions = {}): Promise<ChaosSite> {
  requireOpencvData();
  const root = await mkdtemp(join(tmpdir(), 'mimamori-chaos-'));
  const dataDir = options.dataDir ?? join(root, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const httpPort = await freePort();
  const mqttPort = options.mqttUrl ? null : await freePort();
  const config = {
    version: 1,
    site: SITE,
    dataDir,
    http: { host: '127.0.0.1', port: httpPort },
    ...(options.ffmpegPath ? { ffmpeg: { ffmpegPath: options.ffmpegPath } } : {}),
    mqtt: options.mqttUrl
      ? { url: options.mqttUrl }
      : { embedded: { host: '127.0.0.1', port: mqttPort, wsPort: await freePort() } },
    perception: { workers: options.workers ?? 1 },
    // A minute is the shortest interval: it is also how often a full disk is re-checked.
    retention: { intervalMinutes: 1, ...options.retention },
    cameras: [
      {
        id: CAMERA,
        source: options.source ?? PEDESTRIAN_VIDEO,
        loop: true,
        // Few frames a second: seven engineers share this 2-core machine, and a walker still
        // stays in the zone for many frames.
        analysis: { fps: 3, width: 480 },
        record: { enabled: true, segmentSeconds: options.segmentSeconds ?? 5 },
        stallSeconds: 5,
        zones: [{ id: 'all', kind: 'emoney_rack', dwellSeconds: 2, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
      },
    ],
  };
  const configFile = join(root, 'site.yaml');
  await writeFile(configFile, stringify(config));
  return {
    root,
    dataDir,
    configFile,
    httpPort,
    mqttUrl: options.mqttUrl ?? `mqtt://127.0.0.1:${mqttPort}`,
    agent: (extra = {}) => new AgentProcess({ configFile, httpPort, ...extra }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
