/**
 * The retention planner: which segments to delete now, and why. It reads the index, events and
 * holds and changes nothing (the cleaner acts on the plan), so it is tested as a plain function on
 * a fabricated timeline with a clock the test sets.
 *
 * Rules, per camera, a segment [start, end) being protected by a range [lo, hi) when they overlap:
 * - held: a hold in force covers it (its cameras, or all cameras). Never deleted, by anything.
 * - event footage: an event's window [min(start, zone entry) − pre, max(end, clip end) + post]
 *   covers it and the event ended less than its behaviour's `days` ago, or is still open.
 * - expired: it ended more than `continuous.days` ago and is neither held nor event footage:
 *   `continuous_expired`, or `event_expired` when only expired event windows covered it.
 * - disk pressure (usage above the budget): after the expired ones, the oldest unprotected
 *   continuous segments (`disk_pressure_continuous`), then, only when none is left, the oldest
 *   event footage (`disk_pressure_event`), until usage is down to the low watermark.
 * - storage full: even deleting everything but held footage would leave usage above the budget.
 *
 * Scale: SQLite merges the protected ranges of each camera (holds, kept event windows) into the
 * gaps between them and returns only the segments lying wholly inside a gap, oldest first, a page
 * at a time, merged across cameras here (see store/retention-repository.ts). The work grows with
 * the events kept and the segments actually planned, not with the size of the index; protected
 * footage is never read. Only the events around expired segments reach JavaScript, to label them.
 */
import type { GapKind, GapPosition, GapSegment, RetentionEvent, RetentionRepository, RetentionSegment } from '../store/store.js';
import { mergeIntervals, overlapsAny, type Interval } from './intervals.js';
import { DAY_MS, type DiskPressure, type RetentionPolicy } from './retention-policy.js';

export const RETENTION_REASONS = ['continuous_expired', 'event_expired', 'disk_pressure_continuous', 'disk_pressure_event'] as const;
export type RetentionReason = (typeof RETENTION_REASONS)[number];

export interface PlannedDeletion extends RetentionSegment {
  readonly reason: RetentionReason;
}

export interface PlanInput {
  /** Epoch ms: the planner's only clock. */
  readonly now: number;
  readonly policy: RetentionPolicy;
  readonly pressure: DiskPressure;
  /**
   * At most this many deletions per plan (default 10,000): a backlog (a lowered `days`, a disk
   * filled while the agent was off) is worked off in batches the cleaner can delete promptly.
   */
  readonly maxDeletions?: number;
}

export type ReasonTotals = Record<RetentionReason, { segments: number; bytes: number }>;

export interface RetentionPlan {
  readonly now: number;
  /** Segments ending before this are past `continuous.days`. */
  readonly horizonMs: number;
  /** In deletion order: expired ones, then disk pressure ones, oldest first within each. */
  readonly deletions: PlannedDeletion[];
  readonly totals: ReasonTotals;
  readonly bytes: number;
  /** false: stopped at maxDeletions; plan again after deleting these. */
  readonly complete: boolean;
  /** Over budget with nothing left to delete but held footage. */
  readonly storageFull: boolean;
  /** Bytes still above the budget after this plan's deletions (0 when it brings usage within). */
  readonly shortfallBytes: number;
  readonly pressure: DiskPressure;
  /** Cameras in the index, holds in force, and the gaps between protected ranges (all cameras). */
  readonly protection: { readonly cameras: number; readonly activeHolds: number; readonly gaps: number };
}

export type RetentionIndex = Pick<
  RetentionRepository, 'cameras' | 'earliestStart' | 'endedEventsBetween' | 'activeHolds' | 'buildGaps' | 'clearGaps' | 'gapSegments' | 'snapshot'
>;

export const DEFAULT_MAX_DELETIONS = 10_000;
const FIRST_PAGE = 16;
const MAX_PAGE = 1024;

/**
 * Events are looked up by start time, so a bound on how long one lasts is needed: the pipeline
 * ends an event when the person leaves (dwell is capped at an hour), open ones are always read,
 * and a week leaves a wide margin.
 */
const LONGEST_EVENT_MS = 7 * DAY_MS;
/** How long before an event's start its zone entry (clip start) can be: dwell is capped at an hour. */
const LONGEST_LEAD_MS = DAY_MS;

export function emptyTotals(): ReasonTotals {
  return Object.fromEntries(RETENTION_REASONS.map((r) => [r, { segments: 0, bytes: 0 }])) as ReasonTotals;
}

/** The footage window of an event and until when it keeps it (Infinity while open). */
export function eventWindow(e: RetentionEvent, policy: RetentionPolicy, now: number): { lo: number; hi: number; keepUntil: number } {
  const end = e.endedAt ?? now;
  return {
    // The zone entry (clip start) comes before the event fires: a lingering customer's first minute
    // is part of what happened.
    lo: Math.min(e.startedAt, e.clipStart ?? e.startedAt) - policy.preMs,
    hi: Math.max(end, e.clipEnd ?? end) + policy.postMs,
    keepUntil: e.endedAt === null ? Infinity : e.endedAt + policy.eventMs[e.behaviour],
  };
}

export function planRetention(index: RetentionIndex, input: PlanInput): RetentionPlan {
  return index.snapshot(() => {
    try {
      return plan(index, input);
    } finally {
      index.clearGaps();
    }
  });
}

function plan(index: RetentionIndex, input: PlanInput): RetentionPlan {
  const { now, policy, pressure } = input;
  const maxDeletions = input.maxDeletions ?? DEFAULT_MAX_DELETIONS;
  if (!Number.isSafeInteger(maxDeletions) || maxDeletions < 1) throw new RangeError(`retention plan: maxDeletions must be a positive integer, got ${maxDeletions}`);
  const horizonMs = now - policy.continuousMs;
  const cameras = index.cameras();
  const holds = index.activeHolds(now).length;
  let earliest = Infinity;
  for (const c of cameras) earliest = Math.min(earliest, index.earliestStart(c) ?? Infinity);
  const longestKeep = Math.max(...Object.values(policy.eventMs));
  const rules = {
    now, preMs: policy.preMs, postMs: policy.postMs, eventMs: policy.eventMs, cameras,
    // Kept event footage ended after now − longest keep; footage in the index began at `earliest`.
    eventsFrom: Math.max(0, Math.max(now - longestKeep, Number.isFinite(earliest) ? earliest - policy.postMs : now) - LONGEST_EVENT_MS),
  };

  const deletions: PlannedDeletion[] = [];
  let planned = 0;
  const need = pressure.targetFreeBytes;
  let complete = true;

  // Phase 1: everything outside held and kept event ranges, oldest first. Expired ones all go;
  // younger ones only while disk pressure needs them.
  const { gaps } = index.buildGaps('unprotected', rules);
  const expired: RetentionSegment[] = [];
  const candidates: RetentionSegment[] = [];
  let candidateBytes = 0;
  let exhausted = true;
  const phase1 = new MergedCursor(index, 'unprotected', cameras);
  for (let s = phase1.next(); s !== null; s = phase1.next()) {
    if (s.endMs < horizonMs) {
      if (expired.length >= maxDeletions) {
        complete = false;
        exhausted = false;
        break;
      }
      expired.push(s);
      planned += s.bytes;
      continue;
    }
    const enough = planned + candidateBytes >= need;
    // Rows come in start order: once one starts after the horizon, no expired one can follow.
    if (enough && s.startMs >= horizonMs) {
      exhausted = false;
      break;
    }
    if (!enough) {
      if (expired.length + candidates.length >= maxDeletions) {
        complete = false;
        exhausted = false;
        break;
      }
      candidates.push(s);
      candidateBytes += s.bytes;
    }
  }
  deletions.push(...labelExpired(index, expired, policy));
  // Candidates were taken before every expired segment was known: keep only as many as needed.
  for (const s of candidates) {
    if (planned >= need) break;
    deletions.push(deletion(s, 'disk_pressure_continuous'));
    planned += s.bytes;
  }

  // Phase 2, only when every unprotected segment is planned and the disk still needs room: event
  // footage that is not held, oldest first. Storage is full when even that is not enough.
  let heldOnly = false;
  if (exhausted && complete && planned < need) {
    index.buildGaps('unheld', rules);
    heldOnly = true;
    // Outside held ranges but not wholly inside an unprotected gap: kept event footage.
    const phase2 = new MergedCursor(index, 'unheld', cameras, 'unprotected');
    for (let s = phase2.next(); s !== null; s = phase2.next()) {
      if (planned >= need) {
        heldOnly = false;
        break;
      }
      if (deletions.length >= maxDeletions) {
        complete = false;
        heldOnly = false;
        break;
      }
      deletions.push(deletion(s, 'disk_pressure_event'));
      planned += s.bytes;
    }
  }

  const totals = emptyTotals();
  for (const d of deletions) {
    totals[d.reason].segments += 1;
    totals[d.reason].bytes += d.bytes;
  }
  const shortfallBytes = Math.max(0, pressure.mustFreeBytes - planned);
  return {
    now,
    horizonMs,
    deletions,
    totals,
    bytes: planned,
    complete,
    storageFull: heldOnly && shortfallBytes > 0,
    shortfallBytes,
    pressure,
    protection: { cameras: cameras.length, activeHolds: holds, gaps },
  };
}

function deletion(s: RetentionSegment, reason: RetentionReason): PlannedDeletion {
  return { id: s.id, camera: s.camera, path: s.path, startMs: s.startMs, endMs: s.endMs, bytes: s.bytes, reason };
}

/**
 * Expired segments lie outside every kept event window, so any event window over one is an
 * expired one: `event_expired`, else `continuous_expired`. Only the events around the planned
 * segments are read (by start time, with the longest-event margin).
 */
function labelExpired(index: RetentionIndex, expired: readonly RetentionSegment[], policy: RetentionPolicy): PlannedDeletion[] {
  if (expired.length === 0) return [];
  let from = Infinity;
  let to = -Infinity;
  for (const s of expired) {
    from = Math.min(from, s.startMs);
    to = Math.max(to, s.endMs);
  }
  const windows = new Map<string, Interval[]>();
  const since = from - policy.postMs;
  for (const e of index.endedEventsBetween(Math.max(0, since - LONGEST_EVENT_MS), to + policy.preMs + LONGEST_LEAD_MS, since)) {
    const w = eventWindow(e, policy, e.endedAt ?? to);
    let list = windows.get(e.camera);
    if (!list) windows.set(e.camera, (list = []));
    list.push({ lo: w.lo, hi: w.hi });
  }
  const merged = new Map<string, Interval[]>();
  for (const [camera, list] of windows) merged.set(camera, mergeIntervals(list));
  return expired.map((s) => deletion(s, overlapsAny(merged.get(s.camera) ?? [], s.startMs, s.endMs) ? 'event_expired' : 'continuous_expired'));
}

/** One camera's deletable segments, read a page at a time (pages grow so a short plan reads little). */
class GapCursor {
  private page: GapSegment[] = [];
  private i = 0;
  private after: GapPosition | null = null;
  private size = FIRST_PAGE;
  private done = false;

  constructor(
    private readonly index: RetentionIndex,
    private readonly kind: GapKind,
    private readonly camera: string,
    private readonly notIn: GapKind | undefined,
  ) {}

  peek(): GapSegment | null {
    if (this.i < this.page.length) return this.page[this.i] as GapSegment;
    if (this.done) return null;
    const rows = this.index.gapSegments(this.kind, this.camera, this.after, this.size, this.notIn);
    if (rows.length < this.size) this.done = true;
    this.size = Math.min(MAX_PAGE, this.size * 2);
    const last = rows[rows.length - 1];
    if (last) this.after = { gapLo: last.gapLo, start: last.startMs, id: last.id };
    this.page = rows;
    this.i = 0;
    return this.page[0] ?? null;
  }

  take(): void {
    this.i += 1;
  }
}

/** Every camera's cursor merged: oldest (start, id) first across cameras. */
class MergedCursor {
  private readonly cursors: GapCursor[];

  constructor(index: RetentionIndex, kind: GapKind, cameras: readonly string[], notIn?: GapKind) {
    this.cursors = cameras.map((c) => new GapCursor(index, kind, c, notIn));
  }

  next(): GapSegment | null {
    let best: GapCursor | null = null;
    let bestRow: GapSegment | null = null;
    for (const c of this.cursors) {
      const row = c.peek();
      if (row && (!bestRow || row.startMs < bestRow.startMs || (row.startMs === bestRow.startMs && row.id < bestRow.id))) {
        best = c;
        bestRow = row;
      }
    }
    best?.take();
    return bestRow;
  }
}
