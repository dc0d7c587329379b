/**
 * Saving zones through the API: validated with the config's own zone schema (errors by path),
 * written into the YAML file with its comments, applied to the running camera pipeline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logInAs } from '../../../test/api-session.js';
import { expectMatches } from '../../../test/api-contract.js';
import { cameraList } from '../../wire/api/cameras.js';
import { zonesSaved } from '../../wire/api/zones.js';
import { useTempStores } from '../../../test/temp-store.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { CameraPipeline } from '../../pipeline/camera-pipeline.js';
import type { Store } from '../../store/store.js';
import { buildApi } from '../server.js';
import type { ApiContext } from '../api-context.js';

const newStore = useTempStores('mimamori-zone-routes-');
const log = createLogger('test', { level: 'error' });

const SITE = `# The test store.
site: store-001
cameras:
  # Over the card rack.
  - id: rack1
    source: /dev/null
    zones:
      # The rack itself.
      - { id: cards, kind: emoney_rack, dwellSeconds: 30, polygon: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]] }
  - id: atm1
    source: /dev/null
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Site {
  file: string;
  pipeline: CameraPipeline;
  ctx: ApiContext;
}

/** A site file, and a pipeline for each of its cameras as the agent would run them (no frames are fed here). */
async function site(store: Store, withFile = true): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-zone-site-'));
  dirs.push(dir);
  const file = join(dir, 'site.yaml');
  writeFileSync(file, SITE);
  const config = await loadConfig(file);
  const perception = { analyze: () => Promise.reject(new Error('no frames are analysed in this test')) };
  const pipelines = config.cameras.map((c) => new CameraPipeline(c, { perception, sink: { handle: async () => {} }, log }));
  const ctx: ApiContext = {
    log, site: 'store-001', status: () => ({}), store: () => store,
    cameras: {
      configFile: withFile ? file : null,
      list: () => pipelines.map((p) => ({
        id: p.camera.id, state: () => 'streaming', zones: () => p.zones, liveFrame: () => p.liveFrame(), setZones: (z) => p.setZones(z),
      })),
    },
  };
  return { file, pipeline: pipelines[0]!, ctx };
}

const NEW_ZONES = {
  zones: [
    { id: 'cards', kind: 'emoney_rack', dwellSeconds: 5, polygon: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]] },
    { id: 'front', kind: 'atm', atmId: 'A1', polygon: [[0.5, 0.5], [0.9123456, 0.5], [0.9, 0.9]] },
  ],
};

describe('PUT /api/cameras/:id/zones', () => {
  it('writes the zones into the config file with its comments and applies them to the running camera', async () => {
    const store = newStore();
    const { file, pipeline, ctx } = await site(store);
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const res = await app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie: admin }, payload: NEW_ZONES });
    expect(res.statusCode).toBe(200);
    expect(expectMatches(zonesSaved, res)).toMatchObject({ camera: 'rack1', saved: true, zones: [{ id: 'cards', dwellSeconds: 5 }, { id: 'front', polygon: [[0.5, 0.5], [0.9123, 0.5], [0.9, 0.9]] }] });

    const text = readFileSync(file, 'utf8');
    for (const comment of ['# The test store.', '# Over the card rack.', '# The rack itself.']) expect(text).toContain(comment);
    expect(text).toContain('      - {id: cards, kind: emoney_rack, dwellSeconds: 5, polygon: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]]}\n');
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(SITE);
    const reloaded = await loadConfig(file);
    expect(reloaded.cameras[0]!.zones.map((z) => z.id)).toEqual(['cards', 'front']);
    expect(reloaded.cameras[1]!.zones).toEqual([]);

    // The running pipeline has them, and the camera list shows them.
    expect(pipeline.zones).toEqual(reloaded.cameras[0]!.zones);
    const listed = expectMatches(cameraList, await app.inject({ url: '/api/cameras', headers: { cookie: admin } }));
    expect(listed.zonesSavable).toBe(true);
    expect(listed.cameras[0]!.zones.map((z) => z.id)).toEqual(['cards', 'front']);
    await app.close();
  });

  it('refuses invalid zones with every problem named by path, and leaves the file alone', async () => {
    const store = newStore();
    const { file, pipeline, ctx } = await site(store);
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const put = (payload: unknown) => app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie: admin }, payload: payload as object });

    const res = await put({ zones: [
      { id: 'cards', kind: 'emoney_rack', polygon: [[0.1, 0.1], [0.4, 0.1]] },
      { id: 'front', kind: 'atm', polygon: [[0.5, 0.5], [1.5, 0.5], [0.9, 0.9]] },
      { id: 'cards', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]], colour: 'red' },
    ] });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{ error: string }>();
    expect(error).toContain('zones[0].polygon: needs at least 3 points');
    expect(error).toContain('zones[1].atmId: required for an atm zone');
    expect(error).toMatch(/zones\[1\]\.polygon\[1\]\[0\]: /);
    expect(error).toMatch(/zones\[2\]: Unrecognized key: "colour"/);
    expect((await put({ zones: [{ id: 'a', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] }, { id: 'a', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] }] })).json())
      .toEqual({ error: 'zones[1].id: duplicate zone id "a"' });
    expect((await put({ zones: [{ id: '../x', kind: 'door', polygon: [] }] })).json<{ error: string }>().error).toMatch(/zones\[0\]\.id: .*zones\[0\]\.kind: /);
    expect((await put({})).json<{ error: string }>().error).toMatch(/^zones: /);
    expect(readFileSync(file, 'utf8')).toBe(SITE);
    expect(pipeline.zones.map((z) => z.dwellSeconds)).toEqual([30]);
    await app.close();
  });

  it('refuses outlines that cross themselves, have no area or repeat a corner, naming each by path, and leaves the file alone', async () => {
    const store = newStore();
    const { file, pipeline, ctx } = await site(store);
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const put = (zones: unknown[]) => app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie: admin }, payload: { zones } });

    const res = await put([
      { id: 'cards', kind: 'emoney_rack', polygon: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]] },
      { id: 'bowtie', kind: 'emoney_rack', polygon: [[0, 0], [1, 1], [1, 0], [0, 1]] },
      { id: 'line', kind: 'register', polygon: [[0, 0.5], [0.5, 0.5], [1, 0.5]] },
      { id: 'twice', kind: 'register', polygon: [[0.2, 0.2], [0.8, 0.2], [0.2, 0.2], [0.5, 0.9]] },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: string }>().error.split('; ')).toEqual([
      'zones[1].polygon: crosses itself: the edge from point 0 to 1 meets the edge from point 2 to 3 (list the corners in order around the zone)',
      'zones[2].polygon: encloses no area: all its points lie on one line',
      'zones[3].polygon: point 2 repeats point 0 ([0.2, 0.2]): give each corner once',
    ]);

    // Corners the editor placed apart that the file's 4 decimals would merge.
    const merged = await put([{ id: 'cards', kind: 'emoney_rack', polygon: [[0.10001, 0.1], [0.10004, 0.1], [0.4, 0.1], [0.4, 0.9]] }]);
    expect(merged.statusCode).toBe(400);
    expect(merged.json()).toEqual({ error: 'zones[0].polygon: point 1 repeats point 0 ([0.1, 0.1]): give each corner once (coordinates rounded to 4 decimals)' });

    expect(readFileSync(file, 'utf8')).toBe(SITE);
    expect(pipeline.zones.map((z) => z.polygon)).toEqual([[[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]]]);
    await app.close();
  });

  it('lets only admins save', async () => {
    const store = newStore();
    const { file, ctx } = await site(store);
    const app = buildApi(ctx);
    for (const role of ['clerk', 'bank', 'investigator'] as const) {
      const cookie = await logInAs(app, store, role);
      const res = await app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie }, payload: NEW_ZONES });
      expect(res.statusCode).toBe(403);
    }
    expect((await app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', payload: NEW_ZONES })).statusCode).toBe(401);
    expect(readFileSync(file, 'utf8')).toBe(SITE);
    await app.close();
  });

  it('answers 409 without a config file, 404 for an unknown camera', async () => {
    const store = newStore();
    const { pipeline, ctx } = await site(store, false);
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const res = await app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie: admin }, payload: NEW_ZONES });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: string }>().error).toMatch(/started without a config file.*mimamori run --config/);
    expect(pipeline.zones.map((z) => z.dwellSeconds)).toEqual([30]);
    const unknown = await app.inject({ method: 'PUT', url: '/api/cameras/nope/zones', headers: { cookie: admin }, payload: NEW_ZONES });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'no camera nope' });
    await app.close();
  });

  it('answers 409 naming the file when it no longer has the camera, and applies nothing', async () => {
    const store = newStore();
    const { file, pipeline, ctx } = await site(store);
    writeFileSync(file, SITE.replace('id: rack1', 'id: rack9'));
    const app = buildApi(ctx);
    const admin = await logInAs(app, store, 'admin');
    const res = await app.inject({ method: 'PUT', url: '/api/cameras/rack1/zones', headers: { cookie: admin }, payload: NEW_ZONES });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: `zones not saved: ${file}: camera "rack1" is not in this file's cameras` });
    expect(pipeline.zones.map((z) => z.id)).toEqual(['cards']);
    await app.close();
  });
});
