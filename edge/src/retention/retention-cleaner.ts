/**
 * The retention cleaner: measures the disk, plans (retention-plan.ts), deletes the planned files
 * and then their index rows, every `retention.intervalMinutes` and on demand (`runOnce()`). It
 * works from the SQLite index only; the one directory walk is the start-up sweep.
 *
 * Held footage is safe even against a hold created while a run is deleting: each batch of files
 * is deleted inside a write transaction that first re-reads the holds in force, so no hold (from
 * this process, the CLI or the API) can be committed between that check and the unlink.
 *
 * Files changed by hand are tolerated: a planned file that is already gone has its index row
 * removed; a file whose size differs from the index is logged and its real size counted; a row
 * whose path is not the recorder's layout is dropped from the index and its file left alone.
 *
 * storage_full: when a run ends over budget with nothing but held footage left to delete, or
 * with less than retention.minFreeBytes free on the data filesystem (statfs: the disk filled by
 * something else, or faster than the cleaner could delete), or with the disk reserve not whole, the
 * cleaner raises the alarm (onStorageFull, and a retained MQTT health message through the outbox)
 * and re-checks every minute; the alarm clears once usage is at or below the low watermark of every
 * budget and the reserve is whole again, e.g. after a hold is released and its footage deleted.
 *
 * Pressure is not left to the interval: nudge() (a segment closed, a write refused for space)
 * measures the disk at once and runs the cleaner when it is over a budget or the reserve is short.
 *
 * Plans are made in a worker thread on its own read-only connection (plan-thread.ts): a plan is
 * up to half a second of SQLite, every 5 s while a backlog lasts, and the event loop it would stall
 * also carries the ATM warnings. A worker that dies fails that run (logged, retried at the next);
 * only when one cannot be started at all is the plan made here, with a warning.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { RetentionConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { formatTimestamp, type OutboxRepository, type RetentionHold, type Store } from '../store/store.js';
import { restoreReserve, type DiskReserve } from '../store/disk-reserve.js';
import { classifyWriteFailure } from '../store/write-failure.js';
import {
  diskPressure, retentionPolicy, type DiskMeasure, type DiskPressure, type FsUsage, type RetentionPolicy,
} from './retention-policy.js';
import { PlanWorkerStartError, RetentionPlanThread } from './plan-thread.js';
import { emptyTotals, planRetention, type PlanInput, type PlannedDeletion, type ReasonTotals, type RetentionPlan } from './retention-plan.js';
import { segmentFile } from './segment-files.js';
import { sweepRecordings, type SweepResult } from './segment-sweep.js';

export interface StorageFullState {
  readonly active: boolean;
  /** When the alarm was raised (epoch ms); null while clear. */
  readonly since: number | null;
  readonly usedBytes: number;
  readonly budgetBytes: number;
  /** Which budget: the filesystem (maxDiskPercent), its free space (minFreeBytes) or the index (maxBytes). */
  readonly measure: DiskMeasure;
  /** Free on the data filesystem at the last measure (statfs, as `df` counts it); null when statfs failed. */
  readonly freeBytes: number | null;
}

export interface RetentionRunReport {
  readonly at: number;
  readonly ms: number;
  /** Files deleted (and their rows removed). */
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly reasons: ReasonTotals;
  /** Planned files already gone: their rows were removed. */
  readonly missing: number;
  /** Planned files whose size differed from the index. */
  readonly mismatched: number;
  /** Rows dropped without touching a file (not the recorder's layout, not a regular file). */
  readonly refused: number;
  /** Planned segments a hold created during the run protected: kept. */
  readonly heldMeanwhile: number;
  /** Files that could not be deleted (permissions, I/O): rows kept, tried again next run. */
  readonly failed: number;
  readonly plans: number;
  /** false: the backlog was not worked off within the run's limits; another run follows soon. */
  readonly complete: boolean;
  readonly storageFull: boolean;
  readonly usedBytes: number;
  readonly budgetBytes: number;
}

export interface RetentionCleanerOptions {
  readonly config: RetentionConfig;
  readonly log: Logger;
  /** Epoch-ms clock for plans, hold checks and alarm times (default Date.now). */
  readonly now?: () => number;
  /** Publish storage_full to `mimamori/<site>/health/storage_full` (one retained topic per alarm) through the outbox; unset (CLI): no alarm messages. */
  readonly site?: string;
  /** Where alarm messages are queued: the agent's outbox publisher, so they leave at once (default the store's outbox). */
  readonly outbox?: { enqueue(message: Parameters<OutboxRepository['enqueue']>[0]): unknown };
  /** Told when storage_full is raised or cleared (the agent stops and resumes recording). */
  readonly onStorageFull?: (state: StorageFullState) => void | Promise<void>;
  readonly ffprobePath?: string;
  /** The disk reserve: restored after a run when there is room; while it is not whole storage is full. */
  readonly reserve?: DiskReserve | null;
  /** Deletions per plan (default 10,000). */
  readonly maxDeletionsPerPlan?: number;
  /** A run stops planning new batches after this long (default 60 s); the rest follows soon. */
  readonly runBudgetMs?: number;
  /** Plan in a worker thread on its own read-only connection (default true); false: on the event loop. */
  readonly planInWorker?: boolean;
}

/** What deleting a plan did; see RetentionRunReport. */
export interface DeletionTotals {
  deleted: number;
  bytesFreed: number;
  missing: number;
  mismatched: number;
  refused: number;
  heldMeanwhile: number;
  failed: number;
}

const emptyDeletionTotals = (): DeletionTotals => ({ deleted: 0, bytesFreed: 0, missing: 0, mismatched: 0, refused: 0, heldMeanwhile: 0, failed: 0 });

/**
 * Per-file log lines of one kind in one run before only the counts (in the run's line) tell the
 * rest: a day folder deleted by hand must not become thousands of identical lines.
 */
const DETAIL_LINES = 20;

/** Files deleted per write transaction: short enough not to hold up the recorders' index writes. */
const DELETE_BATCH = 100;
const FULL_RECHECK_MS = 60_000;
const BACKLOG_RECHECK_MS = 5_000;
const MINUTE_MS = 60_000;

export class RetentionCleaner {
  readonly #store: Store;
  readonly #config: RetentionConfig;
  readonly #policy: RetentionPolicy;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #options: RetentionCleanerOptions;
  /** Started at the first plan, closed by close(); null when planning on the event loop. */
  readonly #planner: RetentionPlanThread | null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RetentionRunReport> | null = null;
  #closed = false;
  #started = false;
  #published = false;
  #state: StorageFullState = { active: false, since: null, usedBytes: 0, budgetBytes: 0, measure: 'disk', freeBytes: null };
  /** Free bytes at the last statfs. */
  #freeBytes: number | null = null;
  #checking = false;
  #lastRunEnd = Number.NEGATIVE_INFINITY;
  /** When the scheduled run is due (performance.now() time), so a nudge only ever brings it forward. */
  #dueAt = Number.POSITIVE_INFINITY;
  #lastRun: RetentionRunReport | null = null;
  #detail = new Map<string, number>();

  constructor(store: Store, options: RetentionCleanerOptions) {
    this.#store = store;
    this.#config = options.config;
    this.#policy = retentionPolicy(options.config);
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#options = options;
    this.#planner = options.planInWorker === false ? null : new RetentionPlanThread({ file: store.file });
  }

  /** The one-time start-up sweep; run it before the recorders start. */
  sweep(): Promise<SweepResult> {
    return sweepRecordings(this.#store, { log: this.#log, ffprobePath: this.#options.ffprobePath });
  }

  /** Runs once now (in the background), then every interval until close(). */
  start(): void {
    if (this.#closed) throw new Error('retention cleaner: start() after close()');
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  get storageFull(): StorageFullState {
    return this.#state;
  }

  status(): { storageFull: StorageFullState; lastRun: RetentionRunReport | null; running: boolean } {
    return { storageFull: this.#state, lastRun: this.#lastRun, running: this.#running !== null };
  }

  /** The disk as it is now, against the configured budget. */
  async pressure(): Promise<DiskPressure> {
    let fs: FsUsage | null = null;
    try {
      const s = await statfs(this.#store.dataDir);
      fs = { sizeBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize, availBytes: s.bavail * s.bsize };
      this.#freeBytes = fs.availBytes;
    } catch (err) {
      this.#freeBytes = null;
      // With maxBytes set the index alone still gives a budget; diskPressure() says when nothing does.
      this.#log.warn('statfs failed', { dataDir: this.#store.dataDir, err });
    }
    const indexBytes = this.#config.maxBytes === undefined ? null : await this.#offLoop((p) => p.indexBytes(), () => this.#store.retention.indexBytes());
    if (!fs && indexBytes === null) {
      // Usage unknown: expiry still runs; nothing is deleted for room, and an alarm does not clear.
      return { overBudget: false, mustFreeBytes: 0, targetFreeBytes: 0, belowLowWatermark: false, measure: 'disk', usedBytes: 0, budgetBytes: 0 };
    }
    // The reserve given back is room to win back too, so it can be restored and still leave minFreeBytes.
    const minFreeBytes = this.#config.minFreeBytes + (this.#options.reserve?.missingBytes ?? 0);
    return diskPressure({ fs, indexBytes }, { maxDiskPercent: this.#config.maxDiskPercent, maxBytes: this.#config.maxBytes, minFreeBytes });
  }

  /**
   * A segment closed or a write was refused for space: measures the disk now and, when it is over
   * a budget or the reserve is short, runs at once rather than at the next interval. Runs nudged
   * this way are at least BACKLOG_RECHECK_MS apart (FULL_RECHECK_MS once storage_full is raised),
   * so a stream of refused writes is not a stream of runs and run log lines. Never throws.
   */
  nudge(): void {
    if (this.#closed || !this.#started || this.#running !== null || this.#checking) return;
    this.#checking = true;
    this.pressure()
      .then((p) => {
        if (this.#closed || this.#running !== null) return;
        const reserveShort = this.#options.reserve ? !this.#options.reserve.complete : false;
        if (!p.overBudget && !reserveShort) return;
        const gapMs = this.#state.active ? FULL_RECHECK_MS : BACKLOG_RECHECK_MS;
        const delayMs = Math.max(0, this.#lastRunEnd + gapMs - performance.now());
        if (performance.now() + delayMs < this.#dueAt) this.#schedule(delayMs);
      })
      .catch((err: unknown) => {
        // A check cut short by close() (the plan worker is gone) is not a disk problem.
        if (!this.#closed) this.#log.warn('disk check failed', { dataDir: this.#store.dataDir, err });
      })
      .finally(() => {
        this.#checking = false;
      });
  }

  /** What a run would delete now, and why; deletes nothing. */
  async plan(): Promise<RetentionPlan> {
    const pressure = await this.pressure();
    const input: PlanInput = { now: this.#now(), policy: this.#policy, pressure, maxDeletions: this.#options.maxDeletionsPerPlan };
    return this.#offLoop((p) => p.plan(input), () => planRetention(this.#store.retention, input));
  }

  /** Index reads in the plan worker; on the event loop only when there is none or it cannot start. */
  async #offLoop<T>(inWorker: (planner: RetentionPlanThread) => Promise<T>, here: () => T): Promise<T> {
    if (this.#planner) {
      try {
        return await inWorker(this.#planner);
      } catch (err) {
        // A worker that died with the work in hand is an error of this run (the next starts a new
        // one); only one that could not start at all is worked around, so the run still happens.
        if (!(err instanceof PlanWorkerStartError)) throw err;
        this.#log.warn('retention plan worker could not start: reading the index on the event loop this time', { err });
      }
    }
    return here();
  }

  /** Plans and deletes until the plan is worked off (or the run's time budget is spent). Concurrent calls share one run. */
  runOnce(): Promise<RetentionRunReport> {
    if (this.#closed) return Promise.reject(new Error('retention cleaner: runOnce() after close()'));
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Stops the timer, waits for a run in progress (it stops after its current batch), then ends the plan worker. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
    await this.#planner?.close();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#dueAt = performance.now() + delayMs;
    this.#timer = setTimeout(() => {
      this.#dueAt = Number.POSITIVE_INFINITY;
      this.runOnce().then(
        (report) => this.#schedule(this.#nextDelay(report)),
        (err: unknown) => {
          // A busy or failing disk must not take the agent down over housekeeping: retry later,
          // soon when it was the disk or the lock (files already unlinked are found missing then).
          this.#log.error('retention run failed', { err });
          this.#schedule(classifyWriteFailure(err) === null ? this.#config.intervalMinutes * MINUTE_MS : BACKLOG_RECHECK_MS);
        },
      );
    }, delayMs);
    // Housekeeping must never keep the process alive on its own.
    this.#timer.unref();
  }

  #nextDelay(report: RetentionRunReport): number {
    const interval = this.#config.intervalMinutes * MINUTE_MS;
    // A backlog is worked off soon after; a run that made no progress (files that cannot be
    // deleted) waits for the interval like any other.
    if (!report.complete && report.deleted + report.missing + report.refused > 0) return BACKLOG_RECHECK_MS;
    if (this.#state.active) return Math.min(interval, FULL_RECHECK_MS);
    return interval;
  }

  async #run(): Promise<RetentionRunReport> {
    const t0 = performance.now();
    const budgetMs = this.#options.runBudgetMs ?? 60_000;
    const reasons = emptyTotals();
    const totals = emptyDeletionTotals();
    let plans = 0;
    let last: RetentionPlan;
    this.#detail.clear();
    for (;;) {
      last = await this.plan();
      plans += 1;
      const before = totals.deleted + totals.missing + totals.refused + totals.heldMeanwhile;
      await this.#execute(last, reasons, totals);
      // Nothing could be done with this batch (every unlink failed): planning it again would not help.
      if (totals.deleted + totals.missing + totals.refused + totals.heldMeanwhile === before && last.deletions.length > 0) break;
      // Only a batch-limited plan is followed at once. Disk pressure is re-measured by the next
      // run, not in a loop here: a filesystem that frees space late (a file still open elsewhere)
      // would otherwise make each re-measure look over budget and delete far more than needed.
      if (last.complete || this.#closed || performance.now() - t0 > budgetMs) break;
    }
    // Once the disk has room for the reserve and minFreeBytes besides, it is written back.
    if (this.#options.reserve) restoreReserve(this.#options.reserve, this.#config.minFreeBytes, this.#log);
    const after = await this.pressure();
    const shortOfSpace = this.#shortOfSpace();
    const storageFull = (last.storageFull && after.overBudget) || shortOfSpace;
    await this.#updateAlarm(storageFull, after, shortOfSpace);
    this.#lastRunEnd = performance.now();
    const report: RetentionRunReport = {
      at: this.#now(),
      ms: Math.round(performance.now() - t0),
      ...totals,
      reasons,
      plans,
      complete: last.complete,
      storageFull: this.#state.active,
      usedBytes: after.usedBytes,
      budgetBytes: after.budgetBytes,
    };
    this.#lastRun = report;
    const byReason = Object.fromEntries(Object.entries(reasons).filter(([, t]) => t.segments > 0).map(([r, t]) => [r, t.segments]));
    this.#log.info('retention run', {
      deleted: report.deleted, bytesFreed: report.bytesFreed, reasons: byReason, missing: report.missing, mismatched: report.mismatched,
      refused: report.refused, heldMeanwhile: report.heldMeanwhile, failed: report.failed, plans, complete: report.complete, storageFull: report.storageFull,
      usedBytes: report.usedBytes, budgetBytes: report.budgetBytes, measure: after.measure, freeBytes: this.#freeBytes, ms: report.ms,
    });
    return report;
  }

  /** Less than minFreeBytes free, or the reserve not whole: the disk cannot take new footage. */
  #shortOfSpace(): boolean {
    const reserve = this.#options.reserve;
    if (reserve && !reserve.complete) return true;
    return this.#freeBytes !== null && this.#freeBytes < this.#config.minFreeBytes;
  }

  /**
   * Deletes what a plan says (holds re-checked as it goes) without re-planning or touching the
   * alarm: for a plan made earlier, e.g. one shown to an operator first.
   */
  async deletePlanned(plan: RetentionPlan): Promise<DeletionTotals & { reasons: ReasonTotals }> {
    const reasons = emptyTotals();
    const totals = emptyDeletionTotals();
    this.#detail.clear();
    await this.#execute(plan, reasons, totals);
    return { ...totals, reasons };
  }

  async #execute(plan: RetentionPlan, reasons: ReasonTotals, totals: DeletionTotals): Promise<void> {
    for (let i = 0; i < plan.deletions.length && !this.#closed; i += DELETE_BATCH) {
      this.#deleteBatch(plan.deletions.slice(i, i + DELETE_BATCH), reasons, totals);
      // Let the cameras' work run between batches.
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Deletes one batch: holds re-checked, files unlinked, then their rows removed, in one write transaction. */
  #deleteBatch(batch: readonly PlannedDeletion[], reasons: ReasonTotals, totals: DeletionTotals): void {
    const { retention, dataDir } = this.#store;
    retention.exclusive(() => {
      const holds = retention.activeHolds(this.#now());
      const rows = new Map(retention.segmentsById(batch.map((d) => d.id)).map((s) => [s.id, s]));
      const remove: number[] = [];
      for (const planned of batch) {
        const row = rows.get(planned.id);
        // Removed or replaced since the plan (another run, the CLI): nothing to do.
        if (!row || row.path !== planned.path) continue;
        if (isHeld(holds, row.camera, row.startMs, row.endMs)) {
          totals.heldMeanwhile += 1;
          this.#say('warn', 'segment held since the plan: kept', { camera: row.camera, path: row.path });
          continue;
        }
        const file = segmentFile(dataDir, row.camera, row.path);
        if (!file.ok) {
          totals.refused += 1;
          remove.push(row.id);
          this.#say('error', 'index row is not a recorder segment: row removed, no file touched', { camera: row.camera, path: row.path, reason: file.reason });
          continue;
        }
        let size: number;
        try {
          const st = lstatSync(file.path);
          if (!st.isFile() && !st.isSymbolicLink()) {
            totals.refused += 1;
            remove.push(row.id);
            this.#say('error', 'segment path is not a file: row removed, left in place', { camera: row.camera, path: row.path });
            continue;
          }
          size = st.isFile() ? st.size : 0;
          unlinkSync(file.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            totals.missing += 1;
            remove.push(row.id);
            this.#say('warn', 'segment file missing: index row removed', { camera: row.camera, path: row.path });
          } else {
            // Permissions, I/O: keep the row so the file is tried again and stays accounted for.
            totals.failed += 1;
            this.#say('error', 'segment file could not be deleted', { camera: row.camera, path: row.path, err });
          }
          continue;
        }
        if (size !== row.bytes) {
          totals.mismatched += 1;
          this.#say('warn', 'segment size differed from the index', { camera: row.camera, path: row.path, indexedBytes: row.bytes, bytes: size });
        }
        remove.push(row.id);
        totals.deleted += 1;
        totals.bytesFreed += size;
        reasons[planned.reason].segments += 1;
        reasons[planned.reason].bytes += size;
      }
      retention.remove(remove);
    });
  }

  #say(level: 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    const n = (this.#detail.get(msg) ?? 0) + 1;
    this.#detail.set(msg, n);
    if (n <= DETAIL_LINES) this.#log[level](msg, fields);
    else if (n === DETAIL_LINES + 1) this.#log[level](`${msg}: more this run, counted in the run line`, { shown: DETAIL_LINES });
  }

  async #updateAlarm(full: boolean, pressure: DiskPressure, shortOfSpace: boolean): Promise<void> {
    const was = this.#state;
    const measured = { usedBytes: pressure.usedBytes, budgetBytes: pressure.budgetBytes, measure: pressure.measure, freeBytes: this.#freeBytes };
    let next: StorageFullState;
    if (full && !was.active) {
      next = { active: true, since: this.#now(), ...measured };
      this.#log.error(shortOfSpace ? 'storage_full: the data disk is short of free space' : 'storage_full: only held footage is left and the disk is over budget', {
        ...measured, minFreeBytes: this.#config.minFreeBytes, reserveBytes: this.#options.reserve?.bytes ?? null,
      });
    } else if (was.active && pressure.belowLowWatermark && !shortOfSpace) {
      next = { active: false, since: null, ...measured };
      this.#log.info('storage_full cleared: room again', { usedBytes: pressure.usedBytes, budgetBytes: pressure.budgetBytes, freeBytes: this.#freeBytes });
    } else {
      next = { ...was, ...measured };
    }
    this.#state = next;
    const changed = next.active !== was.active;
    // The first run after start publishes the state whatever it is: the retained message on the
    // broker may still say "active" from before a restart.
    if (this.#options.site !== undefined && (changed || !this.#published)) this.#publish(next);
    if (changed) await this.#options.onStorageFull?.(next);
  }

  #publish(state: StorageFullState): void {
    const at = this.#now();
    try {
      (this.#options.outbox ?? this.#store.outbox).enqueue({
        topic: `mimamori/${this.#options.site}/health/storage_full`,
        payload: {
          alarm: 'storage_full', active: state.active, at: formatTimestamp(at),
          since: state.since === null ? null : formatTimestamp(state.since),
          usedBytes: state.usedBytes, budgetBytes: state.budgetBytes, measure: state.measure, freeBytes: state.freeBytes,
        },
        qos: 1,
        retain: true,
      });
      this.#published = true;
    } catch (err) {
      this.#log.error('storage_full alarm could not be queued', { err });
    }
  }
}

function isHeld(holds: readonly RetentionHold[], camera: string, start: number, end: number): boolean {
  return holds.some((h) => (h.cameras.length === 0 || h.cameras.includes(camera)) && start < h.toMs && end > h.fromMs);
}
