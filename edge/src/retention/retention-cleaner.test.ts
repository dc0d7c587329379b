/**
 * The cleaner on real MPEG-TS segments cut by ffmpeg from the pedestrian video, laid out as the
 * recorder lays them out and indexed with start/end times on a fabricated timeline; the clock is
 * the test's. Files really are deleted (or not), holds really protect, storage_full really rises
 * and clears, and hand-made damage (a deleted file, a truncated one, a recorder killed mid-segment,
 * a row pointing outside the recordings) is repaired or refused.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../test/fixtures.js';
import { useTempStores } from '../../test/temp-store.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { waitUntil } from '../../test/wait-until.js';
import { retentionSchema, type RetentionConfig } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { recorderGlobalOptions, segmentOutputOptions, segmentOutputPattern, transcodeOptions } from '../recording/segment-output-args.js';
import { RetentionCleaner, type StorageFullState } from './retention-cleaner.js';
import { DAY_MS } from './retention-policy.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const NOW = new Date(2026, 5, 20, 12, 0, 0).getTime();
const CAMERAS = ['atm1', 'rack1'] as const;

let work = '';
/** Real ~1 s MPEG-TS segments, cut once and copied into place per test. */
let pieces: string[] = [];
const openTemp = useTempStores('retention-cleaner-');
const cleaners: RetentionCleaner[] = [];

beforeAll(async () => {
  requireOpencvData();
  work = await mkdtemp(join(tmpdir(), 'retention-media-'));
  const clip = await cutH264Clip(work, 6);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', clip, '-c', 'copy', '-f', 'segment', '-segment_time', '1',
    '-segment_format', 'mpegts', '-reset_timestamps', '1', join(work, 'piece-%03d.ts')]);
  pieces = readdirSync(work).filter((f) => f.startsWith('piece-')).sort().map((f) => join(work, f));
  expect(pieces.length).toBeGreaterThanOrEqual(5);
});

afterEach(async () => {
  await Promise.all(cleaners.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const pad = (n: number): string => String(n).padStart(2, '0');

/** The recorder's relative path for a segment of `camera` starting at `ms` (local time, as ffmpeg names it). */
function recorderPath(camera: string, ms: number): string {
  const d = new Date(ms);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  return `recordings/${camera}/${day}/${camera}-${stamp}.ts`;
}

interface Placed {
  id: number;
  camera: string;
  path: string;
  file: string;
  day: number;
  bytes: number;
  sha256: string;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * One real segment per camera per day for the last 20 days, starting at 09:00 and indexed as an
 * hour long (day 0 is 20 days ago, day 19 yesterday), with its real size.
 */
function layOut(store: Store): Placed[] {
  const placed: Placed[] = [];
  for (const camera of CAMERAS) {
    for (let day = 0; day < 20; day++) {
      const start = NOW - (20 - day) * DAY_MS - 3 * HOUR;
      const path = recorderPath(camera, start);
      const file = store.resolve(path);
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      copyFileSync(pieces[day % pieces.length] as string, file);
      const bytes = statSync(file).size;
      const row = store.segments.add({ camera, path, startMs: start, endMs: start + HOUR, bytes, container: 'mpegts' });
      placed.push({ id: row.id, camera, path, file, day, bytes, sha256: sha256(file) });
    }
  }
  return placed;
}

function config(overrides: Record<string, unknown> = {}): RetentionConfig {
  // maxDiskPercent 99: the test machine's own disk must not decide; maxBytes (the index) does.
  return retentionSchema.parse({ continuous: { days: 14 }, events: { days: 90 }, maxDiskPercent: 99, ...overrides });
}

function cleaner(store: Store, cfg: RetentionConfig, extra: { site?: string; onStorageFull?: (s: StorageFullState) => void } = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('retention', { level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const c = new RetentionCleaner(store, { config: cfg, log, now: () => NOW, ...extra });
  cleaners.push(c);
  return { cleaner: c, lines };
}

const onDisk = (p: Placed): boolean => existsSync(p.file);
const inIndex = (store: Store, p: Placed): boolean => store.retention.segmentsById([p.id]).length === 1;

describe('RetentionCleaner on real segments', () => {
  it('deletes exactly the expired footage, files then rows, and logs one line per run', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    // A phone call at the ATM on day 2 keeps that day's segment; a hold keeps day 3 on every camera.
    const day2 = placed.find((p) => p.camera === 'atm1' && p.day === 2) as Placed;
    const e = store.events.start({ camera: 'atm1', zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 4, startedAt: NOW - 18 * DAY_MS - 3 * HOUR + 600_000, phone: 'call' });
    store.events.end(e.id, NOW - 18 * DAY_MS - 3 * HOUR + 660_000);
    const day3Start = NOW - 17 * DAY_MS - 3 * HOUR;
    store.holds.create({
      caseNumber: '2026-ABC', officer: 'Sato', station: 'Chuo', reason: 'fraud case', fromMs: day3Start, toMs: day3Start + HOUR, createdBy: 'test',
    });

    const { cleaner: c, lines } = cleaner(store, config());
    const report = await c.runOnce();

    // Days 0–6 ended more than 14 days ago (day 6 at 10:00, 14 days and 2 hours ago).
    const expired = placed.filter((p) => p.day <= 6);
    const kept = placed.filter((p) => p.day > 6 || p === day2 || p.day === 3);
    const deleted = expired.filter((p) => !kept.includes(p));
    expect(deleted).toHaveLength(2 * 7 - 1 - 2);
    for (const p of deleted) {
      expect(onDisk(p), p.path).toBe(false);
      expect(inIndex(store, p), p.path).toBe(false);
    }
    for (const p of kept) {
      expect(onDisk(p), p.path).toBe(true);
      expect(sha256(p.file)).toBe(p.sha256);
      expect(inIndex(store, p)).toBe(true);
    }
    expect(report).toMatchObject({ deleted: deleted.length, missing: 0, mismatched: 0, refused: 0, complete: true, storageFull: false });
    expect(report.bytesFreed).toBe(deleted.reduce((s, p) => s + p.bytes, 0));
    expect(report.reasons.continuous_expired.segments).toBe(deleted.length);

    const runLines = lines.filter((l) => l.msg === 'retention run');
    expect(runLines).toHaveLength(1);
    expect(runLines[0]).toMatchObject({ deleted: deleted.length, bytesFreed: report.bytesFreed, reasons: { continuous_expired: deleted.length } });

    // Nothing more is due at the same time.
    const again = await c.runOnce();
    expect(again.deleted).toBe(0);
    expect(lines.filter((l) => l.msg === 'retention run')).toHaveLength(2);
  });

  it('a hold keeps its footage through a disk-pressure run, raises storage_full, and its release clears it', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    const heldStart = NOW - 8 * DAY_MS - 3 * HOUR; // day 12, young footage
    const hold = store.holds.create({
      caseNumber: '2026-XYZ', officer: 'Suzuki', station: 'Minato', reason: 'bank transfer fraud', fromMs: heldStart, toMs: heldStart + HOUR,
      cameras: ['atm1'], createdBy: 'test',
    });
    const held = placed.find((p) => p.camera === 'atm1' && p.day === 12) as Placed;
    const changes: StorageFullState[] = [];
    // A budget of one byte: everything would go but for the hold.
    const { cleaner: c, lines } = cleaner(store, config({ maxBytes: 1 }), { site: 'store-001', onStorageFull: (s) => void changes.push(s) });

    const plan = await c.plan();
    expect(plan.storageFull).toBe(true);
    expect(plan.deletions.map((d) => d.id)).not.toContain(held.id);
    expect(placed.every(onDisk)).toBe(true); // plan deletes nothing

    const report = await c.runOnce();
    expect(report.deleted).toBe(placed.length - 1);
    expect(report.reasons.continuous_expired.segments).toBe(2 * 7);
    expect(report.reasons.disk_pressure_continuous.segments).toBe(placed.filter((p) => p.day > 6).length - 1);
    for (const p of placed) expect(onDisk(p), p.path).toBe(p === held);
    expect(sha256(held.file)).toBe(held.sha256);
    expect(report.storageFull).toBe(true);
    expect(changes).toEqual([expect.objectContaining({ active: true, usedBytes: held.bytes, budgetBytes: 1, measure: 'index' })]);
    expect(c.storageFull.active).toBe(true);
    const alarms = store.outbox.pending().filter((m) => m.topic === 'mimamori/store-001/health/storage_full');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ qos: 1, retain: true });
    expect(JSON.parse(alarms[0]!.payload)).toMatchObject({ alarm: 'storage_full', active: true, usedBytes: held.bytes, budgetBytes: 1 });
    expect(lines.some((l) => l.level === 'error' && String(l.msg).startsWith('storage_full'))).toBe(true);

    // Still full on the next run: nothing deleted, no second alarm.
    expect((await c.runOnce()).deleted).toBe(0);
    expect(store.outbox.pending().filter((m) => m.topic === 'mimamori/store-001/health/storage_full')).toHaveLength(1);

    store.holds.release(hold.id, { by: 'test', reason: 'case closed' });
    const after = await c.runOnce();
    expect(after.deleted).toBe(1);
    expect(after.reasons.disk_pressure_continuous.segments).toBe(1);
    expect(onDisk(held)).toBe(false);
    expect(after.storageFull).toBe(false);
    expect(changes.map((s) => s.active)).toEqual([true, false]);
    const cleared = store.outbox.pending().filter((m) => m.topic === 'mimamori/store-001/health/storage_full').map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(cleared.map((m) => m.active)).toEqual([true, false]);
  });

  it('a hold created between planning and deleting is honoured by the re-check in the delete transaction', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    const { cleaner: c, lines } = cleaner(store, config());
    const plan = await c.plan();
    const day1 = placed.find((p) => p.camera === 'rack1' && p.day === 1) as Placed;
    expect(plan.deletions.map((d) => d.id)).toContain(day1.id);
    // Another process (the CLI, the API) holds day 1 of rack1 after the plan was made.
    const other = new Sqlite(store.file);
    const day1Start = NOW - 19 * DAY_MS - 3 * HOUR;
    other.prepare(`INSERT INTO holds (id, case_number, officer, station, reason, from_ms, to_ms, cameras, created_at, created_by)
      VALUES ('late', 'LATE-1', 'Ito', 'Chuo', 'late request', ?, ?, '["rack1"]', ?, 'cli')`).run(day1Start, day1Start + HOUR, NOW);
    other.close();
    const done = await c.deletePlanned(plan);
    expect(done).toMatchObject({ heldMeanwhile: 1, deleted: plan.deletions.length - 1 });
    expect(onDisk(day1)).toBe(true);
    expect(sha256(day1.file)).toBe(day1.sha256);
    expect(inIndex(store, day1)).toBe(true);
    expect(lines.find((l) => l.msg === 'segment held since the plan: kept')).toMatchObject({ camera: 'rack1', path: day1.path });
  });

  it('tolerates files deleted or changed by hand, and never touches a file the index should not name', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    const gone = placed.find((p) => p.camera === 'atm1' && p.day === 0) as Placed;
    const cut = placed.find((p) => p.camera === 'atm1' && p.day === 1) as Placed;
    unlinkSync(gone.file);
    truncateSync(cut.file, 1000);
    // Rows a careless edit could leave: a file outside the recorder's layout, and the database itself.
    const bystander = join(store.dataDir, 'recordings', 'atm1', 'notes.ts');
    writeFileSync(bystander, 'not footage');
    const db = new Sqlite(store.file);
    const insert = db.prepare("INSERT INTO segments (camera, path, start_ms, end_ms, bytes, container, created_at) VALUES ('atm1', ?, ?, ?, 10, 'mpegts', ?)");
    insert.run('recordings/atm1/notes.ts', NOW - 30 * DAY_MS, NOW - 30 * DAY_MS + 1000, NOW);
    insert.run('mimamori.db', NOW - 31 * DAY_MS, NOW - 31 * DAY_MS + 1000, NOW);
    db.close();

    const { cleaner: c, lines } = cleaner(store, config());
    const report = await c.runOnce();
    expect(report).toMatchObject({ missing: 1, mismatched: 1, refused: 2, deleted: 2 * 7 - 1 });
    expect(inIndex(store, gone)).toBe(false);
    expect(onDisk(cut)).toBe(false);
    expect(lines.find((l) => l.msg === 'segment file missing: index row removed')).toMatchObject({ level: 'warn', camera: 'atm1', path: gone.path });
    expect(lines.find((l) => l.msg === 'segment size differed from the index')).toMatchObject({ path: cut.path, indexedBytes: cut.bytes, bytes: 1000 });
    expect(report.bytesFreed).toBe(placed.filter((p) => p.day <= 6 && p !== gone && p !== cut).reduce((s, p) => s + p.bytes, 0) + 1000);
    const refusals = lines.filter((l) => l.msg === 'index row is not a recorder segment: row removed, no file touched');
    expect(refusals.map((l) => l.path).sort()).toEqual(['mimamori.db', 'recordings/atm1/notes.ts']);
    expect(readFileSync(bystander, 'utf8')).toBe('not footage');
    expect(existsSync(store.file)).toBe(true);
    expect(store.segments.count()).toBe(placed.length - 2 * 7);
  });

  it('the start-up sweep indexes what a killed recorder left, drops rows of vanished files, re-measures changed ones', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    const vanished = placed.find((p) => p.camera === 'rack1' && p.day === 15) as Placed;
    const grown = placed.find((p) => p.camera === 'rack1' && p.day === 16) as Placed;
    unlinkSync(vanished.file);
    copyFileSync(pieces[0] as string, grown.file);
    writeFileSync(grown.file, readFileSync(pieces[1] as string), { flag: 'a' });

    // A recorder's ffmpeg, with the recorder's own arguments, killed mid-segment.
    const root = join(store.dataDir, 'recordings');
    const folder = new Date();
    const days = [0, 1].map((k) => new Date(folder.getFullYear(), folder.getMonth(), folder.getDate() + k));
    for (const d of days) mkdirSync(join(root, 'atm2', `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`), { recursive: true });
    const ffmpeg = spawn('ffmpeg', [...recorderGlobalOptions(), '-re', '-stream_loop', '-1', '-i', pieces[0] as string,
      ...segmentOutputOptions({ root, camera: 'atm2', segmentSeconds: 60, audio: false }), segmentOutputPattern({ root, camera: 'atm2' })],
    { stdio: ['ignore', 'pipe', 'ignore'] });
    let progressed = 0;
    ffmpeg.stdout.on('data', (b: Buffer) => (progressed += (b.toString().match(/out_time_us=\d+/g) ?? []).length));
    await waitUntil('ffmpeg writing', () => progressed >= 3, 20_000);
    ffmpeg.kill('SIGKILL');
    await new Promise((r) => ffmpeg.once('close', r));
    const leftover = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.startsWith('atm2/') && f.endsWith('.ts'));
    expect(leftover).toHaveLength(1);

    const { cleaner: c, lines } = cleaner(store, config());
    const result = await c.sweep();
    expect(result).toMatchObject({ indexed: 1, removed: 1, remeasured: 1, cameras: 3 });
    expect(inIndex(store, vanished)).toBe(false);
    const grownRow = store.retention.cameraFiles('rack1').find((r) => r.id === grown.id);
    expect(grownRow?.bytes).toBe(statSync(grown.file).size);
    const [killed] = store.retention.cameraFiles('atm2');
    expect(killed?.path).toBe(`recordings/${leftover[0]}`);
    expect(killed?.bytes).toBe(statSync(join(root, leftover[0] as string)).size);
    const segment = store.segments.list({ camera: 'atm2', from: 0, to: Number.MAX_SAFE_INTEGER })[0];
    // Start from the name (to the second), end from ffprobe: at least the ~1 s written.
    expect(segment!.startMs % 1000).toBe(0);
    expect(Math.abs(segment!.startMs - Date.now())).toBeLessThan(60_000);
    expect(segment!.endMs! - segment!.startMs).toBeGreaterThan(500);
    expect(lines.find((l) => l.msg === 'unindexed segment file indexed')).toMatchObject({ camera: 'atm2', endFrom: 'ffprobe' });
    expect(lines.find((l) => l.msg === 'segment file missing: index row removed')).toMatchObject({ path: vanished.path });
    expect(lines.find((l) => l.msg === 'recordings swept')).toMatchObject({ indexed: 1, removed: 1, remeasured: 1 });

    // A second sweep finds nothing to repair.
    expect(await c.sweep()).toMatchObject({ indexed: 0, removed: 0, remeasured: 0 });
  });

  it('the sweep never indexes a file without video, and keeps what a transcoding recorder marked', async () => {
    const store = openTemp({ now: () => NOW });
    const start = new Date(2026, 5, 20, 11, 0, 0).getTime();
    const copied = recorderPath('atm3', start);
    const transcoded = recorderPath('atm3', start + 60_000);
    mkdirSync(join(store.dataDir, copied, '..'), { recursive: true });
    // What older recorders made of the sample camera: msmpeg4 copied into MPEG-TS has no video track.
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-t', '2', '-i', PEDESTRIAN_VIDEO, '-map', '0:v', '-c', 'copy', '-f', 'mpegts', join(store.dataDir, copied)]);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-t', '2', '-i', PEDESTRIAN_VIDEO, '-map', '0:v',
      ...transcodeOptions(60, 'msmpeg4v3'), '-f', 'mpegts', join(store.dataDir, transcoded)]);

    const { cleaner: c, lines } = cleaner(store, config());
    expect(await c.sweep()).toMatchObject({ indexed: 1, withoutVideo: 1 });
    const rows = store.segments.list({ camera: 'atm3', from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(rows.map((r) => ({ path: r.path, transcodedFrom: r.transcodedFrom }))).toEqual([{ path: transcoded, transcodedFrom: 'msmpeg4v3' }]);
    expect(existsSync(join(store.dataDir, copied))).toBe(true);
    expect(lines.find((l) => l.msg === 'segment file without video: not indexed')).toMatchObject({ camera: 'atm3', path: copied });
  });

  it('runs periodically once started, and close() stops it', async () => {
    const store = openTemp({ now: () => NOW });
    const placed = layOut(store);
    const { cleaner: c, lines } = cleaner(store, config());
    c.start();
    await waitUntil('the first run', () => lines.some((l) => l.msg === 'retention run'), 20_000);
    expect(c.status().lastRun?.deleted).toBe(2 * 7);
    expect(placed.filter(onDisk)).toHaveLength(placed.length - 2 * 7);
    await c.close();
    await expect(c.runOnce()).rejects.toThrow(/after close/);
  });
});
