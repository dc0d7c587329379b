/**
 * Event snapshots: the frame with the person's box and the behaviour drawn, as a JPEG on the
 * device's disk only (camera images of people are personal information; they never leave the
 * device with events). Owner-only permissions.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Box, RgbFrame } from '../types.js';

const SAFE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export interface SnapshotRequest {
  frame: RgbFrame;
  box: Box;
  label: string;
  camera: string;
  eventId: string;
  atMs: number;
  colour?: string;
}

/** Relative path (to dataDir) of an event's snapshot; ids are checked so no path can escape. */
export function snapshotRelativePath(camera: string, eventId: string, atMs: number): string {
  if (!SAFE_NAME.test(camera)) throw new Error(`snapshot: camera id "${camera}" is not a safe file name`);
  if (!SAFE_NAME.test(eventId)) throw new Error(`snapshot: event id "${eventId}" is not a safe file name`);
  const day = new Date(atMs).toISOString().slice(0, 10);
  return join('snapshots', camera, day, `${eventId}.jpg`);
}

export async function writeSnapshot(dataDir: string, req: SnapshotRequest): Promise<string> {
  const rel = snapshotRelativePath(req.camera, req.eventId, req.atMs);
  const file = join(dataDir, rel);
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const { width, height } = req.frame;
  const [x1, y1, x2, y2] = req.box.map((v) => Math.round(v));
  const stroke = Math.max(2, Math.round(width / 240));
  const font = Math.max(12, Math.round(width / 40));
  const colour = req.colour ?? '#ff2d2d';
  const label = req.label.replace(/[<>&"']/g, '');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2! - x1!)}" height="${Math.max(1, y2! - y1!)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
    `<rect x="${x1}" y="${Math.max(0, y1! - font - 6)}" width="${Math.round(label.length * font * 0.6 + 8)}" height="${font + 6}" fill="${colour}"/>` +
    `<text x="${x1! + 4}" y="${Math.max(font, y1! - 5)}" fill="#fff" font-size="${font}" font-family="sans-serif">${label}</text></svg>`;
  const jpeg = await sharp(req.frame.data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
  // Written under a temporary name and renamed, so a crash never leaves a half JPEG as evidence.
  const tmp = `${file}.tmp`;
  try {
    await writeFile(tmp, jpeg, { mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    // On a full disk the partial file would hold on to the last free bytes.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`snapshot ${rel}: ${(err as Error).message}`, { cause: err });
  }
  return rel;
}
