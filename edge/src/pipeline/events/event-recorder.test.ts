import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERSON_PHOTO } from '../../../test/fixtures.js';
import { createLogger } from '../../log/logger.js';
import { openStore, type Store } from '../../store/store.js';
import type { BehaviourEvent } from '../behaviours/types.js';
import type { CameraFrame } from '../camera-pipeline.js';
import { EventRecorder, type RecordedEvent } from './event-recorder.js';

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);

function step(type: BehaviourEvent['type'], atS: number, over: Partial<BehaviourEvent> = {}): BehaviourEvent {
  return {
    type, eventKey: 'cam1:cards:emoney_lingering:1', behaviour: 'emoney_lingering', cameraId: 'cam1', zoneId: 'cards',
    zoneKind: 'emoney_rack', trackId: 4, trackIds: [3, 4], severity: 'medium', startedAtMs: T0 + 60_000,
    atMs: T0 + atS * 1000, dwellSeconds: atS, phone: 'none', box: [100, 60, 400, 330], ...over,
  };
}

let store: Store;
let frame: CameraFrame;
const log = createLogger('test', { level: 'error' });
beforeEach(async () => {
  store = openStore(await mkdtemp(join(tmpdir(), 'mimamori-rec-')));
  const { data, info } = await sharp(PERSON_PHOTO).raw().toBuffer({ resolveWithObject: true });
  frame = { data: new Uint8Array(data), width: info.width, height: info.height, ptsMs: 0, atMs: T0, seq: 0 };
});
afterEach(() => store.close());

describe('event recorder', () => {
  it('stores the lifecycle with snapshot, clip range and dwell, and reports each step', async () => {
    const seen: RecordedEvent[] = [];
    const rec = new EventRecorder(store, log, (e) => seen.push(e));
    await rec.handle(step('start', 60), frame);
    await rec.handle(step('update', 65, { dwellSeconds: 65 }), frame);
    await rec.handle(step('update', 66, { severity: 'high', phone: 'call', dwellSeconds: 66 }), frame);
    await rec.handle(step('end', 70, { severity: 'high', phone: 'call', endedAtMs: T0 + 70_000, dwellSeconds: 70 }), null);

    const [e, ...others] = store.events.list();
    expect(others).toHaveLength(0);
    expect(e).toMatchObject({
      camera: 'cam1', zone: 'cards', behaviour: 'emoney_lingering', severity: 'high', phone: 'call', trackId: 4,
      startedAt: T0 + 60_000, endedAt: T0 + 70_000, dwellSeconds: 70, clipStart: T0, clipEnd: T0 + 70_000,
    });
    expect(e!.details).toMatchObject({ trackIds: [3, 4], eventKey: 'cam1:cards:emoney_lingering:1' });
    expect(e!.snapshotPath).toMatch(new RegExp(`^snapshots/cam1/2026-11-25/${e!.id}\\.jpg$`));
    expect(existsSync(store.resolve(e!.snapshotPath!))).toBe(true);
    expect(seen.map((s) => s.step.type)).toEqual(['start', 'update', 'update', 'end']);
    expect(seen.every((s) => s.record.id === e!.id)).toBe(true);
  });

  it('ignores steps of an episode it never started, and keeps the event when the snapshot fails', async () => {
    const rec = new EventRecorder(store, log);
    await rec.handle(step('update', 65), frame);
    expect(store.events.list()).toHaveLength(0);
    const broken = { ...frame, width: frame.width + 1 }; // pixel count no longer matches: sharp refuses it
    await rec.handle(step('start', 60), broken);
    const [e] = store.events.list();
    expect(e).toMatchObject({ snapshotPath: null, endedAt: null });
  });
});
