/** The retention section of the config, the policy in milliseconds, and which paths retention may touch. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.js';
import { DAY_MS, retentionPolicy } from './retention-policy.js';
import { parseSegmentName, segmentFile } from './segment-files.js';

describe('retention config', () => {
  it('has the documented defaults', () => {
    const { retention } = parseConfig({});
    expect(retention).toEqual({
      continuous: { days: 14 },
      events: { days: 90, preSeconds: 30, postSeconds: 30, behaviours: {} },
      maxDiskPercent: 90,
      intervalMinutes: 10,
      minFreeBytes: 256 * 1024 * 1024,
      reserveBytes: 8 * 1024 * 1024,
    });
    expect(retentionPolicy(retention)).toEqual({
      continuousMs: 14 * DAY_MS,
      eventMs: { phone_at_atm: 90 * DAY_MS, emoney_lingering: 90 * DAY_MS },
      preMs: 30_000,
      postMs: 30_000,
    });
  });

  it('overrides event days per behaviour and takes a byte budget', () => {
    const { retention } = parseConfig({
      retention: { events: { days: 60, behaviours: { phone_at_atm: { days: 365 } } }, maxBytes: 500_000_000_000, maxDiskPercent: 85 },
    });
    expect(retentionPolicy(retention).eventMs).toEqual({ phone_at_atm: 365 * DAY_MS, emoney_lingering: 60 * DAY_MS });
    expect(retention).toMatchObject({ maxBytes: 500_000_000_000, maxDiskPercent: 85, continuous: { days: 14 } });
  });

  it('names every bad retention field by path', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        retention: {
          continuous: { days: 0 },
          events: { preSeconds: -1, behaviours: { phone_at_atm: { days: 'long' }, loitering: { days: 3 } } },
          maxDiskPercent: 100,
          maxBytes: 1.5,
          intervalMinutes: 0,
          minFreeBytes: -1,
          reserveBytes: 0.5,
          keepForever: true,
        },
      }, 'site.yaml');
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = error!.problems.join('\n');
    for (const path of [
      'retention.continuous.days', 'retention.events.preSeconds', 'retention.events.behaviours.phone_at_atm.days',
      'retention.events.behaviours', 'retention.maxDiskPercent', 'retention.maxBytes', 'retention.intervalMinutes',
      'retention.minFreeBytes', 'retention.reserveBytes', 'retention',
    ]) {
      expect(problems).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `, 'm'));
    }
    expect(problems).toMatch(/loitering/);
    expect(problems).toMatch(/keepForever/);
  });
});

describe('segment files', () => {
  it('parses the recorder\'s names in local time and refuses other names and impossible times', () => {
    expect(parseSegmentName('atm1', 'atm1-20260620-093005.ts')).toEqual({
      startMs: new Date(2026, 5, 20, 9, 30, 5).getTime(), day: '2026-06-20', container: 'mpegts',
    });
    expect(parseSegmentName('atm1', 'atm2-20260620-093005.ts')).toBeNull();
    expect(parseSegmentName('atm1', 'atm1-20260230-093005.ts')).toBeNull();
    expect(parseSegmentName('atm1', 'atm1-20260620-096005.ts')).toBeNull();
    expect(parseSegmentName('atm1', 'atm1-20260620-093005.ts.part')).toBeNull();
  });

  it('resolves only recorder segments under <dataDir>/recordings, for the row\'s own camera', () => {
    expect(segmentFile('/data', 'atm1', 'recordings/atm1/2026-06-20/atm1-20260620-093005.ts'))
      .toEqual({ ok: true, path: '/data/recordings/atm1/2026-06-20/atm1-20260620-093005.ts' });
    const refused = [
      ['atm1', 'mimamori.db'],
      ['atm1', 'recordings/atm1/../../mimamori.db'],
      ['atm1', 'recordings/atm2/2026-06-20/atm2-20260620-093005.ts'],
      ['atm1', 'recordings/atm1/2026-06-21/atm1-20260620-093005.ts'],
      ['atm1', 'recordings/atm1/2026-06-20/notes.txt'],
      ['../x', 'recordings/../x/2026-06-20/../x-20260620-093005.ts'],
      ['atm1', '/etc/passwd'],
    ] as const;
    for (const [camera, path] of refused) expect(segmentFile('/data', camera, path).ok, path).toBe(false);
  });
});
