/**
 * The gate's decision on real frames of a still scene, where only the tracks, the idle sweeps and
 * the setting decide: a live track always goes through, sweeps come at idleFps of media time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../../test/fixtures.js';
import { cameraFrames } from '../../../test/media-clips.js';
import { stillEmptyScene } from '../../../test/motion-clips.js';
import { parseConfig } from '../../config/load.js';
import type { CameraFrame } from '../source/camera-source.js';
import { MotionGate, type GateOptions, type GateVerdict } from './motion-gate.js';

function options(analysis: Record<string, unknown> = {}): GateOptions {
  return parseConfig({ cameras: [{ id: 'cam1', source: '/dev/null', analysis }] }).cameras[0]!.analysis;
}

let dir: string;
let frames: CameraFrame[];
beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-gate-'));
  frames = [];
  for await (const f of cameraFrames(stillEmptyScene(dir, 3), 5, 640, 0)) frames.push(f);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The still scene's frames at the given media times, with `tracked` saying when a track is live. */
function verdicts(gate: MotionGate, times: number[], tracked: (i: number) => boolean = () => false): GateVerdict[] {
  return times.map((t, i) => gate.check(frames[i % frames.length]!, t, tracked(i)));
}

describe('MotionGate', () => {
  it('lets the first frame through (it sets the background), then only one idle sweep per second', () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 200);
    expect(verdicts(new MotionGate(options()), times)).toEqual([
      'motion', 'gated', 'gated', 'gated', 'gated', 'sweep', 'gated', 'gated', 'gated', 'gated', 'sweep', 'gated',
    ]);
  });

  it('lets every frame through while a track is live, and times the next sweep from the last frame let through', () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 200);
    expect(verdicts(new MotionGate(options()), times, (i) => i >= 2 && i <= 4)).toEqual([
      'motion', 'gated', 'track', 'track', 'track', 'gated', 'gated', 'gated', 'gated', 'sweep', 'gated', 'gated',
    ]);
  });

  it('takes frame times that jitter: a sweep a little early is on time, but never two within the period', () => {
    const gate = new MotionGate(options({ idleFps: 2.5 }));
    expect(verdicts(gate, [0, 203, 398, 601, 795, 1004, 1199])).toEqual(['motion', 'gated', 'sweep', 'gated', 'sweep', 'gated', 'sweep']);
    // 2 idle frames per second at 5 fps: every third frame, never every second one.
    expect(verdicts(new MotionGate(options({ idleFps: 2 })), [0, 200, 400, 600, 800, 1000, 1200])).toEqual([
      'motion', 'gated', 'gated', 'sweep', 'gated', 'gated', 'sweep',
    ]);
  });

  it('sweeps at once when time goes back (the source restarted)', () => {
    const gate = new MotionGate(options());
    expect(verdicts(gate, [0, 200, 400, 100])).toEqual(['motion', 'gated', 'gated', 'motion']);
  });

  it('lets everything through with gating off, and a frame it cannot measure', () => {
    const off = new MotionGate(options({ motion: { enabled: false } }));
    expect(verdicts(off, [0, 200, 400])).toEqual(['off', 'off', 'off']);
    expect(off.reading).toBeNull();
    const gate = new MotionGate(options());
    verdicts(gate, [0, 200]);
    expect(gate.check({ width: 640, height: 480, data: new Uint8Array(10) }, 400, false)).toBe('motion');
    expect(gate.reading).toBeNull();
  });
});
