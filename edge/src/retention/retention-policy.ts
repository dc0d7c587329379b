/**
 * The retention rules as numbers: how long each tier keeps footage, how far around an event its
 * footage reaches, and how much must go to bring the disk back under its budget.
 */
import type { RetentionConfig } from '../config/schema.js';
import type { Behaviour } from '../store/store.js';

export const DAY_MS = 86_400_000;

/**
 * When the budget is exceeded the cleaner frees down to this share of it, not just below it, and
 * a storage_full alarm clears only once usage is this low: without the margin, one segment
 * recorded after a release would raise the alarm again and recording would flap.
 */
export const LOW_WATERMARK = 0.98;

export interface RetentionPolicy {
  /** Every segment is kept this long after it ends (continuous tier). */
  readonly continuousMs: number;
  /** Event footage is kept this long after the event ends, per behaviour (events tier). */
  readonly eventMs: Readonly<Record<Behaviour, number>>;
  /** Footage kept before an event's start (or its zone entry, when earlier) and after its end. */
  readonly preMs: number;
  readonly postMs: number;
}

export function retentionPolicy(config: RetentionConfig): RetentionPolicy {
  const eventDays = (b: Behaviour): number => config.events.behaviours[b]?.days ?? config.events.days;
  return {
    continuousMs: config.continuous.days * DAY_MS,
    eventMs: { phone_at_atm: eventDays('phone_at_atm') * DAY_MS, emoney_lingering: eventDays('emoney_lingering') * DAY_MS },
    preMs: config.events.preSeconds * 1000,
    postMs: config.events.postSeconds * 1000,
  };
}

/** The data directory's filesystem, as statfs reports it. */
export interface FsUsage {
  readonly sizeBytes: number;
  /** Blocks in use (size − free), as `df` counts them. */
  readonly usedBytes: number;
  /** Free to this (unprivileged) user: excludes the filesystem's reserve for root. */
  readonly availBytes: number;
}

export interface DiskBudget {
  readonly maxDiskPercent: number;
  readonly maxBytes?: number | undefined;
  /** Room that must stay free on the filesystem, whatever the percentage allows (retention.minFreeBytes, plus any disk reserve given back). */
  readonly minFreeBytes?: number | undefined;
}

export interface DiskPressure {
  /** Usage is above a budget: deletion beyond the expired tiers is needed. */
  readonly overBudget: boolean;
  /** Bytes that must go to be back within every budget (0 when within). */
  readonly mustFreeBytes: number;
  /** Bytes to free when over budget: down to LOW_WATERMARK of it (0 when within budget). */
  readonly targetFreeBytes: number;
  /** Usage is at or below LOW_WATERMARK of every budget: a storage_full alarm may clear. */
  readonly belowLowWatermark: boolean;
  /** The budget that binds (the one furthest over, or the fullest one): what alarms report. */
  readonly measure: DiskMeasure;
  readonly usedBytes: number;
  readonly budgetBytes: number;
}

/** disk: maxDiskPercent of the filesystem; free: the filesystem less minFreeBytes; index: maxBytes of segments. */
export type DiskMeasure = 'disk' | 'index' | 'free';

interface Measured {
  measure: DiskMeasure;
  used: number;
  budget: number;
}

/**
 * The disk percentage is taken as `df` does: used / (used + available), so the root reserve of
 * ext4 does not count as room. `indexBytes` is the sum of segment sizes in the index.
 */
export function diskPressure(usage: { fs: FsUsage | null; indexBytes: number | null }, budget: DiskBudget): DiskPressure {
  const measured: Measured[] = [];
  if (usage.fs) {
    const capacity = usage.fs.usedBytes + usage.fs.availBytes;
    measured.push({ measure: 'disk', used: usage.fs.usedBytes, budget: Math.floor((capacity * budget.maxDiskPercent) / 100) });
    // A real lack of free space binds even when the percentage would allow it (a small disk).
    if (budget.minFreeBytes !== undefined && budget.minFreeBytes > 0) {
      measured.push({ measure: 'free', used: usage.fs.usedBytes, budget: Math.max(0, capacity - budget.minFreeBytes) });
    }
  }
  if (budget.maxBytes !== undefined && usage.indexBytes !== null) {
    measured.push({ measure: 'index', used: usage.indexBytes, budget: budget.maxBytes });
  }
  if (measured.length === 0) throw new Error('retention: no disk usage measured (statfs failed and retention.maxBytes is not set)');
  const over = (m: Measured): number => m.used - m.budget;
  const binding = measured.reduce((a, b) => (over(b) / Math.max(1, b.budget) > over(a) / Math.max(1, a.budget) ? b : a));
  const overBudget = measured.some((m) => m.used > m.budget);
  return {
    overBudget,
    mustFreeBytes: Math.max(0, ...measured.map(over)),
    targetFreeBytes: overBudget ? Math.max(0, ...measured.map((m) => Math.ceil(m.used - m.budget * LOW_WATERMARK))) : 0,
    belowLowWatermark: measured.every((m) => m.used <= m.budget * LOW_WATERMARK),
    measure: binding.measure,
    usedBytes: binding.used,
    budgetBytes: binding.budget,
  };
}
