import { describe, expect, it } from 'vitest';
import { StoreValidationError } from './store.js';
import { useTempStores } from '../../test/temp-store.js';

const open = useTempStores('mimamori-health-');

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2025, 5, 1);

describe('camera health', () => {
  it('records samples and returns the latest per camera', () => {
    const store = open({ now: () => T0 + 5 });
    const first = store.health.record({ camera: 'atm-1', state: 'connecting' });
    expect(first).toMatchObject({ camera: 'atm-1', at: T0 + 5, state: 'connecting', detail: null, fpsIn: null, fpsOut: null, dropped: null });
    store.health.record({ camera: 'atm-1', at: T0 + 1000, state: 'streaming', fpsIn: 15, fpsOut: 5, dropped: 0 });
    store.health.record({ camera: 'store-1', at: T0 + 2000, state: 'backoff', detail: 'rtsp: connection refused' });
    // An out-of-order sample does not become the latest.
    store.health.record({ camera: 'atm-1', at: T0 + 500, state: 'failed' });

    expect(store.health.latest('atm-1')).toMatchObject({ state: 'streaming', fpsIn: 15, fpsOut: 5, dropped: 0 });
    expect(store.health.latest('nowhere')).toBeUndefined();
    expect(store.health.latestAll().map((h) => [h.camera, h.state])).toEqual([
      ['atm-1', 'streaming'],
      ['store-1', 'backoff'],
    ]);
  });

  it('prunes samples past the retention window on record, keeping each camera\'s latest', () => {
    const store = open({ healthRetentionMs: DAY });
    store.health.record({ camera: 'quiet', at: T0, state: 'stopped' });
    for (let i = 0; i < 10; i++) store.health.record({ camera: 'atm-1', at: T0 + i * MIN, state: 'streaming', fpsIn: 15 });
    store.health.record({ camera: 'atm-1', at: T0 + 2 * DAY, state: 'streaming', fpsIn: 14 });

    const latest = store.health.latestAll();
    expect(latest.map((h) => [h.camera, h.at])).toEqual([
      ['atm-1', T0 + 2 * DAY],
      ['quiet', T0],
    ]);
    // Only the two latest rows remain; nothing else is older than a day.
    expect(store.health.prune(T0 + 3 * DAY)).toBe(0);
  });

  it('prune() deletes older samples and reports how many', () => {
    const store = open({ healthRetentionMs: 10 * DAY });
    for (let i = 0; i < 5; i++) store.health.record({ camera: 'atm-1', at: T0 + i * 1000, state: 'streaming' });
    expect(store.health.prune(T0 + 3000)).toBe(3);
    expect(store.health.latest('atm-1')?.at).toBe(T0 + 4000);
  });

  it('refuses unknown states and non-finite numbers, naming the field and camera', () => {
    const store = open();
    const bad: [Record<string, unknown>, string][] = [
      [{ state: 'sleeping' }, 'state'],
      [{ state: 'streaming', fpsIn: Number.NaN }, 'fpsIn'],
      [{ state: 'streaming', fpsOut: Number.POSITIVE_INFINITY }, 'fpsOut'],
      [{ state: 'streaming', dropped: -1 }, 'dropped'],
      [{ state: 'streaming', at: 1.5 }, 'at'],
    ];
    for (const [sample, field] of bad) {
      let caught: unknown;
      try {
        store.health.record({ camera: 'atm-1', ...sample } as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StoreValidationError);
      expect(caught).toMatchObject({ field });
      expect((caught as Error).message).toMatch(/^health\.record\(atm-1\): /);
    }
    expect(store.health.latestAll()).toEqual([]);
  });
});
