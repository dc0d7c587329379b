/**
 * The start-up sweep: the one time retention walks the recordings folder, before the recorders
 * start, to make the index match the disk again.
 *
 * - A segment file on disk but not in the index (a recorder killed mid-segment, or a crash before
 *   the index write) is indexed: start from its name, end from ffprobe's duration, or from the
 *   file's mtime when ffprobe cannot read it, and transcoded-from from the mark a transcoding
 *   recorder puts in it. The agent stops leftover recorders before the sweep
 *   (leftover-children.ts), so such a file is final and indexed once.
 * - A file in which ffprobe reads no video stream (a codec the container could not carry, as older
 *   recorders copied msmpeg4 into MPEG-TS) is not footage: it is counted and logged, never indexed,
 *   and left on disk for whoever wants to look at it.
 * - An index row whose file is gone (deleted by hand) is removed.
 * - An indexed size that differs from the file (a file truncated or replaced by hand) is
 *   re-measured.
 *
 * Each repair is logged (the first few of each kind one line each, then a count), and the sweep
 * ends with one summary line. Files that are not the recorder's are left alone and only counted.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { ifExists } from '../store/if-exists.js';
import type { Store } from '../store/store.js';
import { probeMedia } from '../recording/media-probe.js';
import { isCameraFolder, isDayFolder, parseSegmentName, segmentFile } from './segment-files.js';

export interface SweepResult {
  readonly cameras: number;
  /** Files found on disk, indexed or not. */
  readonly files: number;
  readonly indexed: number;
  readonly removed: number;
  readonly remeasured: number;
  /** Unindexed files without a video stream; left unindexed. */
  readonly withoutVideo: number;
  /** Entries in the recordings folder that are not the recorder's files; left alone. */
  readonly ignored: number;
  readonly ms: number;
}

export interface SweepOptions {
  readonly log: Logger;
  readonly ffprobePath?: string;
  /** Per-file log lines of each kind before only the count is logged (default 20). */
  readonly detailLines?: number;
}

interface DiskFile {
  rel: string;
  path: string;
  size: number;
  mtimeMs: number;
  startMs: number;
  container: 'mpegts' | 'mp4';
}

const PROBES_AT_ONCE = 4;
const STATS_AT_ONCE = 64;

export async function sweepRecordings(store: Store, options: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const { log } = options;
  const detail = options.detailLines ?? 20;
  const logged = { indexed: 0, removed: 0, remeasured: 0, withoutVideo: 0 };
  const say = (kind: keyof typeof logged, msg: string, fields: Record<string, unknown>): void => {
    if (logged[kind]++ < detail) log.warn(msg, fields);
  };
  const root = join(store.dataDir, 'recordings');
  let ignored = 0;
  let files = 0;
  let indexed = 0;
  let removed = 0;
  let remeasured = 0;
  let withoutVideo = 0;

  const onDisk = new Set<string>();
  for (const entry of await entries(root)) {
    if (entry.isDirectory() && isCameraFolder(entry.name)) onDisk.add(entry.name);
    else ignored += 1;
  }
  const cameras = [...new Set([...onDisk, ...store.retention.cameras()])].sort();

  for (const camera of cameras) {
    // One camera at a time keeps memory to one camera's rows, whatever the size of the index.
    const rows = new Map(store.retention.cameraFiles(camera).map((r) => [r.path, r]));
    const found: DiskFile[] = [];
    if (onDisk.has(camera)) {
      for (const day of await entries(join(root, camera))) {
        if (!day.isDirectory() || !isDayFolder(day.name)) {
          ignored += 1;
          continue;
        }
        const names: { file: string; name: NonNullable<ReturnType<typeof parseSegmentName>> }[] = [];
        for (const f of await entries(join(root, camera, day.name))) {
          const name = f.isFile() ? parseSegmentName(camera, f.name) : null;
          if (!name || name.day !== day.name) ignored += 1;
          else names.push({ file: f.name, name });
        }
        // Sizes in parallel: a day folder holds up to 17,280 five-second segments.
        for (let i = 0; i < names.length; i += STATS_AT_ONCE) {
          const batch = names.slice(i, i + STATS_AT_ONCE);
          const stats = await Promise.all(batch.map((n) => ifExists(join(root, camera, day.name, n.file), (p) => lstat(p))));
          batch.forEach(({ file, name }, k) => {
            const st = stats[k];
            if (!st?.isFile()) return; // gone since readdir
            found.push({
              rel: `recordings/${camera}/${day.name}/${file}`, path: join(root, camera, day.name, file), size: st.size, mtimeMs: st.mtimeMs,
              startMs: name.startMs, container: name.container,
            });
          });
        }
      }
    }
    files += found.length;

    const unindexed: DiskFile[] = [];
    for (const f of found) {
      const row = rows.get(f.rel);
      if (!row) {
        unindexed.push(f);
        continue;
      }
      rows.delete(f.rel);
      if (row.bytes !== f.size) {
        store.retention.setBytes(row.id, f.size);
        remeasured += 1;
        say('remeasured', 'segment size differs from the index: re-measured', { camera, path: f.rel, indexedBytes: row.bytes, bytes: f.size });
      }
    }

    // Rows the walk did not see: gone, unless the row points somewhere the walk does not look.
    const gone: number[] = [];
    for (const row of rows.values()) {
      const file = segmentFile(store.dataDir, camera, row.path);
      // Not the recorder's layout: the cleaner reports it when it comes due.
      if (!file.ok || (await exists(file.path))) continue;
      gone.push(row.id);
      say('removed', 'segment file missing: index row removed', { camera, path: row.path });
    }
    removed += store.retention.remove(gone);

    for (let i = 0; i < unindexed.length; i += PROBES_AT_ONCE) {
      const batch = unindexed.slice(i, i + PROBES_AT_ONCE);
      const ends = await Promise.all(batch.map((f) => segmentEnd(f, options.ffprobePath)));
      batch.forEach((f, k) => {
        const end = ends[k] as SegmentEnd;
        if (!end.video) {
          withoutVideo += 1;
          say('withoutVideo', 'segment file without video: not indexed', { camera, path: f.rel, bytes: f.size });
          return;
        }
        try {
          store.segments.add({
            camera, path: f.rel, startMs: f.startMs, endMs: end.endMs, bytes: f.size, container: f.container, transcodedFrom: end.transcodedFrom,
          });
          indexed += 1;
          say('indexed', 'unindexed segment file indexed', { camera, path: f.rel, bytes: f.size, endFrom: end.from, seconds: Math.round((end.endMs - f.startMs) / 100) / 10 });
        } catch (err) {
          log.error('unindexed segment file could not be indexed', { camera, path: f.rel, err });
        }
      });
    }
  }

  const result: SweepResult = { cameras: cameras.length, files, indexed, removed, remeasured, withoutVideo, ignored, ms: Math.round(performance.now() - t0) };
  log.info('recordings swept', { ...result });
  return result;
}

interface SegmentEnd {
  endMs: number;
  from: string;
  /** False only when ffprobe read the file and found no video stream in it. */
  video: boolean;
  transcodedFrom: string | null;
}

/** End of a file found on disk: ffprobe's duration, else its last write, never before its start. */
async function segmentEnd(f: DiskFile, ffprobePath: string | undefined): Promise<SegmentEnd> {
  try {
    const info = await probeMedia(`file:${f.path}`, { ffprobePath });
    // A file cut at its first bytes reads as no streams at all: that is a torn segment, not a data-only one.
    const video = info.videoCodec !== null || info.durationMs === null;
    if (info.durationMs !== null && info.durationMs >= 0) {
      return { endMs: f.startMs + info.durationMs, from: 'ffprobe', video, transcodedFrom: info.transcodedFrom };
    }
  } catch {
    // An empty or unreadable file: its modification time is the best end there is.
  }
  return { endMs: Math.max(f.startMs, Math.round(f.mtimeMs)), from: 'mtime', video: true, transcodedFrom: null };
}

/** Only a definite "no such file" counts as gone: on any other error the row stays. */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

async function entries(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${dir}: cannot list: ${(err as Error).message}`, { cause: err });
  }
}
