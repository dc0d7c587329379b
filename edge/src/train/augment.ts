/**
 * Camera-like variants of a training photo, so a head fitted on photographers' pictures sees what
 * store and ATM cameras give: mirrored scenes, people small in a wide low-resolution view, people
 * cut off close to the lens, grey (night / IR) pictures, poor exposure and heavy JPEG.
 *
 *   original  as decoded
 *   flip      mirrored left-right
 *   far       the photo shrunk 1.6–2.8× into a blurred copy of itself (a person far from the
 *             camera, the scene around them), the whole frame then downscaled to 40–80 % and
 *             colour-jittered, grey half of the time
 *   near      cropped tight around the labelled person (5–35 % margins, cut off at the frame
 *             edge as an ATM camera does), colour-jittered, grey a third of the time
 * `far` and `near` are also mirrored half of the time and re-encoded as JPEG at quality 35–75.
 *
 * Every random choice comes from a generator seeded by (seed, photo name, variant), so the same
 * data and seed give the same frames on every run.
 */
import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import type { Box, RgbFrame } from '../pipeline/types.js';

export const AUGMENTATIONS = ['original', 'flip', 'far', 'near'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

export interface Variant {
  frame: RgbFrame;
  boxes: Box[];
}

/** mulberry32: small, fast, and the same on every platform. */
export function seededRandom(...parts: (string | number)[]): () => number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let state = digest.readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (random: () => number, lo: number, hi: number): number => lo + (hi - lo) * random();

export async function augment(frame: RgbFrame, boxes: readonly Box[], kind: Augmentation, seed: number, name: string): Promise<Variant> {
  const random = seededRandom(seed, name, kind);
  switch (kind) {
    case 'original':
      return { frame, boxes: [...boxes] };
    case 'flip':
      return flip(frame, boxes);
    case 'far':
      return finish(await far(frame, boxes, random), random, 0.5);
    case 'near':
      return finish(await near(frame, boxes, random), random, 1 / 3);
  }
}

const raw = (f: RgbFrame): Sharp => sharp(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength), { raw: { width: f.width, height: f.height, channels: 3 } });

async function toFrame(image: Sharp): Promise<RgbFrame> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`augment: expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function flip(frame: RgbFrame, boxes: readonly Box[]): Variant {
  const { width, height, data } = frame;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      out[to] = data[from] as number;
      out[to + 1] = data[from + 1] as number;
      out[to + 2] = data[from + 2] as number;
    }
  }
  return { frame: { data: out, width, height }, boxes: boxes.map((b): Box => [width - b[2], b[1], width - b[0], b[3]]) };
}

async function far(frame: RgbFrame, boxes: readonly Box[], random: () => number): Promise<Variant> {
  const { width, height } = frame;
  const zoom = between(random, 1.6, 2.8);
  const w = Math.max(8, Math.round(width / zoom));
  const h = Math.max(8, Math.round(height / zoom));
  const left = Math.floor(random() * (width - w + 1));
  const top = Math.floor(random() * (height - h + 1));
  const small = await raw(frame).resize(w, h).png({ compressionLevel: 0 }).toBuffer();
  const background = raw(frame).blur(Math.max(4, width / 40)).modulate({ brightness: 0.85 });
  const composed = await toFrame(sharp(await background.png({ compressionLevel: 0 }).toBuffer()).composite([{ input: small, left, top }]));
  const down = between(random, 0.4, 0.8);
  const outW = Math.max(16, Math.round(width * down));
  const outH = Math.max(16, Math.round(height * down));
  const scaled = await toFrame(raw(composed).resize(outW, outH));
  const sx = (w / width) * (outW / width);
  const sy = (h / height) * (outH / height);
  const ox = left * (outW / width);
  const oy = top * (outH / height);
  return { frame: scaled, boxes: boxes.map((b): Box => [ox + b[0] * sx, oy + b[1] * sy, ox + b[2] * sx, oy + b[3] * sy]) };
}

async function near(frame: RgbFrame, boxes: readonly Box[], random: () => number): Promise<Variant> {
  const box = boxes[0];
  if (!box) return { frame, boxes: [] };
  const bw = box[2] - box[0];
  const bh = box[3] - box[1];
  const x1 = Math.max(0, Math.floor(box[0] - between(random, 0.05, 0.35) * bw));
  const y1 = Math.max(0, Math.floor(box[1] - between(random, 0.05, 0.35) * bh));
  // The bottom margin may be negative: ATM cameras often cut the customer off at the chest.
  const x2 = Math.min(frame.width, Math.ceil(box[2] + between(random, 0.05, 0.35) * bw));
  const y2 = Math.min(frame.height, Math.ceil(box[3] + between(random, -0.3, 0.2) * bh));
  if (x2 - x1 < 16 || y2 - y1 < 16) return { frame, boxes: [...boxes] };
  const cropped = await toFrame(raw(frame).extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 }));
  const clip = (b: Box): Box => [
    Math.max(0, b[0] - x1), Math.max(0, b[1] - y1), Math.min(x2 - x1, b[2] - x1), Math.min(y2 - y1, b[3] - y1),
  ];
  return { frame: cropped, boxes: boxes.map(clip) };
}

/** Grey with probability `greyChance`, brightness and contrast jitter, mirror half of the time, JPEG. */
async function finish(v: Variant, random: () => number, greyChance: number): Promise<Variant> {
  const grey = random() < greyChance;
  const gain = between(random, 0.6, 1.3);
  const contrast = between(random, 0.7, 1.2);
  const mirror = random() < 0.5;
  const quality = Math.round(between(random, 35, 75));
  const d = v.frame.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    let r = d[i] as number;
    let g = d[i + 1] as number;
    let b = d[i + 2] as number;
    if (grey) r = g = b = 0.299 * r + 0.587 * g + 0.114 * b;
    out[i] = clampByte((r - 128) * contrast * gain + 128 * gain);
    out[i + 1] = clampByte((g - 128) * contrast * gain + 128 * gain);
    out[i + 2] = clampByte((b - 128) * contrast * gain + 128 * gain);
  }
  let result: Variant = { frame: { ...v.frame, data: out }, boxes: v.boxes };
  if (mirror) result = flip(result.frame, result.boxes);
  const jpeg = await raw(result.frame).jpeg({ quality }).toBuffer();
  return { frame: await toFrame(sharp(jpeg)), boxes: result.boxes };
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
