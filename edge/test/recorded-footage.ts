/**
 * A data directory as the recorder leaves it, for export tests: real MPEG-TS segments cut by
 * ffmpeg's segment muxer (the recorder's own arguments: stream copy, reset timestamps) from the
 * pedestrian video, placed under `recordings/<camera>/<day>/` and indexed in a real store, plus
 * events with real JPEG snapshots.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PERSON_PHOTO, PEDESTRIAN_VIDEO } from './fixtures.js';
import type { EventRecord, SegmentRecord, Store } from '../src/store/store.js';

const run = promisify(execFile);

export interface RecordOptions {
  readonly camera: string;
  /** Wall-clock ms of the first segment's start. */
  readonly startMs: number;
  readonly seconds: number;
  readonly segmentSeconds: number;
  /**
   * Add a tone, as a camera with a microphone sends: AAC (most cameras), or SMPTE 302M PCM, which
   * MPEG-TS carries and MP4 cannot.
   */
  readonly audio?: 'aac' | 's302m';
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The recorder's name for a segment starting at `ms` (local time, as ffmpeg's strftime). */
function segmentName(camera: string, ms: number): { day: string; name: string } {
  const d = new Date(ms);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return { day, name: `${camera}-${day.replace(/-/g, '')}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}.ts` };
}

/** Records `seconds` of real footage as segments of one camera and indexes them; oldest first. */
export async function recordFootage(store: Store, work: string, o: RecordOptions): Promise<SegmentRecord[]> {
  const cut = join(work, `cut-${o.camera}-${o.startMs}`);
  await mkdir(cut, { recursive: true });
  const audioIn = o.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`] : [];
  // 10 fps with a keyframe every second, so segments cut on whole seconds as a camera's GOP allows.
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', PEDESTRIAN_VIDEO, ...audioIn, '-t', String(o.seconds),
    '-map', '0:v', ...(o.audio === 'aac' ? ['-map', '1:a', '-c:a', 'aac', '-b:a', '64k'] : []),
    ...(o.audio === 's302m' ? ['-map', '1:a', '-ac', '2', '-c:a', 's302m', '-strict', '-2'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p',
    '-f', 'segment', '-segment_time', String(o.segmentSeconds), '-segment_format', 'mpegts', '-reset_timestamps', '1',
    '-segment_list', join(cut, 'list.csv'), '-segment_list_type', 'csv', join(cut, 'part%03d.ts'),
  ]);
  const rows = (await readFile(join(cut, 'list.csv'), 'utf8')).trim().split('\n').map((l) => l.split(','));
  const out: SegmentRecord[] = [];
  for (const [file, start, end] of rows) {
    const startMs = o.startMs + Math.round(Number(start) * 1000);
    const endMs = o.startMs + Math.round(Number(end) * 1000);
    const { day, name } = segmentName(o.camera, startMs);
    const rel = `recordings/${o.camera}/${day}/${name}`;
    await mkdir(join(store.dataDir, 'recordings', o.camera, day), { recursive: true, mode: 0o700 });
    const abs = store.resolve(rel);
    await rename(join(cut, file as string), abs);
    await chmod(abs, 0o600);
    const bytes = (await readFile(abs)).length;
    out.push(store.segments.add({ camera: o.camera, path: rel, startMs, endMs, bytes, container: 'mpegts' }));
  }
  return out;
}

/** An ended phone_at_atm event with a real JPEG snapshot stored as the pipeline stores it. */
export async function storeEvent(store: Store, camera: string, id: string, startedAt: number, endedAt: number): Promise<EventRecord> {
  const day = new Date(startedAt).toISOString().slice(0, 10);
  const snapshotPath = `snapshots/${camera}/${day}/${id}.jpg`;
  await mkdir(join(store.dataDir, 'snapshots', camera, day), { recursive: true, mode: 0o700 });
  await copyFile(PERSON_PHOTO, store.resolve(snapshotPath));
  store.events.start({
    id, camera, zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 7, startedAt, phone: 'call',
    snapshotPath, clipStart: startedAt - 2000, clipEnd: endedAt, details: { minSeconds: 3 },
  });
  return store.events.end(id, endedAt, { dwellSeconds: (endedAt - startedAt) / 1000 });
}

/** Every path under `dir`, relative, sorted (to show that nothing else was written). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}
