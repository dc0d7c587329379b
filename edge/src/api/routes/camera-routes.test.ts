/**
 * The live view API on real pipelines: a real photo of two people analysed by the real perception
 * models and tracker, drawn with its zones and tracks by sharp, served per role.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../../../test/fixtures.js';
import { logInAs } from '../../../test/api-session.js';
import { expectMatches } from '../../../test/api-contract.js';
import { cameraList } from '../../wire/api/cameras.js';
import { useTempStores } from '../../../test/temp-store.js';
import { parseConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import type { AnalyzerPool } from '../../pipeline/analyze/analyzer-pool.js';
import { createPerception } from '../../pipeline/analyze/perception.js';
import { CameraPipeline, type CameraFrame, type LiveFrame } from '../../pipeline/camera-pipeline.js';
import { STATE_COLOUR } from '../../pipeline/draw/analysis-overlay.js';
import { buildApi } from '../server.js';
import type { ApiContext } from '../api-context.js';
import type { Store } from '../../store/store.js';
import type { SourceState } from '../../wire/api/status.js';
import { LiveJpegCache, type CameraHandle } from './camera-routes.js';

const newStore = useTempStores('mimamori-cameras-');
const log = createLogger('test', { level: 'error' });

let perception: AnalyzerPool;
let frame: CameraFrame;
const pipelines = new Map<string, CameraPipeline>();

function pipelineFor(id: string, zones: unknown[]): CameraPipeline {
  const camera = parseConfig({ cameras: [{ id, source: '/dev/null', zones }] }).cameras[0]!;
  const pipeline = new CameraPipeline(camera, { perception, sink: { handle: async () => {} }, log });
  pipelines.set(id, pipeline);
  return pipeline;
}

/** The same adapter the agent hands to the API. */
function handle(pipeline: CameraPipeline, state: SourceState = 'streaming'): CameraHandle {
  return {
    id: pipeline.camera.id, state: () => state, zones: () => pipeline.zones,
    liveFrame: () => pipeline.liveFrame(), setZones: (z) => pipeline.setZones(z),
  };
}

function context(store: Store, withCameras = true): ApiContext {
  return {
    log, site: 'store-001', status: () => ({}), store: () => store,
    ...(withCameras ? { cameras: { configFile: null, list: () => [...pipelines.values()].map((p) => handle(p, p.liveFrame() ? 'streaming' : 'connecting')) } } : {}),
  };
}

beforeAll(async () => {
  requireOpencvData();
  perception = await createPerception(parseConfig({}).perception);
  const { data, info } = await sharp(join(OPENCV_DATA, 'basketball1.png')).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  frame = { data: new Uint8Array(data), width: info.width, height: info.height, ptsMs: 0, atMs: Date.now(), seq: 0 };
  const rack = pipelineFor('rack1', [{ id: 'cards', kind: 'emoney_rack', polygon: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] }]);
  const atm = pipelineFor('atm1', [{ id: 'front', kind: 'atm', atmId: 'A1', polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] }]);
  pipelineFor('dark', []);
  // Three frames: tracks are confirmed after two consecutive hits.
  for (let i = 0; i < 3; i++) {
    const f = { ...frame, ptsMs: i * 200, atMs: frame.atMs + i * 200, seq: i };
    await rack.process(f);
    await atm.process(f);
  }
}, 120_000);
afterAll(async () => {
  await perception?.close();
});

describe('GET /api/cameras', () => {
  it('lists cameras with state, size and zones; live only for roles that may watch', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    expect((await app.inject('/api/cameras')).statusCode).toBe(401);
    const clerk = await logInAs(app, store, 'clerk');
    const res = await app.inject({ url: '/api/cameras', headers: { cookie: clerk } });
    expect(res.statusCode).toBe(200);
    const body = expectMatches(cameraList, res);
    expect(body.zonesSavable).toBe(false);
    expect(body.cameras.map((c) => [c.id, c.state, c.width, c.live])).toEqual([
      ['rack1', 'streaming', 640, true], ['atm1', 'streaming', 640, true], ['dark', 'connecting', null, true],
    ]);
    expect(body.cameras[0]!.zones).toEqual([expect.objectContaining({ id: 'cards', kind: 'emoney_rack', polygon: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]], dwellSeconds: 60 })]);

    const investigator = await logInAs(app, store, 'investigator');
    const forInvestigator = expectMatches(cameraList, await app.inject({ url: '/api/cameras', headers: { cookie: investigator } }));
    expect(forInvestigator.cameras.map((c) => c.live)).toEqual([false, false, false]);
    await app.close();
  });

  it('shows a bank only the cameras with an ATM zone', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    const bank = await logInAs(app, store, 'bank');
    const body = expectMatches(cameraList, await app.inject({ url: '/api/cameras', headers: { cookie: bank } }));
    expect(body.cameras).toEqual([expect.objectContaining({ id: 'atm1', live: true })]);
    await app.close();
  });

  it('answers 503 where no cameras run in the process', async () => {
    const store = newStore();
    const app = buildApi(context(store, false));
    const admin = await logInAs(app, store, 'admin');
    const res = await app.inject({ url: '/api/cameras', headers: { cookie: admin } });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: string }>().error).toMatch(/cameras are not available/);
    await app.close();
  });
});

describe('GET /api/cameras/:id/live.jpg', () => {
  it('sends the latest frame as a JPEG with the tracked people boxed in their phone-state colour', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    const clerk = await logInAs(app, store, 'clerk');
    const res = await app.inject({ url: '/api/cameras/rack1/live.jpg', headers: { cookie: clerk } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-seq']).toBe('2');
    const { data, info } = await sharp(res.rawPayload).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([640, 480]);

    const view = pipelines.get('rack1')!.liveFrame() as LiveFrame;
    const people = view.tracks.filter((t) => t.state === 'confirmed');
    expect(people.length).toBeGreaterThanOrEqual(1);
    // The box's left edge, half-way down, is drawn in the colour of the person's phone state.
    const [x1, y1, , y2] = people[0]!.box;
    const expected = hex(STATE_COLOUR[people[0]!.phone]);
    const px = pixel(data, info.width, Math.round(x1), Math.round((y1 + y2) / 2));
    for (let c = 0; c < 3; c++) expect(Math.abs(px[c]! - expected[c]!)).toBeLessThan(60);
    // The photo itself is greyscale: a coloured pixel there can only be the overlay.
    const original = pixel(frame.data, frame.width, Math.round(x1), Math.round((y1 + y2) / 2));
    expect(original[0]).toBe(original[2]);

    // Without zones (for the zones editor): the zone's label area in the corner stays grey.
    const bare = await app.inject({ url: '/api/cameras/rack1/live.jpg?zones=0', headers: { cookie: clerk } });
    expect(bare.statusCode).toBe(200);
    /** The most colourful pixel along the zone's (dashed) top edge, y = 240, between the two people. */
    const edgeColour = async (jpeg: Buffer): Promise<number> => {
      const raw = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      let most = 0;
      for (let x = 200; x < 300; x++) {
        const [r, g] = pixel(raw.data, raw.info.width, x, 240);
        most = Math.max(most, Math.abs(r! - g!));
      }
      return most;
    };
    expect(await edgeColour(res.rawPayload)).toBeGreaterThan(60); // the zone's violet
    expect(await edgeColour(bare.rawPayload)).toBeLessThan(20); // the grey photo
    expect((await app.inject({ url: '/api/cameras/rack1/live.jpg?zones=no', headers: { cookie: clerk } })).json()).toEqual({ error: 'query.zones: must be 0 or 1' });
    await app.close();
  });

  it('gives concurrent viewers one shared encode of the same frame', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    const admin = await logInAs(app, store, 'admin');
    const replies = await Promise.all(Array.from({ length: 8 }, () => app.inject({ url: '/api/cameras/atm1/live.jpg', headers: { cookie: admin } })));
    expect(replies.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(new Set(replies.map((r) => r.rawPayload.toString('base64'))).size).toBe(1);
    await app.close();
  });

  it('refuses what a role may not watch, unknown cameras, bad ids, and cameras without a picture yet', async () => {
    const store = newStore();
    const app = buildApi(context(store));
    const bank = await logInAs(app, store, 'bank');
    const investigator = await logInAs(app, store, 'investigator');
    const clerk = await logInAs(app, store, 'clerk');
    const get = (url: string, cookie: string) => app.inject({ url, headers: { cookie } });
    const refused = await get('/api/cameras/rack1/live.jpg', bank);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: 'camera rack1 has no ATM zone: banks see ATM cameras only' });
    expect((await get('/api/cameras/atm1/live.jpg', bank)).statusCode).toBe(200);
    expect((await get('/api/cameras/atm1/live.jpg', investigator)).statusCode).toBe(403);
    expect((await get('/api/cameras/nope/live.jpg', clerk)).json()).toEqual({ error: 'no camera nope' });
    expect((await get('/api/cameras/..%2Fetc/live.jpg', clerk)).json<{ error: string }>().error).toBe('params.id: must be a camera id');
    const dark = await get('/api/cameras/dark/live.jpg', clerk);
    expect(dark.statusCode).toBe(503);
    expect(dark.json()).toEqual({ error: 'camera dark has no picture yet (connecting)' });
    await app.close();
  });
});

describe('LiveJpegCache', () => {
  it('encodes at most once per interval per camera, and again for a newer frame after it', async () => {
    let now = 1000;
    const cache = new LiveJpegCache(500, async (v) => Buffer.from(String(v.frame.seq)), () => now);
    const view = (seq: number): LiveFrame => ({ frame: { ...frame, seq }, tracks: [], zones: [] });
    expect(await cache.get('a', view(1)).jpeg).toEqual(Buffer.from('1'));
    now += 100;
    expect(await cache.get('a', view(2)).jpeg).toEqual(Buffer.from('1')); // too soon: the last one
    expect(await cache.get('b', view(7)).jpeg).toEqual(Buffer.from('7')); // cameras are separate
    now += 400;
    expect(await cache.get('a', view(2)).jpeg).toEqual(Buffer.from('2'));
    now += 5000;
    expect(await cache.get('a', view(2)).jpeg).toEqual(Buffer.from('2')); // same frame: no new encode
    expect(cache.encodes).toBe(3);
  });

  it('does not keep a failed encode', async () => {
    let fail = true;
    const cache = new LiveJpegCache(500, async () => {
      if (fail) throw new Error('vips says no');
      return Buffer.from('ok');
    });
    const view: LiveFrame = { frame, tracks: [], zones: [] };
    await expect(cache.get('a', view).jpeg).rejects.toThrow('vips says no');
    fail = false;
    expect(await cache.get('a', view).jpeg).toEqual(Buffer.from('ok'));
  });
});

function hex(colour: string): number[] {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
}

function pixel(data: Uint8Array, width: number, x: number, y: number): number[] {
  const i = (y * width + x) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}
