/**
 * Which files retention may touch. A path from the index is acted on only when it is exactly the
 * recorder's layout, `recordings/<camera>/<YYYY-MM-DD>/<camera>-<YYYYMMDD>-<HHMMSS>.ts`, for the
 * row's own camera, and resolves inside `<dataDir>/recordings`: an edited or corrupted row can
 * never make the cleaner delete anything else.
 */
import { resolve, sep } from 'node:path';

const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DAY_FOLDER = /^(\d{4})-(\d{2})-(\d{2})$/;
const SEGMENT_NAME = /^([A-Za-z0-9_-]{1,64})-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.(ts|mp4)$/;

export function isCameraFolder(name: string): boolean {
  return CAMERA_ID.test(name);
}

export function isDayFolder(name: string): boolean {
  return DAY_FOLDER.test(name);
}

export interface SegmentName {
  /** Start of the segment: the name is ffmpeg's strftime, in the device's local time. */
  readonly startMs: number;
  /** The day folder the recorder puts it in. */
  readonly day: string;
  readonly container: 'mpegts' | 'mp4';
}

/** Parses a segment file name of `camera`, or null when it is not one (or names an impossible time). */
export function parseSegmentName(camera: string, name: string): SegmentName | null {
  const m = SEGMENT_NAME.exec(name);
  if (!m || m[1] !== camera) return null;
  const [y, mo, d, h, mi, s] = m.slice(2, 8).map(Number) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  // Date rolls 2026-02-30 over into March: refuse names that do not round-trip.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== h
    || date.getMinutes() !== mi || date.getSeconds() !== s) {
    return null;
  }
  return { startMs: date.getTime(), day: `${m[2]}-${m[3]}-${m[4]}`, container: m[8] === 'mp4' ? 'mp4' : 'mpegts' };
}

export type SegmentFile = { ok: true; path: string } | { ok: false; reason: string };

/** The absolute file of an index row, or why the cleaner must not touch it. */
export function segmentFile(dataDir: string, camera: string, relativePath: string): SegmentFile {
  const parts = relativePath.split('/');
  if (!CAMERA_ID.test(camera)) return { ok: false, reason: `camera id "${camera}" is not a valid camera id` };
  if (parts.length !== 4 || parts[0] !== 'recordings' || parts[1] !== camera) {
    return { ok: false, reason: `not under recordings/${camera}/` };
  }
  const name = parseSegmentName(camera, parts[3] as string);
  if (!name) return { ok: false, reason: `"${parts[3]}" is not a segment file name of camera ${camera}` };
  if (parts[2] !== name.day) return { ok: false, reason: `day folder "${parts[2]}" does not match the file name's day ${name.day}` };
  const root = resolve(dataDir, 'recordings');
  const path = resolve(root, camera, name.day, parts[3] as string);
  if (!path.startsWith(root + sep)) return { ok: false, reason: 'resolves outside the recordings folder' };
  return { ok: true, path };
}
