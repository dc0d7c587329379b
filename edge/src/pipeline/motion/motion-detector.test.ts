/**
 * The motion check on real footage (the opencv photos and pedestrian video, through ffmpeg): a
 * still reads still, the street reads motion, a frozen picture wakes on its first moving frame,
 * lighting changes are compensated or taken as one reset, and a small blinking light is flicker.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../../test/fixtures.js';
import { cameraFrames } from '../../../test/media-clips.js';
import { blinkingSquare, frozenThenMoving, lightingRamp, lightingStep, personWalksIn, stillEmptyScene } from '../../../test/motion-clips.js';
import { parseConfig } from '../../config/load.js';
import { MotionDetector, type MotionKind, type MotionOptions, type MotionReading } from './motion-detector.js';

const DEFAULTS: MotionOptions = parseConfig({ cameras: [{ id: 'cam1', source: '/dev/null' }] }).cameras[0]!.analysis.motion;

/** The reading of every frame of `clip` at 5 fps, 640 px wide, as a camera's pipeline would see it. */
async function readings(clip: string, options: MotionOptions = DEFAULTS): Promise<(MotionReading & { ptsMs: number })[]> {
  const detector = new MotionDetector(options);
  const out: (MotionReading & { ptsMs: number })[] = [];
  for await (const frame of cameraFrames(clip, 5, 640, 0)) out.push({ ptsMs: frame.ptsMs, ...detector.observe(frame, frame.ptsMs) });
  return out;
}

const kinds = (rs: { kind: MotionKind }[]): MotionKind[] => rs.map((r) => r.kind);

let dir: string;
beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-motion-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MotionDetector on real footage', () => {
  it('reads a still scene as still after the first frame, which sets the background', async () => {
    const rs = await readings(stillEmptyScene(dir, 6));
    expect(rs).toHaveLength(30);
    expect(kinds(rs)).toEqual(['reset', ...Array<MotionKind>(29).fill('still')]);
  });

  it('reads the pedestrian street as motion on almost every frame', async () => {
    const rs = await readings(PEDESTRIAN_VIDEO);
    const motion = rs.filter((r) => r.kind === 'motion').length;
    expect(rs.length).toBeGreaterThan(300);
    expect(motion / rs.length).toBeGreaterThan(0.95);
  });

  it('reads a frozen picture as still and wakes on its first moving frame', async () => {
    // The first picture is held for 3 s; the video's next picture comes at 3.1 s, the 5 fps frame at 3.2 s.
    const rs = await readings(frozenThenMoving(dir, 3, 5));
    expect(kinds(rs.filter((r) => r.ptsMs > 0 && r.ptsMs <= 3000)).every((k) => k === 'still')).toBe(true);
    expect(rs.find((r) => r.ptsMs === 3200)?.kind).toBe('motion');
  });

  it('wakes on the first frame showing a person walking into an empty scene', async () => {
    const rs = await readings(personWalksIn(dir, 3, 5));
    expect(kinds(rs.filter((r) => r.ptsMs > 0 && r.ptsMs <= 3000)).every((k) => k === 'still')).toBe(true);
    expect(kinds(rs.filter((r) => r.ptsMs >= 3200)).every((k) => k === 'motion')).toBe(true);
  });

  it('compensates a steady brightening the background lags far behind: still throughout', async () => {
    const rs = await readings(lightingRamp(dir, 0.06, 5, 7));
    expect(kinds(rs.slice(1)).every((k) => k === 'still')).toBe(true);
    // Uncompensated, the lag alone would exceed the pixel threshold on every pixel.
    expect(Math.max(...rs.map((r) => r.offset))).toBeGreaterThan(1.5 * DEFAULTS.pixelThreshold);
  });

  it.each([
    ['lights brightening, a reset', 'brightness=0.15', 1],
    ['a contrast step with clipped highlights, a reset', 'contrast=1.8:brightness=0.1', 1],
    ['a gamma change, a reset', 'gamma=1.8', 1],
    ['lights dimming with less contrast, a reset', 'contrast=0.5:brightness=-0.2', 1],
  ])('takes %s, never as motion', async (_name, eq, resets) => {
    const rs = await readings(lightingStep(dir, eq, 3.3, 6));
    expect(rs.filter((r) => r.kind === 'motion')).toEqual([]);
    expect(rs.slice(1).filter((r) => r.kind === 'reset')).toHaveLength(resets);
  });

  it('ignores a small light blinking, but not a large one', async () => {
    // 16 px of a 640 px frame is under the minimum area; 64 px is well over it.
    const small = await readings(blinkingSquare(dir, 16, 4));
    expect(kinds(small.slice(1)).every((k) => k === 'still')).toBe(true);
    const large = await readings(blinkingSquare(dir, 64, 4));
    expect(large.slice(1).filter((r) => r.kind === 'motion').length).toBeGreaterThan(large.length / 2);
  });

  it('sees the small light with a smaller minimum area: the threshold is what decides', async () => {
    const rs = await readings(blinkingSquare(dir, 16, 4), { ...DEFAULTS, minArea: 0.0003 });
    expect(rs.slice(1).filter((r) => r.kind === 'motion').length).toBeGreaterThan(rs.length / 2);
  });
});

describe('MotionDetector resets', () => {
  it('starts again on a new frame size and when time goes back, without calling either motion', async () => {
    const frames = [];
    for await (const f of cameraFrames(stillEmptyScene(dir, 2), 5, 640, 0)) frames.push(f);
    const detector = new MotionDetector(DEFAULTS);
    const small = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(90) };
    expect(detector.observe(frames[0]!, 0).kind).toBe('reset');
    expect(detector.observe(frames[1]!, 200).kind).toBe('still');
    expect(detector.observe(small, 400).kind).toBe('reset');
    expect(detector.observe(small, 600).kind).toBe('still');
    expect(detector.observe(frames[2]!, 800).kind).toBe('reset');
    expect(detector.observe(frames[3]!, 100).kind).toBe('reset');
    expect(detector.observe(frames[4]!, 300).kind).toBe('still');
  });
});
