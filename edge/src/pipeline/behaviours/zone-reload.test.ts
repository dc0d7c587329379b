/**
 * Zones swapped while a camera runs (the dashboard's zones editor): unchanged zones carry on, a
 * changed or removed zone ends its open event once and starts afresh, a new zone starts counting
 * from the change, and no event is left open or started twice.
 */
import { describe, expect, it } from 'vitest';
import { zoneSchema, type ZoneConfig } from '../../config/schema.js';
import type { Box } from '../types.js';
import { BehaviourEngine } from './behaviour-engine.js';
import type { BehaviourEvent, TrackView } from './types.js';

const T0 = 1_760_000_000_000;
const WIDTH = 640;
const HEIGHT = 480;

const zone = (raw: Record<string, unknown>): ZoneConfig => zoneSchema.parse(raw);
// Left half and right half of the floor.
const LEFT = zone({ id: 'left', kind: 'emoney_rack', dwellSeconds: 5, polygon: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] });
const RIGHT = zone({ id: 'right', kind: 'emoney_rack', dwellSeconds: 5, polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] });

function standing(id: number, x: number): TrackView {
  return { id, box: [x - 40, 250, x + 40, 450] as Box, state: 'confirmed', phone: 'none', phoneScore: 0 };
}

/** 5 fps from `from` to `to` seconds; the same two people stand still throughout. */
function play(engine: BehaviourEngine, from: number, to: number): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  for (let i = from * 5; i < to * 5; i++) {
    events.push(...engine.evaluate({ atMs: T0 + i * 200, width: WIDTH, height: HEIGHT, tracks: [standing(1, 160), standing(2, 480)] }));
  }
  return events;
}

const summary = (events: BehaviourEvent[]): string[] => events.map((e) => `${e.type} ${e.zoneId}`);

describe('BehaviourEngine.setZones', () => {
  it('keeps an unchanged zone going and restarts a changed one, ending its open event once', () => {
    const engine = new BehaviourEngine({ id: 'cam1', zones: [LEFT, RIGHT] });
    const before = play(engine, 0, 8);
    expect(summary(before.filter((e) => e.type === 'start'))).toEqual(['start left', 'start right']);
    const leftKey = before.find((e) => e.zoneId === 'left')!.eventKey;
    const rightKey = before.find((e) => e.zoneId === 'right')!.eventKey;

    // Only the right zone's threshold changes.
    const ended = engine.setZones([LEFT, { ...RIGHT, dwellSeconds: 3 }], T0 + 8000);
    expect(summary(ended)).toEqual(['end right']);
    expect(ended[0]).toMatchObject({ eventKey: rightKey, atMs: T0 + 8000 });

    const after = play(engine, 8, 14);
    // Left carried on under its old key; right started again 3 s after the change, under a new key.
    expect(after.filter((e) => e.zoneId === 'left').every((e) => e.eventKey === leftKey && e.type === 'update')).toBe(true);
    const restarted = after.filter((e) => e.zoneId === 'right' && e.type === 'start');
    expect(restarted).toHaveLength(1);
    expect(restarted[0]!.eventKey).not.toBe(rightKey);
    expect((restarted[0]!.atMs - (T0 + 8000)) / 1000).toBeGreaterThan(3);
    expect((restarted[0]!.atMs - (T0 + 8000)) / 1000).toBeLessThan(3.5);
  });

  it('ends the events of a removed zone and starts counting in a new zone from the change', () => {
    const engine = new BehaviourEngine({ id: 'cam1', zones: [LEFT] });
    play(engine, 0, 7);
    const moved = zone({ id: 'moved', kind: 'emoney_rack', dwellSeconds: 2, polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] });
    expect(summary(engine.setZones([moved], T0 + 7000))).toEqual(['end left']);
    const after = play(engine, 7, 12);
    expect(summary(after.filter((e) => e.type !== 'update'))).toEqual(['start moved']);
    expect(after.find((e) => e.type === 'start')!.trackId).toBe(2);
    // flush (camera stopped) ends what is open now, nothing of the removed zone again.
    expect(summary(engine.flush(T0 + 12_000))).toEqual(['end moved']);
  });

  it('treats the same zones as no change, and zones no behaviour uses as nothing to watch', () => {
    const engine = new BehaviourEngine({ id: 'cam1', zones: [LEFT] });
    play(engine, 0, 7);
    expect(engine.setZones([zoneSchema.parse({ ...LEFT }), zone({ id: 'door', kind: 'entrance', polygon: [[0, 0], [1, 0], [1, 1]] })], T0 + 7000)).toEqual([]);
    expect(play(engine, 7, 9).every((e) => e.type === 'update' && e.zoneId === 'left')).toBe(true);
    expect(summary(engine.setZones([], T0 + 9000))).toEqual(['end left']);
    expect(play(engine, 9, 20)).toEqual([]);
  });
});
