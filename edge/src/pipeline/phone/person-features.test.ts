/**
 * The phone head's input on a drawn scene: a person facing the camera (keypoints as the pose model
 * gives them) with a phone painted at the right ear, a cup painted at the mouth and a phone in the
 * left hand. Each painted object must show up in its own region's features and not in the others,
 * which is what lets the head tell a call from drinking. The drawing, with the regions over it,
 * goes to artifacts/phone-regions.png for a reviewer.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Box, Keypoint, KeypointName } from '../types.js';
import { DEFAULT_PHONE_RULE } from './classify.js';
import type { FeatureMap, PoolRegion } from './feature-map.js';
import { featureCount, featureNames, GEOMETRY_FEATURES, personFeatures, personRegions } from './person-features.js';
import { measurePhoneGeometry } from './phone-geometry.js';

const W = 400;
const H = 400;

function person(overrides: Partial<Record<KeypointName, [number, number]>> = {}): { box: Box; keypoints: Keypoint[] } {
  const base: Record<KeypointName, [number, number]> = {
    nose: [200, 84], leftEye: [188, 72], rightEye: [212, 72], leftEar: [170, 80], rightEar: [230, 80],
    leftShoulder: [140, 150], rightShoulder: [260, 150], leftElbow: [130, 230], rightElbow: [280, 190],
    leftWrist: [150, 290], rightWrist: [236, 96], leftHip: [160, 300], rightHip: [240, 300],
    leftKnee: [160, 360], rightKnee: [240, 360], leftAnkle: [160, 395], rightAnkle: [240, 395],
  };
  const all = { ...base, ...overrides };
  return { box: [110, 30, 290, 400], keypoints: (Object.keys(all) as KeypointName[]).map((name) => ({ name, x: all[name][0], y: all[name][1], score: 0.9 })) };
}

/** Channels: 0 phone, 1 cup; painted in frame pixels onto a 100×100 map of the 400×400 frame. */
function paintedMap(paint: { channel: number; box: Box }[]): FeatureMap {
  const size = 100;
  const data = new Float32Array(size * size * 2);
  for (const { channel, box } of paint) {
    for (let y = Math.floor(box[1] / 4); y < Math.ceil(box[3] / 4); y++) {
      for (let x = Math.floor(box[0] / 4); x < Math.ceil(box[2] / 4); x++) data[(y * size + x) * 2 + channel] = 1;
    }
  }
  return { data, height: size, width: size, channels: 2, region: { x: 0, y: 0, width: W, height: H }, inputWidth: 400, inputHeight: 400 };
}

const PHONE_AT_EAR: Box = [232, 70, 252, 110];
const CUP_AT_MOUTH: Box = [190, 96, 212, 120];
const PHONE_IN_HAND: Box = [140, 296, 166, 322];

function features(p: ReturnType<typeof person>, map: FeatureMap): Map<string, number> {
  const geometry = measurePhoneGeometry(p, [], DEFAULT_PHONE_RULE);
  const v = personFeatures({ ...p, geometry }, { features: map, heatmap: map });
  const names = featureNames(map.channels, map.channels);
  expect(v).toHaveLength(featureCount(map.channels, map.channels));
  return new Map(names.map((n, i) => [n, v[i] as number]));
}

async function drawScene(file: string, regions: { region: PoolRegion; colour: string }[], painted: Box[]): Promise<void> {
  const rect = (x: number, y: number, w: number, h: number, stroke: string, fill = 'none'): string =>
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`;
  const kp = person().keypoints.map((k) => `<circle cx="${k.x}" cy="${k.y}" r="4" fill="#2a2"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#fff"/>` +
    painted.map((b) => rect(b[0], b[1], b[2] - b[0], b[3] - b[1], '#000', '#999')).join('') + kp +
    regions.map(({ region: r, colour }) => rect(r.cx - r.halfWidth, r.cy - r.halfHeight, 2 * r.halfWidth, 2 * r.halfHeight, colour)).join('') + '</svg>';
  await mkdir(join(process.cwd(), 'artifacts'), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

describe('phone head features', () => {
  it('places the face, both ears and the hands by the keypoints, sized in head sizes', async () => {
    const p = person();
    const g = measurePhoneGeometry(p, [], DEFAULT_PHONE_RULE);
    const r = personRegions({ ...p, geometry: g });
    // Head size: ears 60 px apart, shoulders 120 px (half: 60), eyes 24 (twice: 48) → 60.
    expect(g.headSize).toBeCloseTo(60, 5);
    expect(r.face.cx).toBeCloseTo(200, 0);
    expect(r.face.cy).toBeGreaterThan(g.headCentre!.y);
    expect(r.ears.map((e) => e.cx)).toEqual([expect.closeTo(155, 0), expect.closeTo(245, 0)]);
    expect(r.ears.every((e) => Math.abs(e.halfWidth - 0.45 * 60) < 1e-9)).toBe(true);
    expect(r.hands).toHaveLength(2);
    // Hands sit a little past the wrist along the forearm.
    expect(r.hands[0]!.cy).toBeGreaterThan(290);
    await drawScene(join(process.cwd(), 'artifacts', 'phone-regions.png'), [
      { region: r.face, colour: '#d80' },
      ...r.ears.map((region) => ({ region, colour: '#c00' })),
      ...r.hands.map((region) => ({ region, colour: '#00c' })),
    ], [PHONE_AT_EAR, CUP_AT_MOUTH, PHONE_IN_HAND]);
  });

  it('a phone at the ear shows in the ear features, not the face; a cup at the mouth the other way round', () => {
    const call = features(person(), paintedMap([{ channel: 0, box: PHONE_AT_EAR }]));
    expect(call.get('ear.max.0')).toBeGreaterThan(0.9);
    expect(call.get('face.max.0')).toBeLessThan(0.1);
    const drinking = features(person(), paintedMap([{ channel: 1, box: CUP_AT_MOUTH }]));
    expect(drinking.get('face.max.1')).toBeGreaterThan(0.9);
    expect(drinking.get('ear.max.1')).toBeLessThan(0.3);
    expect(drinking.get('ear.max.0')).toBe(0);
  });

  it('is the same for the phone at either ear (a mirrored camera gives the same vector)', () => {
    const right = features(person(), paintedMap([{ channel: 0, box: PHONE_AT_EAR }]));
    const left = features(person(), paintedMap([{ channel: 0, box: [W - PHONE_AT_EAR[2], PHONE_AT_EAR[1], W - PHONE_AT_EAR[0], PHONE_AT_EAR[3]] }]));
    expect(left.get('ear.max.0')).toBeCloseTo(right.get('ear.max.0')!, 5);
    expect(left.get('ear.mean.0')).toBeCloseTo(right.get('ear.mean.0')!, 5);
  });

  it('a phone in the lowered hand shows in the hand features', () => {
    const f = features(person(), paintedMap([{ channel: 0, box: PHONE_IN_HAND }]));
    expect(f.get('hand.max.0')).toBeGreaterThan(0.9);
    expect(f.get('ear.max.0')).toBe(0);
  });

  it('carries the rule geometry, and zeros for hands that are not seen', () => {
    const hidden = person();
    hidden.keypoints = hidden.keypoints.map((k) => (k.name.endsWith('Wrist') ? { ...k, score: 0.01 } : k));
    const f = features(hidden, paintedMap([{ channel: 0, box: PHONE_IN_HAND }]));
    expect(f.get('noWrist')).toBe(1);
    expect(f.get('hand.max.0')).toBe(0);
    expect(f.get('wristToHead')).toBe(1);
    const seen = features(person(), paintedMap([]));
    expect(seen.get('handAtEar')).toBeGreaterThan(0.9);
    expect(seen.get('elbowRaised')).toBe(1);
    expect(GEOMETRY_FEATURES.every((n) => seen.has(n))).toBe(true);
  });
});
