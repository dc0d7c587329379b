/**
 * The sample site that `npm start` runs, as shipped: its config is valid, and on the real street
 * video it raises emoney_lingering for the two people who stop in the card-rack zone, while
 * pedestrians crossing the ATM zone raise nothing (nobody in the video is on the phone).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../test/fixtures.js';
import { Agent } from './agent.js';
import { loadConfig, parseConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import { openStore } from './store/store.js';

const SAMPLE = new URL('../../deploy/sample/site.yaml', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('deploy/sample/site.yaml', () => {
  it('is a valid config whose camera plays the street video', async () => {
    const config = await loadConfig(SAMPLE);
    expect(config.cameras.map((c) => c.id)).toEqual(['street']);
    expect(config.cameras[0]!.source).toBe('/usr/share/doc/opencv-doc/examples/data/vtest.avi');
    expect(config.cameras[0]!.zones.map((z) => z.kind).sort()).toEqual(['atm', 'emoney_rack']);
  });

  it('raises emoney_lingering from the real video, once per person who stops, and no phone_at_atm', async () => {
    requireOpencvData();
    const shipped = await loadConfig(SAMPLE);
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-sample-'));
    dirs.push(dir);
    // The shipped cameras and zones, played once, on free ports and a temp data folder.
    const config = parseConfig({
      site: shipped.site,
      dataDir: join(dir, 'data'),
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
      cameras: shipped.cameras.map((c) => ({ ...c, loop: false, record: { ...c.record, enabled: false } })),
    });
    const agent = new Agent(config, { log: createLogger('sample', { level: 'warn' }) });
    await agent.start();
    try {
      await agent.idle();
    } finally {
      await agent.close();
    }
    const store = openStore(join(dir, 'data'));
    try {
      const events = store.events.list({ limit: 100 });
      expect(events.filter((e) => e.behaviour === 'phone_at_atm')).toEqual([]);
      const lingering = events.filter((e) => e.behaviour === 'emoney_lingering');
      // Two people stand together by the sign for about 20 s; the tracker may split one of them.
      expect(lingering.length).toBeGreaterThanOrEqual(1);
      expect(lingering.length).toBeLessThanOrEqual(3);
      for (const e of lingering) {
        expect(e.zone).toBe('cards');
        expect(e.endedAt).not.toBeNull();
        expect(e.dwellSeconds).toBeGreaterThanOrEqual(15);
        expect(e.snapshotPath).not.toBeNull();
      }
    } finally {
      store.close();
    }
  }, 240_000);
});
