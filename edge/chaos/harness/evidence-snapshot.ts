/**
 * What must survive every fault, read from outside the agent: the event rows (read-only SQLite)
 * and the held footage (segments under an active hold, with their size on disk). Comparing a
 * snapshot taken before the fault with one after tells exactly which events and files were lost.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';

export interface HeldFile {
  readonly path: string;
  /** Bytes on disk (null: the file is missing). */
  readonly bytes: number | null;
}

export interface EvidenceSnapshot {
  readonly eventIds: ReadonlySet<string>;
  /** Completed segments covered by an active hold, by relative path. */
  readonly held: ReadonlyMap<string, HeldFile>;
  /** Every indexed segment (relative path → indexed bytes). */
  readonly segments: ReadonlyMap<string, number | null>;
}

export interface EvidenceLoss {
  readonly lostEvents: string[];
  /** "path: why" for each held file that is gone or shrank. */
  readonly lostHeld: string[];
}

interface SegmentRow { path: string; camera: string; start_ms: number; end_ms: number | null; bytes: number | null }
interface HoldRow { from_ms: number; to_ms: number; cameras: string }

/** Opens mimamori.db read-only (the agent may be running or killed mid-write: WAL handles both). */
export function readEvidence(dataDir: string): EvidenceSnapshot {
  const file = join(dataDir, 'mimamori.db');
  if (!existsSync(file)) throw new Error(`${file}: no database (has the agent started?)`);
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const eventIds = new Set((db.prepare('SELECT id FROM events').all() as { id: string }[]).map((r) => r.id));
    const rows = db.prepare('SELECT path, camera, start_ms, end_ms, bytes FROM segments').all() as SegmentRow[];
    const now = Date.now();
    const holds = (db.prepare('SELECT from_ms, to_ms, cameras FROM holds WHERE released_at IS NULL AND (expires_at IS NULL OR expires_at > ?)').all(now) as HoldRow[])
      .map((h) => ({ from: h.from_ms, to: h.to_ms, cameras: JSON.parse(h.cameras) as string[] }));
    const held = new Map<string, HeldFile>();
    const segments = new Map<string, number | null>();
    for (const s of rows) {
      segments.set(s.path, s.bytes);
      if (s.end_ms === null) continue; // still being written: it may legitimately grow
      const underHold = holds.some((h) => s.start_ms < h.to && s.end_ms! > h.from && (h.cameras.length === 0 || h.cameras.includes(s.camera)));
      if (!underHold) continue;
      const abs = join(dataDir, s.path);
      held.set(s.path, { path: s.path, bytes: existsSync(abs) ? statSync(abs).size : null });
    }
    return { eventIds, held, segments };
  } finally {
    db.close();
  }
}

/** Events and held files of `before` that `after` no longer has (or has shorter). */
export function evidenceLoss(before: EvidenceSnapshot, after: EvidenceSnapshot, dataDir: string): EvidenceLoss {
  const lostEvents = [...before.eventIds].filter((id) => !after.eventIds.has(id));
  const lostHeld: string[] = [];
  for (const [path, file] of before.held) {
    if (file.bytes === null) continue; // already missing before the fault: not this fault's doing
    const abs = join(dataDir, path);
    const now = existsSync(abs) ? statSync(abs).size : null;
    if (now === null) lostHeld.push(`${path}: file deleted (was ${file.bytes} bytes)`);
    else if (now < file.bytes) lostHeld.push(`${path}: ${now} bytes, was ${file.bytes}`);
    else if (!after.segments.has(path)) lostHeld.push(`${path}: no longer in the segment index`);
  }
  return { lostEvents, lostHeld };
}
