/**
 * The whole perception core on real photographs with the real converted models (prepared by the
 * global test setup), through the worker pool as production runs it.
 */
import type { ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, FrameAnalysis, PersonResult, RgbFrame } from '../types.js';
import { waitUntil } from '../../../test/wait-until.js';
import { startAnalyzerPool, type AnalyzerPool } from './analyzer-pool.js';

const DATA = '/usr/share/doc/opencv-doc/examples/data';

async function decode(file: string): Promise<RgbFrame> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // A Buffer may share a pooled ArrayBuffer; give the frame a buffer of its own.
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const width = (b: Box): number => b[2] - b[0];
const height = (b: Box): number => b[3] - b[1];

function largest(analysis: FrameAnalysis): PersonResult {
  const [first] = analysis.people;
  if (!first) throw new Error(`no person found in a ${analysis.width}x${analysis.height} frame`);
  return first;
}

/** Confident keypoints lie inside the person box grown by a quarter of its size on each side. */
function expectKeypointsNearBox(person: PersonResult): void {
  const [x1, y1, x2, y2] = person.box;
  const mx = width(person.box) / 4;
  const my = height(person.box) / 4;
  const confident = person.keypoints.filter((k) => k.score >= 0.3);
  expect(confident.length).toBeGreaterThanOrEqual(10);
  for (const k of confident) {
    expect(k.x, k.name).toBeGreaterThanOrEqual(x1 - mx);
    expect(k.x, k.name).toBeLessThanOrEqual(x2 + mx);
    expect(k.y, k.name).toBeGreaterThanOrEqual(y1 - my);
    expect(k.y, k.name).toBeLessThanOrEqual(y2 + my);
  }
}

describe('analyzer pool on real images (centernet + movenet-lightning)', () => {
  let pool: AnalyzerPool;

  beforeAll(async () => {
    pool = await startAnalyzerPool({ threads: 1 });
  });

  afterAll(async () => {
    await pool.close();
    expect(pool.running()).toBe(0);
  });

  it('finds the basketball player standing full-length with a plausible skeleton', async () => {
    const frame = await decode(`${DATA}/basketball1.png`); // 640x480, one player on the left
    const analysis = await pool.analyze(frame);
    expect(analysis).toMatchObject({ width: 640, height: 480 });
    const person = largest(analysis);
    expect(person.score).toBeGreaterThanOrEqual(0.4);
    // The player stands in the left third and spans most of the height.
    expect(person.box[0]).toBeLessThan(100);
    expect(person.box[2]).toBeLessThan(260);
    expect(height(person.box)).toBeGreaterThan(300);
    expect(width(person.box)).toBeGreaterThan(80);
    expectKeypointsNearBox(person);
    // Upright: head above shoulders above hips above ankles.
    const y = (name: string): number => person.keypoints.find((k) => k.name === name)?.y ?? NaN;
    expect(y('nose')).toBeLessThan(y('leftShoulder'));
    expect(y('leftShoulder')).toBeLessThan(y('leftHip'));
    expect(y('leftHip')).toBeLessThan(y('leftAnkle'));
    expect(['call', 'hand', 'none']).toContain(person.phone);
    expect(person.evidence.reason).toBeTruthy();
    for (const t of Object.values(analysis.timings)) expect(t).toBeGreaterThan(0);
  });

  it('finds the running footballer in messi5.jpg', async () => {
    const analysis = await pool.analyze(await decode(`${DATA}/messi5.jpg`)); // 548x342
    const person = largest(analysis);
    expect(width(person.box)).toBeGreaterThan(150);
    expect(height(person.box)).toBeGreaterThan(150);
    // His torso is around x 190..300, y 100..250.
    expect(person.box[0]).toBeLessThan(190);
    expect(person.box[2]).toBeGreaterThan(300);
    expectKeypointsNearBox(person);
    expect(analysis.objects.some((o) => o.label === 'sports ball')).toBe(true);
  });

  it('sees no person in a picture of fruit', async () => {
    const analysis = await pool.analyze(await decode(`${DATA}/fruits.jpg`));
    expect(analysis.people).toEqual([]);
  });

  it('the learned phone head decides by default, with its probabilities and the rule\'s verdict in the evidence', async () => {
    const analysis = await pool.analyze(await decode(`${DATA}/messi5.jpg`));
    const person = largest(analysis);
    const head = person.evidence.head!;
    expect(head.call + head.hand + head.none).toBeCloseTo(1, 2);
    expect(person.phone).toBe('none');
    expect(person.evidence.rule).toEqual({ phone: 'none', phoneScore: expect.any(Number) });
    expect(person.features).toBeUndefined();
    expect(analysis.timings.phoneMs).toBeGreaterThan(0);
  });

  it('answers for hint boxes in order, attaching feature vectors on request', async () => {
    const frame = await decode(`${DATA}/basketball1.png`);
    const plain = await pool.analyze(frame);
    const player = largest(plain).box;
    // A hint on the player is the detected player; one in an empty corner is analysed as given.
    const corner: Box = [560, 10, 630, 90];
    const analysis = await pool.analyze(frame, { hints: [corner, player], features: true });
    expect(analysis.hinted).toHaveLength(2);
    expect(analysis.hinted![0]!.box).toEqual(corner);
    expect(analysis.hinted![0]!.score).toBe(0);
    expect(analysis.hinted![1]!.box).toEqual(player);
    expect(analysis.hinted![1]!.score).toBeGreaterThan(0.4);
    const shape = analysis.featureShape!;
    expect(shape).toEqual({ channels: 128, classes: 80, poseChannels: 1280 });
    for (const p of [...analysis.people, ...analysis.hinted!]) expect(p.features?.length).toBe(3 * (2 * 128 + 80) + 2 * 1280 + 29);
    // The same person gives the same vector whether found or hinted.
    expect(Array.from(analysis.hinted![1]!.features!)).toEqual(Array.from(analysis.people[0]!.features!));
  });
});

describe('a real inference worker that dies', () => {
  it('in the middle of an onnxruntime run, is replaced by one with fresh sessions that gives the same answer', async () => {
    const workers: ChildProcess[] = [];
    const pool = await startAnalyzerPool({ threads: 1, respawnInitialMs: 200 }, { onWorkerReady: (_i, w) => workers.push(w) });
    try {
      const frame = await decode(`${DATA}/basketball1.png`);
      const before = await pool.analyze(frame);
      // Killed while a session runs, as a native crash (SIGSEGV) would end it: when this was a
      // worker thread, ending it here aborted the whole process (onnxruntime-node's Napi::Error).
      const inFlight = pool.analyze(frame);
      await new Promise((r) => setTimeout(r, 20));
      workers[0]!.kill('SIGSEGV');
      await expect(inFlight).rejects.toThrow(/inference worker 0 was killed by SIGSEGV/);
      await waitUntil('the respawned worker', () => pool.running() === 1 && pool.respawns() === 1, 60_000);
      const after = await pool.analyze(frame);
      expect(after.people.map((p) => p.box)).toEqual(before.people.map((p) => p.box));
      expect(after.people[0]!.phone).toBe(before.people[0]!.phone);
    } finally {
      await pool.close();
    }
    expect(pool.running()).toBe(0);
  }, 120_000);
});
