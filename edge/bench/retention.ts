/**
 * `npm run bench:retention [-- --runs 30 --segments 1000000]`: how long the retention planner
 * takes over an index of a million segments, in a temporary SQLite store. A benchmark, not a test.
 *
 * Three indexes are built (`--segments` sizes the second and third):
 * - steady, 8 cameras recording 10 s segments: what a store looks like after months of running
 *   with the defaults (14 days of continuous footage, 90 days of event footage): every segment of
 *   the last 14 days, and before that only the segments around events (20 per camera per day) and
 *   under holds (one over three days on every camera, one over a week on one camera, one released).
 * - steady, 60 s segments: the same with as many cameras as reach the size (34), so four times
 *   the events: the heavy case, since planning work grows with the events kept, not the segments.
 * - backlog: 8 cameras with 87 days of 60 s segments, as after lowering `continuous.days` from
 *   90 to 14: 73 days expire at once and the plan is a first batch.
 *
 * Each scenario is planned `--runs` times after 3 warm-up runs; the figures are wall time of
 * planRetention() (reading the index, events and holds, building and querying the gaps).
 *
 * Then the event loop during planning: `--loop-runs` plans back to back (as a backlog run plans
 * batch after batch), on the event loop and in the plan worker (retention/plan-thread.ts), with
 * monitorEventLoopDelay at 1 ms resolution; an idle 2 s stretch gives the floor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { retentionSchema } from '../src/config/schema.js';
import { diskPressure, DAY_MS, LOW_WATERMARK, retentionPolicy, type DiskPressure } from '../src/retention/retention-policy.js';
import { RetentionPlanThread } from '../src/retention/plan-thread.js';
import { planRetention, type PlanInput, type RetentionPlan } from '../src/retention/retention-plan.js';
import { openStore, type Store } from '../src/store/store.js';
import { summarise } from './stats.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    segments: { type: 'string', default: '1000000' },
    'loop-runs': { type: 'string', default: '20' },
  },
});
const runs = Number(values.runs);
const loopRuns = Number(values['loop-runs']);
const target = Number(values.segments);
const BITRATE_BYTES_PER_MS = 500; // ~4 Mbit/s
const EVENTS_PER_DAY = 20;
const policy = retentionPolicy(retentionSchema.parse({}));
const NOW = Date.UTC(2026, 10, 25, 3, 0, 0);

interface Built {
  store: Store;
  segments: number;
  events: number;
  cameras: number;
  indexBytes: number;
}

/** Writes rows straight into the tables (the repositories validate every row, which is slow for a million). */
function build(
  dir: string, cameras: number, days: number, segmentMs: number,
  keep: (camera: number, startMs: number, endMs: number, windows: [number, number][]) => boolean,
): Built {
  const store = openStore(dir, { now: () => NOW });
  const db = new Sqlite(store.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const seg = db.prepare('INSERT INTO segments (camera, path, start_ms, end_ms, bytes, container, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const ev = db.prepare(`INSERT INTO events (id, camera, zone, behaviour, severity, track_id, started_at, updated_at, ended_at, dwell_seconds, phone, clip_start, clip_end)
    VALUES (?, ?, 'zone', ?, 'high', 1, ?, ?, ?, 70, 'call', ?, ?)`);
  let segments = 0;
  let events = 0;
  const start = NOW - days * DAY_MS;
  db.transaction(() => {
    for (let c = 0; c < cameras; c++) {
      const camera = `cam${String(c).padStart(2, '0')}`;
      // Events spread over the day with a per-camera offset; ~70 s in the zone, ~60 s of event.
      const windows: [number, number][] = [];
      for (let d = 0; d < days; d++) {
        for (let e = 0; e < EVENTS_PER_DAY; e++) {
          const startedAt = start + d * DAY_MS + Math.floor(((e + 0.37 * (c % 7)) * DAY_MS) / EVENTS_PER_DAY) + 13_000;
          const endedAt = startedAt + 60_000 + ((e * 7919) % 120_000);
          const clipStart = startedAt - 70_000;
          ev.run(`ev-${c}-${d}-${e}`, camera, e % 3 === 0 ? 'emoney_lingering' : 'phone_at_atm', startedAt, endedAt, endedAt, clipStart, endedAt);
          windows.push([clipStart - policy.preMs, endedAt + policy.postMs]);
          events += 1;
        }
      }
      let w = 0;
      for (let t = start; t + segmentMs <= NOW; t += segmentMs) {
        while (w < windows.length && (windows[w] as [number, number])[1] <= t) w += 1;
        if (!keep(c, t, t + segmentMs, windows.slice(w, w + 2))) continue;
        const day = new Date(t).toISOString().slice(0, 10);
        seg.run(camera, `recordings/${camera}/${day}/${camera}-${t}.ts`, t, t + segmentMs, segmentMs * BITRATE_BYTES_PER_MS, 'mpegts', t + segmentMs);
        segments += 1;
      }
    }
  })();
  const indexBytes = store.retention.indexBytes();
  db.close();
  return { store, segments, events, cameras, indexBytes };
}

function addHolds(store: Store, everything = false): void {
  const db = new Sqlite(store.file);
  const hold = db.prepare(`INSERT INTO holds (id, case_number, officer, station, reason, from_ms, to_ms, cameras, created_at, created_by, released_at, released_by)
    VALUES (?, ?, 'Officer', 'Station', 'bench', ?, ?, ?, ?, 'bench', ?, ?)`);
  if (everything) {
    hold.run('hold-everything', 'CASE-4', 0, NOW + DAY_MS, '[]', NOW - DAY_MS, null, null);
    db.close();
    return;
  }
  hold.run('hold-all', 'CASE-1', NOW - 40 * DAY_MS, NOW - 37 * DAY_MS, '[]', NOW - 30 * DAY_MS, null, null);
  hold.run('hold-one', 'CASE-2', NOW - 60 * DAY_MS, NOW - 53 * DAY_MS, '["cam03"]', NOW - 50 * DAY_MS, null, null);
  hold.run('hold-released', 'CASE-3', NOW - 70 * DAY_MS, NOW - 65 * DAY_MS, '[]', NOW - 60 * DAY_MS, NOW - 10 * DAY_MS, 'bench');
  db.close();
}

/** Wall time, and CPU time of this process (less disturbed when other work shares the machine). */
function time(label: string, store: Store, now: number, pressure: DiskPressure, expect: (p: RetentionPlan) => string): string {
  const wall: number[] = [];
  const cpu: number[] = [];
  let last: RetentionPlan | null = null;
  for (let i = 0; i < runs + 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = planRetention(store.retention, { now, policy, pressure });
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    if (i < 3) continue;
    wall.push(t1 - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const w = summarise(wall);
  const c = summarise(cpu);
  const f = (v: number): string => v.toFixed(0);
  return `| ${label} | ${f(w.median)} / ${f(w.p90)} / ${f(w.p99)} | ${f(c.median)} / ${f(c.p90)} / ${f(c.p99)} | ${expect(last as RetentionPlan)} |`;
}

const describe = (p: RetentionPlan): string => {
  const parts = Object.entries(p.totals).filter(([, t]) => t.segments > 0).map(([r, t]) => `${r} ${t.segments}`);
  return `${p.deletions.length} planned${parts.length ? ` (${parts.join(', ')})` : ''}${p.complete ? '' : ', batch full'}${p.storageFull ? ', storage_full' : ''}`;
};

const noPressure = (indexBytes: number): DiskPressure => diskPressure({ fs: null, indexBytes }, { maxDiskPercent: 90, maxBytes: indexBytes * 2 });
/** A maxBytes budget that makes the plan free `share` of the indexed bytes. */
const squeeze = (indexBytes: number, share: number): DiskPressure =>
  diskPressure({ fs: null, indexBytes }, { maxDiskPercent: 90, maxBytes: Math.floor((indexBytes * (1 - share)) / LOW_WATERMARK) });

/** After months with the defaults: the last 14 days (and 10 min just expired), then event and held footage. */
const steadyKeep = (c: number, s: number, e: number, windows: [number, number][]): boolean => {
  if (s >= NOW - policy.continuousMs - 10 * 60_000) return true;
  if (s < NOW - 37 * DAY_MS && e > NOW - 40 * DAY_MS) return true; // held on every camera
  if (c === 3 && s < NOW - 53 * DAY_MS && e > NOW - 60 * DAY_MS) return true;
  return windows.some(([lo, hi]) => s < hi && e > lo);
};

interface LoopDelay {
  readonly ms: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

/** Event-loop delay while `work` runs: ms between turns of a 1 ms timer, so an idle loop shows just over 1. */
async function loopDelay(work: () => Promise<void>): Promise<LoopDelay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  // One more timer turn, so a stall at the very end is recorded.
  await sleep(5);
  h.disable();
  const toMs = (ns: number): number => ns / 1e6;
  return { ms, median: toMs(h.percentile(50)), p90: toMs(h.percentile(90)), p99: toMs(h.percentile(99)), max: toMs(h.max), samples: h.count };
}

/** `plans`: how many plans the stretch held (null for the idle floor). */
const loopRow = (label: string, how: string, d: LoopDelay, plans: number | null): string => {
  const f = (v: number): string => v.toFixed(v < 10 ? 1 : 0);
  return `| ${label} | ${how} | ${f(d.median)} / ${f(d.p90)} / ${f(d.p99)} / ${f(d.max)} | ${d.samples} | ${plans === null ? '-' : (d.ms / plans).toFixed(0)} |`;
};

/** `loopRuns` plans back to back on the event loop, then in the worker (after one warm-up plan each). */
async function loopDelays(label: string, store: Store, now: number, pressure: DiskPressure): Promise<string[]> {
  const input: PlanInput = { now, policy, pressure };
  planRetention(store.retention, input);
  const inThread = await loopDelay(async () => {
    for (let i = 0; i < loopRuns; i++) {
      planRetention(store.retention, input);
      // As the cleaner does between a plan and its deletions: the loop gets a turn.
      await turn();
    }
  });
  const planner = new RetentionPlanThread({ file: store.file });
  try {
    await planner.plan(input);
    const inWorker = await loopDelay(async () => {
      for (let i = 0; i < loopRuns; i++) await planner.plan(input);
    });
    return [loopRow(label, 'on the event loop', inThread, loopRuns), loopRow(label, 'plan worker', inWorker, loopRuns)];
  } finally {
    await planner.close();
  }
}

const loopRows: string[] = [];

async function scenarios(name: string, built: Built, loop = false): Promise<string[]> {
  const rows = [
    time(`${name}: routine run (10 min newly expired, no pressure)`, built.store, NOW, noPressure(built.indexBytes), describe),
    time(`${name}: disk pressure, just over budget (free 3%)`, built.store, NOW, squeeze(built.indexBytes, 0.03), describe),
  ];
  if (loop) loopRows.push(...(await loopDelays(`${name}: disk pressure (free 3%)`, built.store, NOW, squeeze(built.indexBytes, 0.03))));
  addHolds(built.store, true);
  rows.push(time(`${name} + a hold over everything, over budget → storage_full`, built.store, NOW, squeeze(built.indexBytes, 0.05), describe));
  return rows;
}

const dir = await mkdtemp(join(tmpdir(), 'mimamori-bench-retention-'));
try {
  const t0 = performance.now();
  // 10 s segments: 8640 a day per camera, about a million on 8 cameras.
  const small = build(join(dir, 'steady8'), 8, 90, 10_000, steadyKeep);
  addHolds(small.store);
  const buildSmallS = (performance.now() - t0) / 1000;
  // 60 s segments: per camera 14 days × 1440, plus event footage and held days before that.
  const perCamera = 14 * 1440 + 76 * EVENTS_PER_DAY * 4.3 + 3 * 1440 * 0.7;
  const steadyCameras = Math.max(1, Math.round(target / perCamera));
  const t1 = performance.now();
  const steady = build(join(dir, 'steady'), steadyCameras, 90, 60_000, steadyKeep);
  addHolds(steady.store);
  const buildSteadyS = (performance.now() - t1) / 1000;
  const backlogDays = Math.max(1, Math.round(target / (8 * 1440)));
  const t2 = performance.now();
  const backlog = build(join(dir, 'backlog'), 8, backlogDays, 60_000, () => true);
  const buildBacklogS = (performance.now() - t2) / 1000;

  const rows = [
    ...(await scenarios('8 cameras, 10 s', small)),
    ...(await scenarios(`${steadyCameras} cameras, 60 s`, steady, true)),
    time('backlog: 73 days expire at once (first batch)', backlog.store, NOW, noPressure(backlog.indexBytes), describe),
  ];
  loopRows.push(...(await loopDelays('backlog: first batch', backlog.store, NOW, noPressure(backlog.indexBytes))));
  // The floor: the same measure with nothing running, for as long as the worker rows took.
  const idle = await loopDelay(() => sleep(2000));
  // With maxBytes set, pressure() sums the index before each plan: as long a stall as a plan, were it on the loop.
  const sums: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    steady.store.retention.indexBytes();
    sums.push(performance.now() - t);
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${runs} runs per scenario after 3 warm-up runs`);
  console.log(`steady, 8 cameras, 10 s segments: ${small.segments} segments, ${small.events} events, 3 holds (built in ${buildSmallS.toFixed(0)} s)`);
  console.log(`steady, ${steady.cameras} cameras, 60 s segments: ${steady.segments} segments, ${steady.events} events, 3 holds (built in ${buildSteadyS.toFixed(0)} s)`);
  console.log(`backlog: ${backlog.segments} segments on 8 cameras over ${backlogDays} days, ${backlog.events} events (built in ${buildBacklogS.toFixed(0)} s)`);
  console.log('\n| scenario | wall ms (median / p90 / p99) | CPU ms (median / p90 / p99) | plan |\n|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\nevent-loop delay during ${loopRuns} plans back to back (monitorEventLoopDelay, 1 ms resolution); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('\n| scenario | planning | event-loop delay ms (median / p90 / p99 / max) | samples | ms per plan |\n|---|---|---|---|---|');
  for (const r of loopRows) console.log(r);
  console.log(loopRow('idle, 2 s, nothing planned', '-', idle, null));
  const s = summarise(sums);
  console.log(`\nindexBytes() on the event loop (the maxBytes budget's sum; the cleaner reads it in the plan worker), ${steady.segments} segments: median ${s.median.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms`);
  small.store.close();
  steady.store.close();
  backlog.store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
