/**
 * The planner on a fabricated timeline in a real SQLite store, with a clock the test sets: two
 * cameras with hourly segments over 100 days, events of both behaviours (kept, expired, open),
 * holds (in force, released, expired, expiring later). Every plan is checked against a naive
 * per-segment reading of the policy written out here, and the key cases by hand.
 */
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempStores } from '../../test/temp-store.js';
import { retentionSchema } from '../config/schema.js';
import type { Behaviour, Store } from '../store/store.js';
import { mergeIntervals, overlapsAny } from './intervals.js';
import { DAY_MS, diskPressure, LOW_WATERMARK, retentionPolicy, type DiskPressure, type RetentionPolicy } from './retention-policy.js';
import { planRetention, type RetentionPlan, type RetentionReason } from './retention-plan.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 100 * DAY_MS;
const at = (day: number, hour = 0, minute = 0): number => T0 + day * DAY_MS + hour * HOUR + minute * 60_000;
const BYTES = 1000;
const CAMERAS = ['atm1', 'rack1'];

const openTemp = useTempStores('retention-plan-');

interface FabricatedEvent {
  camera: string;
  behaviour: Behaviour;
  startedAt: number;
  endedAt: number | null;
  clipStart: number | null;
  clipEnd: number | null;
}

interface FabricatedHold {
  id: string;
  fromMs: number;
  toMs: number;
  cameras: string[];
  createdAt: number;
  expiresAt: number | null;
  releasedAt: number | null;
}

interface Timeline {
  store: Store;
  events: FabricatedEvent[];
  holds: FabricatedHold[];
  /** id → [camera, start, end] */
  segments: Map<number, { camera: string; start: number; end: number }>;
}

function addEvent(store: Store, e: FabricatedEvent): void {
  const started = store.events.start({
    camera: e.camera, zone: 'z', behaviour: e.behaviour, severity: 'high', trackId: 1, startedAt: e.startedAt, phone: 'call',
    clipStart: e.clipStart, clipEnd: e.clipEnd,
  });
  if (e.endedAt !== null) store.events.end(started.id, e.endedAt);
}

function addHold(store: Store, h: FabricatedHold): void {
  // Plain SQL: the test needs holds created, released and expiring at chosen times in the past.
  const db = new Sqlite(store.file);
  try {
    db.prepare(`INSERT INTO holds (id, case_number, officer, station, reason, from_ms, to_ms, cameras, created_at, created_by, expires_at, released_at, released_by)
      VALUES (@id, 'CASE-1', 'Officer Sato', 'Station', 'test', @fromMs, @toMs, @cameras, @createdAt, 'test', @expiresAt, @releasedAt, @releasedBy)`)
      .run({ ...h, cameras: JSON.stringify(h.cameras), releasedBy: h.releasedAt === null ? null : 'test' });
  } finally {
    db.close();
  }
}

/** Hourly segments for 100 days on both cameras; events and holds as listed in each comment. */
function timeline(): Timeline {
  const store = openTemp({ now: () => NOW });
  const segments = new Map<number, { camera: string; start: number; end: number }>();
  for (const camera of CAMERAS) {
    for (let h = 0; h < 100 * 24; h++) {
      const start = T0 + h * HOUR;
      const s = store.segments.add({ camera, path: `recordings/${camera}/d/${camera}-${h}.ts`, startMs: start, endMs: start + HOUR, bytes: BYTES, container: 'mpegts' });
      segments.set(s.id, { camera, start, end: start + HOUR });
    }
  }
  // A segment still being written: never planned, whatever the pressure.
  store.segments.add({ camera: 'atm1', path: 'recordings/atm1/d/atm1-open.ts', startMs: NOW, container: 'mpegts' });
  const events: FabricatedEvent[] = [
    // Kept (ended 80 days ago, phone_at_atm keeps 90): hours 9 and 10 of day 20 on atm1, because
    // its window starts at the zone entry 10:00 − 1 min − 30 s.
    { camera: 'atm1', behaviour: 'phone_at_atm', startedAt: at(20, 10, 0), endedAt: at(20, 10, 2), clipStart: at(20, 9, 59), clipEnd: at(20, 10, 2) },
    // Expired by the per-behaviour override (emoney_lingering keeps 30 days; ended 50 days ago).
    { camera: 'rack1', behaviour: 'emoney_lingering', startedAt: at(50, 12, 30), endedAt: at(50, 12, 35), clipStart: at(50, 12, 29), clipEnd: at(50, 12, 35) },
    // Expired (ended 95 days ago).
    { camera: 'atm1', behaviour: 'phone_at_atm', startedAt: at(5, 3, 10), endedAt: at(5, 3, 20), clipStart: null, clipEnd: null },
    // Open since 2 hours ago: keeps footage around now.
    { camera: 'rack1', behaviour: 'phone_at_atm', startedAt: NOW - 2 * HOUR, endedAt: null, clipStart: NOW - 2 * HOUR - 60_000, clipEnd: null },
    // Kept, on day 95 (inside the continuous window too): protected from disk pressure until the end.
    { camera: 'atm1', behaviour: 'emoney_lingering', startedAt: at(95, 8, 0), endedAt: at(95, 8, 5), clipStart: null, clipEnd: null },
    // Kept (ended 30 days ago), ending 30 s before 14:00: its window reaches 14:00 and stops there,
    // so it keeps hour 13 and not hour 14.
    { camera: 'rack1', behaviour: 'phone_at_atm', startedAt: at(70, 13, 50), endedAt: at(70, 13, 59.5), clipStart: null, clipEnd: null },
  ];
  for (const e of events) addEvent(store, e);
  const holds: FabricatedHold[] = [
    { id: 'h-all', fromMs: at(30), toMs: at(31), cameras: [], createdAt: at(90), expiresAt: null, releasedAt: null },
    { id: 'h-released', fromMs: at(40), toMs: at(42), cameras: ['rack1'], createdAt: at(90), expiresAt: null, releasedAt: NOW - DAY_MS },
    { id: 'h-expiring', fromMs: at(60), toMs: at(61), cameras: ['atm1'], createdAt: at(90), expiresAt: NOW + DAY_MS, releasedAt: null },
    { id: 'h-expired', fromMs: at(65), toMs: at(66), cameras: ['atm1'], createdAt: at(90), expiresAt: NOW - 1, releasedAt: null },
    // Released in the future as the clock sees it: still in force now.
    { id: 'h-later', fromMs: at(96), toMs: at(96, 6), cameras: ['rack1'], createdAt: at(90), expiresAt: null, releasedAt: NOW + HOUR },
  ];
  for (const h of holds) addHold(store, h);
  return { store, events, holds, segments };
}

const policy: RetentionPolicy = retentionPolicy(retentionSchema.parse({
  continuous: { days: 14 }, events: { days: 90, preSeconds: 30, postSeconds: 30, behaviours: { emoney_lingering: { days: 30 } } },
}));

const noPressure: DiskPressure = diskPressure({ fs: null, indexBytes: 0 }, { maxDiskPercent: 90, maxBytes: 1e12 });

/** A maxBytes budget over the current index: usage `over` bytes above it. */
function overBy(store: Store, over: number): DiskPressure {
  const used = store.retention.indexBytes();
  return diskPressure({ fs: null, indexBytes: used }, { maxDiskPercent: 90, maxBytes: used - over });
}

/** The policy read naively, segment by segment: held → kept; kept event footage → kept under expiry. */
function reference(t: Timeline, now: number): { expired: Map<number, RetentionReason>; unprotectedYoung: number[]; eventYoungOrOld: number[] } {
  const active = t.holds.filter((h) => (h.releasedAt === null || h.releasedAt > now) && (h.expiresAt === null || h.expiresAt > now));
  const windows = t.events.map((e) => {
    const end = e.endedAt ?? now;
    return {
      camera: e.camera,
      lo: Math.min(e.startedAt, e.clipStart ?? e.startedAt) - policy.preMs,
      hi: Math.max(end, e.clipEnd ?? end) + policy.postMs,
      kept: e.endedAt === null || e.endedAt + policy.eventMs[e.behaviour] > now,
    };
  });
  const expired = new Map<number, RetentionReason>();
  const unprotectedYoung: number[] = [];
  const eventFootage: number[] = [];
  for (const [id, s] of t.segments) {
    const held = active.some((h) => (h.cameras.length === 0 || h.cameras.includes(s.camera)) && s.start < h.toMs && s.end > h.fromMs);
    if (held) continue;
    const over = windows.filter((w) => w.camera === s.camera && s.start < w.hi && s.end > w.lo);
    if (over.some((w) => w.kept)) {
      eventFootage.push(id);
      continue;
    }
    if (s.end < now - policy.continuousMs) expired.set(id, over.length > 0 ? 'event_expired' : 'continuous_expired');
    else unprotectedYoung.push(id);
  }
  const byStart = (a: number, b: number): number => (t.segments.get(a)!.start - t.segments.get(b)!.start) || a - b;
  return { expired, unprotectedYoung: unprotectedYoung.sort(byStart), eventYoungOrOld: eventFootage.sort(byStart) };
}

function idsOf(plan: RetentionPlan, reason?: RetentionReason): number[] {
  return plan.deletions.filter((d) => reason === undefined || d.reason === reason).map((d) => d.id);
}

function segmentAt(t: Timeline, camera: string, start: number): number {
  for (const [id, s] of t.segments) if (s.camera === camera && s.start === start) return id;
  throw new Error(`no segment of ${camera} at ${new Date(start).toISOString()}`);
}

describe('intervals', () => {
  it('merges overlapping and touching ranges and finds overlaps by binary search', () => {
    const merged = mergeIntervals([{ lo: 50, hi: 60 }, { lo: 10, hi: 20 }, { lo: 20, hi: 30 }, { lo: 25, hi: 28 }, { lo: 70, hi: 70 }]);
    expect(merged).toEqual([{ lo: 10, hi: 30 }, { lo: 50, hi: 60 }]);
    expect(overlapsAny(merged, 0, 10)).toBe(false); // touching the start is not overlapping
    expect(overlapsAny(merged, 0, 11)).toBe(true);
    expect(overlapsAny(merged, 30, 50)).toBe(false);
    expect(overlapsAny(merged, 29, 31)).toBe(true);
    expect(overlapsAny(merged, 55, 56)).toBe(true);
    expect(overlapsAny(merged, 60, 1000)).toBe(false);
    expect(overlapsAny([], 0, 1000)).toBe(false);
  });
});

describe('disk pressure', () => {
  it('takes the disk like df (used / (used + available)) and frees down to the low watermark', () => {
    const fs = { sizeBytes: 1000, usedBytes: 900, availBytes: 50 }; // 50 reserved for root
    const p = diskPressure({ fs, indexBytes: null }, { maxDiskPercent: 90 });
    expect(p.budgetBytes).toBe(855); // 90% of 950
    expect(p).toMatchObject({ overBudget: true, measure: 'disk', usedBytes: 900, mustFreeBytes: 45, belowLowWatermark: false });
    expect(p.targetFreeBytes).toBe(Math.ceil(900 - 855 * LOW_WATERMARK));
    const within = diskPressure({ fs: { sizeBytes: 1000, usedBytes: 500, availBytes: 500 }, indexBytes: null }, { maxDiskPercent: 90 });
    expect(within).toMatchObject({ overBudget: false, mustFreeBytes: 0, targetFreeBytes: 0, belowLowWatermark: true });
  });

  it('with maxBytes too, the budget furthest over binds', () => {
    const p = diskPressure({ fs: { sizeBytes: 1000, usedBytes: 100, availBytes: 900 }, indexBytes: 600 }, { maxDiskPercent: 90, maxBytes: 500 });
    expect(p).toMatchObject({ overBudget: true, measure: 'index', usedBytes: 600, budgetBytes: 500, mustFreeBytes: 100 });
    expect(() => diskPressure({ fs: null, indexBytes: null }, { maxDiskPercent: 90 })).toThrow(/statfs failed and retention.maxBytes is not set/);
  });

  it('on a small disk minFreeBytes binds where the percentage would still allow more', () => {
    // 1000 bytes, 85% used: within 90%, but only 150 free where 200 must stay free.
    const fs = { sizeBytes: 1000, usedBytes: 850, availBytes: 150 };
    const p = diskPressure({ fs, indexBytes: null }, { maxDiskPercent: 90, minFreeBytes: 200 });
    expect(p).toMatchObject({ overBudget: true, measure: 'free', usedBytes: 850, budgetBytes: 800, mustFreeBytes: 50, belowLowWatermark: false });
    const roomy = diskPressure({ fs: { sizeBytes: 1000, usedBytes: 500, availBytes: 500 }, indexBytes: null }, { maxDiskPercent: 90, minFreeBytes: 200 });
    expect(roomy).toMatchObject({ overBudget: false, belowLowWatermark: true });
  });
});

describe('planRetention on a fabricated timeline', () => {
  it('deletes exactly the expired footage, with the reason, and nothing held or kept', () => {
    const t = timeline();
    const plan = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure });
    const ref = reference(t, NOW);
    expect(plan.complete).toBe(true);
    expect(plan.storageFull).toBe(false);
    expect(new Map(plan.deletions.map((d) => [d.id, d.reason]))).toEqual(ref.expired);
    // Oldest first.
    const starts = plan.deletions.map((d) => d.startMs);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);

    // By hand: 86 days × 24 h − 1 (the segment ending exactly at the horizon stays) per camera,
    expect(plan.horizonMs).toBe(at(86));
    const expiredPerCamera = 86 * 24 - 1;
    // less the hold over day 30 on both cameras (24 each) and over day 60 on atm1 (24), and the
    // kept events' hours (two on atm1 day 20, one on rack1 day 70). The released hold (rack1,
    // days 40–41) and the expired one (atm1, day 65) protect nothing.
    expect(plan.deletions.filter((d) => d.camera === 'atm1')).toHaveLength(expiredPerCamera - 24 - 24 - 2);
    expect(plan.deletions.filter((d) => d.camera === 'rack1')).toHaveLength(expiredPerCamera - 24 - 1);
    const planned = new Set(idsOf(plan));
    for (let h = 0; h < 24; h++) {
      expect(planned.has(segmentAt(t, 'atm1', at(30, h)))).toBe(false);
      expect(planned.has(segmentAt(t, 'rack1', at(30, h)))).toBe(false);
      expect(planned.has(segmentAt(t, 'atm1', at(60, h)))).toBe(false);
      expect(planned.has(segmentAt(t, 'rack1', at(40, h)))).toBe(true);
      expect(planned.has(segmentAt(t, 'atm1', at(65, h)))).toBe(true);
    }
    expect(planned.has(segmentAt(t, 'atm1', at(20, 9)))).toBe(false);
    expect(planned.has(segmentAt(t, 'atm1', at(20, 10)))).toBe(false);
    expect(planned.has(segmentAt(t, 'atm1', at(20, 11)))).toBe(true);
    expect(planned.has(segmentAt(t, 'rack1', at(70, 13)))).toBe(false);
    expect(plan.totals.event_expired.segments).toBe(2); // atm1 day 5 hour 3, rack1 day 50 hour 12
    const reasonOf = (camera: string, start: number) => plan.deletions.find((d) => d.id === segmentAt(t, camera, start))?.reason;
    expect(reasonOf('rack1', at(50, 12))).toBe('event_expired');
    expect(reasonOf('atm1', at(5, 3))).toBe('event_expired');
    expect(reasonOf('rack1', at(70, 14))).toBe('continuous_expired'); // the window ends exactly at 14:00
    expect(plan.bytes).toBe(plan.deletions.length * BYTES);
    expect(plan.totals.continuous_expired.bytes + plan.totals.event_expired.bytes).toBe(plan.bytes);
    expect(plan.protection).toMatchObject({ cameras: 2, activeHolds: 3 });
  });

  it('moves with the clock: a day later the next day expires, and the kept event is still kept', () => {
    const t = timeline();
    const later = NOW + DAY_MS;
    const plan = planRetention(t.store.retention, { now: later, policy, pressure: noPressure });
    expect(new Map(plan.deletions.map((d) => [d.id, d.reason]))).toEqual(reference(t, later).expired);
    expect(plan.deletions.filter((d) => d.camera === 'rack1')).toHaveLength(87 * 24 - 1 - 24 - 1);
  });

  it('under disk pressure takes the oldest unprotected continuous segments next, across cameras', () => {
    const t = timeline();
    const ref = reference(t, NOW);
    const expiredBytes = ref.expired.size * BYTES;
    // 10 segments beyond the expired ones, counting the low watermark's margin.
    const used = t.store.retention.indexBytes();
    const budget = Math.floor((used - expiredBytes - 10 * BYTES) / LOW_WATERMARK) + 1;
    const pressure = diskPressure({ fs: null, indexBytes: used }, { maxDiskPercent: 90, maxBytes: budget });
    const plan = planRetention(t.store.retention, { now: NOW, policy, pressure });
    expect(plan.totals.disk_pressure_continuous.segments).toBe(10);
    expect(idsOf(plan, 'disk_pressure_continuous')).toEqual(ref.unprotectedYoung.slice(0, 10));
    // The oldest young segment of each camera starts at the horizon hour: both cameras take turns.
    expect(new Set(plan.deletions.filter((d) => d.reason === 'disk_pressure_continuous').map((d) => d.camera))).toEqual(new Set(CAMERAS));
    expect(plan.bytes).toBeGreaterThanOrEqual(pressure.targetFreeBytes);
    expect(plan.storageFull).toBe(false);
  });

  it('gives up event footage only after every unprotected segment, and never held footage: storage full', () => {
    const t = timeline();
    const ref = reference(t, NOW);
    const plan = planRetention(t.store.retention, { now: NOW, policy, pressure: overBy(t.store, t.store.retention.indexBytes()) });
    // Every unprotected segment, then every kept event segment, then nothing: the rest is held.
    expect(new Set(idsOf(plan, 'disk_pressure_continuous'))).toEqual(new Set(ref.unprotectedYoung));
    expect(idsOf(plan, 'disk_pressure_event')).toEqual(ref.eventYoungOrOld);
    const heldIds = [...t.segments.keys()].filter((id) => !plan.deletions.some((d) => d.id === id));
    expect(heldIds).toHaveLength(24 * 2 + 24 + 6); // day 30 on both, day 60 on atm1, 6 h of day 96 on rack1
    expect(plan.storageFull).toBe(true);
    expect(plan.complete).toBe(true);
    expect(plan.shortfallBytes).toBe(t.store.retention.indexBytes() - plan.bytes);
    // The segment being written is never offered.
    expect(plan.deletions.some((d) => d.path.endsWith('atm1-open.ts'))).toBe(false);
  });

  it('a released hold makes its footage eligible again', () => {
    const t = timeline();
    const before = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure });
    const dayThirty = segmentAt(t, 'atm1', at(30, 5));
    expect(idsOf(before)).not.toContain(dayThirty);
    const db = new Sqlite(t.store.file);
    db.prepare("UPDATE holds SET released_at = ?, released_by = 'test' WHERE id = 'h-all'").run(NOW - 1);
    db.close();
    const after = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure });
    expect(idsOf(after)).toContain(dayThirty);
    expect(after.deletions.length).toBe(before.deletions.length + 48);
  });

  it('works off a backlog in batches, oldest first, and says so', () => {
    const t = timeline();
    const full = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure });
    const batch = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure, maxDeletions: 100 });
    expect(batch.complete).toBe(false);
    expect(batch.storageFull).toBe(false);
    expect(idsOf(batch)).toEqual(idsOf(full).slice(0, 100));
    expect(() => planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure, maxDeletions: 0 })).toThrow(/maxDeletions/);
  });

  it('an event left open for months keeps its footage, and an empty index plans nothing', () => {
    const t = timeline();
    addEvent(t.store, { camera: 'atm1', behaviour: 'phone_at_atm', startedAt: at(2, 0), endedAt: null, clipStart: null, clipEnd: null });
    const plan = planRetention(t.store.retention, { now: NOW, policy, pressure: noPressure });
    expect(plan.deletions.some((d) => d.camera === 'atm1' && d.startMs >= at(1, 23))).toBe(false);
    expect(plan.deletions.filter((d) => d.camera === 'atm1')).toHaveLength(2 * 24 - 1);

    const empty = openTemp({ now: () => NOW });
    const nothing = planRetention(empty.retention, { now: NOW, policy, pressure: overBy(empty, 10) });
    expect(nothing).toMatchObject({ deletions: [], complete: true, storageFull: true, shortfallBytes: 10 });
  });
});
