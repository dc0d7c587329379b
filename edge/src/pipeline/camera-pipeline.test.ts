/**
 * The camera loop on real video: perception, tracking and behaviours together, as issue 3 asks:
 * a person standing still in a rack zone raises exactly one emoney_lingering event, people walking
 * through do not; a phone call held in an ATM zone raises phone_at_atm, the same without a phone
 * does not. Motion gating on the same real footage: a static empty scene is gated apart from the
 * idle sweeps, a person moving in is analysed from the first frame they show, a lighting step is one
 * analysed frame, and nothing is gated while a track is live.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVAL_ROOT, hasEvalSet, OPENCV_DATA, PEDESTRIAN_VIDEO, PERSON_PHOTO, requireOpencvData, warnIfNoEvalSet } from '../../test/fixtures.js';
import { cameraFrames, stillClip } from '../../test/media-clips.js';
import { frozenThenMoving, lightingStep, personWalksIn, stillEmptyScene } from '../../test/motion-clips.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { parseConfig } from '../config/load.js';
import type { CameraConfig } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import type { AnalyzerPool } from './analyze/analyzer-pool.js';
import { createPerception } from './analyze/perception.js';
import type { BehaviourEvent } from './behaviours/types.js';
import { CameraPipeline, analysisRequest, type CameraFrame, type EventSink, type FrameAnalyzerService } from './camera-pipeline.js';
import { footPoint } from './behaviours/zone-membership.js';
import type { FrameAnalysis } from './types.js';

const START = Date.UTC(2026, 10, 25, 1, 0, 0);
const WHOLE_FRAME: [number, number][] = [[0, 0], [1, 0], [1, 1], [0, 1]];

function camera(zones: unknown[], analysis: Record<string, unknown> = {}): CameraConfig {
  return parseConfig({ cameras: [{ id: 'cam1', source: '/dev/null', zones, analysis }] }).cameras[0]!;
}

class CollectingSink implements EventSink {
  readonly events: BehaviourEvent[] = [];
  snapshots = 0;
  async handle(event: BehaviourEvent, frame: { data: Uint8Array } | null): Promise<void> {
    this.events.push(event);
    if (frame && frame.data.length > 0) this.snapshots += 1;
  }
}

async function runClip(cam: CameraConfig, clip: string, fps: number, pool: AnalyzerPool = perception): Promise<CollectingSink> {
  const sink = new CollectingSink();
  const pipeline = new CameraPipeline(cam, { perception: pool, sink, log: createLogger('test', { level: 'error' }) });
  await pipeline.run(cameraFrames(clip, fps, 640, START));
  return sink;
}

let perception: AnalyzerPool;
let dir: string;
beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-pipeline-'));
  perception = await createPerception(parseConfig({}).perception);
});
afterAll(async () => {
  await perception?.close();
});

describe('camera pipeline on real video', () => {
  it('raises exactly one emoney_lingering event for a person standing still past dwellSeconds', async () => {
    const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 30, join(dir, 'standing.mp4'));
    const sink = await runClip(camera([{ id: 'cards', kind: 'emoney_rack', dwellSeconds: 20, polygon: WHOLE_FRAME }]), clip, 2);
    const lingering = sink.events.filter((e) => e.behaviour === 'emoney_lingering');
    expect(lingering.filter((e) => e.type === 'start')).toHaveLength(1);
    expect(lingering.filter((e) => e.type === 'end')).toHaveLength(1);
    const start = lingering.find((e) => e.type === 'start')!;
    const end = lingering.find((e) => e.type === 'end')!;
    expect(start.startedAtMs - START).toBeGreaterThanOrEqual(20_000);
    expect(start.startedAtMs - START).toBeLessThan(23_000);
    expect(end.dwellSeconds).toBeGreaterThan(27);
    expect(end.dwellSeconds).toBeLessThanOrEqual(30);
    expect(start.severity).toBe('medium');
    expect(sink.snapshots).toBeGreaterThanOrEqual(1);
    expect(sink.events.some((e) => e.behaviour === 'phone_at_atm')).toBe(false);
  });

  it('raises nothing for people walking through a rack zone', async () => {
    const clip = await cutH264Clip(dir, 30, 'street.mp4');
    // A strip across the pavement: walkers cross it in a few seconds.
    const strip: [number, number][] = [[0.45, 0], [0.55, 0], [0.55, 1], [0.45, 1]];
    const sink = await runClip(camera([
      { id: 'cards', kind: 'emoney_rack', dwellSeconds: 15, polygon: strip },
      // The same strip with a 1 s dwell proves people really were tracked through it.
      { id: 'control', kind: 'emoney_rack', dwellSeconds: 1, polygon: strip },
    ]), clip, 2);
    expect(sink.events.filter((e) => e.zoneId === 'control' && e.type === 'start').length).toBeGreaterThan(0);
    expect(sink.events.filter((e) => e.zoneId === 'cards')).toEqual([]);
  });
});

describe('camera pipeline when frames fail', () => {
  it('skips, counts and logs (rate-limited) frames the worker cannot analyse, and goes on', async () => {
    const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 5, join(dir, 'bad-frames.mp4'));
    // Every third frame arrives cut short: the real worker rejects it ("Expected N bytes").
    async function* damaged(): AsyncGenerator<CameraFrame> {
      for await (const f of cameraFrames(clip, 2, 640, START)) yield f.seq % 3 === 0 ? { ...f, data: f.data.subarray(0, 10) } : f;
    }
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const pipeline = new CameraPipeline(camera([]), { perception, sink: new CollectingSink(), log });
    await pipeline.run(damaged());
    expect(pipeline.stats.frameErrors).toBe(4); // seq 0, 3, 6, 9 of 10
    expect(pipeline.stats.frames).toBe(6);
    expect(pipeline.stats.lastFrameError).toMatch(/inference worker 0 could not analyse a 640x480 frame: Expected 921600 bytes/);
    expect(pipeline.stats.analysedAtMs).not.toBeNull();
    // One line for the first failure; the rest within the minute are only counted.
    const errors = lines.filter((l) => l.msg === 'frame not analysed');
    expect(errors).toEqual([expect.objectContaining({ camera: 'cam1', seq: 0, frameErrors: 1 })]);
  });
});

warnIfNoEvalSet();

describe.skipIf(!hasEvalSet)('phone_at_atm on a real phone-call photo held 10 s', () => {
  const atmZone = { id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: WHOLE_FRAME };

  it('raises a high-severity phone_at_atm event for the call', async () => {
    const clip = stillClip(join(EVAL_ROOT, 'images/phone_call/s40_phoning_170.jpg'), 10, join(dir, 'call.mp4'));
    const sink = await runClip(camera([atmZone]), clip, 5);
    const starts = sink.events.filter((e) => e.behaviour === 'phone_at_atm' && e.type === 'start');
    expect(starts).toHaveLength(1);
    expect(starts[0]!.severity).toBe('high');
    expect(starts[0]!.atmId).toBe('atm1');
    // minSeconds (3 s) of sustained call after the tracker confirms the person and its phone state settles.
    expect(starts[0]!.startedAtMs - START).toBeGreaterThanOrEqual(3_000);
    expect(starts[0]!.startedAtMs - START).toBeLessThan(6_000);
  });

  it('raises nothing for the same kind of scene without a phone', async () => {
    const clip = stillClip(PERSON_PHOTO, 10, join(dir, 'nophone.mp4'));
    const sink = await runClip(camera([atmZone]), clip, 5);
    expect(sink.events).toEqual([]);
  });
});

describe.skipIf(!hasEvalSet)('behaviours on real phone videos from the development set', () => {
  const zones = [
    { id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: WHOLE_FRAME },
    { id: 'cards', kind: 'emoney_rack', dwellSeconds: 5, polygon: WHOLE_FRAME },
  ];

  it('a woman walking a corridor on a call: one high phone_at_atm, and lingering at high severity', async () => {
    const sink = await runClip(camera(zones), join(EVAL_ROOT, 'videos/pexels4105024_phone_call_corridor.mp4'), 5);
    const starts = sink.events.filter((e) => e.type === 'start');
    expect(starts.filter((e) => e.behaviour === 'phone_at_atm')).toEqual([expect.objectContaining({ severity: 'high', phone: 'call' })]);
    expect(starts.filter((e) => e.behaviour === 'emoney_lingering')).toEqual([expect.objectContaining({ severity: 'high' })]);
    expect(sink.events.filter((e) => e.type === 'end')).toHaveLength(2);
  });

  it('a person holding a phone (not at the ear): never a call; the rule raises phone_at_atm of medium severity', async () => {
    const clip = join(EVAL_ROOT, 'videos/pexels3252428_holding_phone.mp4');
    // The learned head (default) misses this phone in the hand (models/README.md, known weak spots),
    // but must not turn it into a call.
    const learned = await runClip(camera(zones), clip, 5);
    expect(learned.events.filter((e) => e.behaviour === 'phone_at_atm' && e.severity === 'high')).toEqual([]);
    const rulePool = await createPerception(parseConfig({ perception: { phone: { method: 'rule' } } }).perception);
    try {
      const sink = await runClip(camera(zones), clip, 5, rulePool);
      const atm = sink.events.filter((e) => e.behaviour === 'phone_at_atm' && e.type === 'start');
      expect(atm).toHaveLength(1);
      expect(atm[0]).toMatchObject({ severity: 'medium', phone: 'hand' });
    } finally {
      await rulePool.close();
    }
  });
});

/** One frame through the pipeline, as seen from outside it. */
interface Step {
  ptsMs: number;
  /** The pipeline held a track (any state) when the frame came. */
  trackedBefore: boolean;
  /** The frame was sent to perception. */
  analysed: boolean;
  tracksAfter: number;
}

/** Runs a clip frame by frame through a pipeline whose perception is the real pool, counting the frames sent to it. */
async function stepThrough(cam: CameraConfig, clip: string, fps: number): Promise<{ steps: Step[]; pipeline: CameraPipeline }> {
  let calls = 0;
  const counted: FrameAnalyzerService = { analyze: (frame, request) => { calls += 1; return perception.analyze(frame, request); } };
  const pipeline = new CameraPipeline(cam, { perception: counted, sink: new CollectingSink(), log: createLogger('test', { level: 'error' }) });
  const steps: Step[] = [];
  for await (const frame of cameraFrames(clip, fps, 640, START)) {
    const trackedBefore = (pipeline.liveFrame()?.tracks.length ?? 0) > 0;
    const before = calls;
    await pipeline.process(frame);
    const live = pipeline.liveFrame()!;
    // The live view shows the newest frame, whether it was analysed or gated.
    expect(live.frame).toBe(frame);
    steps.push({ ptsMs: frame.ptsMs, trackedBefore, analysed: calls > before, tracksAfter: live.tracks.length });
  }
  await pipeline.finish();
  return { steps, pipeline };
}

const analysedAt = (steps: Step[]): number[] => steps.filter((s) => s.analysed).map((s) => s.ptsMs);

describe('motion gating on real video', () => {
  it('gates a static empty scene apart from one idle sweep per 1/idleFps s, and counts it', async () => {
    const clip = stillEmptyScene(dir, 10);
    const { steps, pipeline } = await stepThrough(camera([]), clip, 5);
    expect(steps).toHaveLength(50);
    expect(analysedAt(steps)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    expect(pipeline.stats).toMatchObject({ frames: 10, gated: 40, frameErrors: 0 });
    expect(pipeline.stats.motionMs).toBeGreaterThan(0);

    const faster = await stepThrough(camera([], { idleFps: 2.5 }), clip, 5);
    expect(analysedAt(faster.steps)).toEqual(Array.from({ length: 25 }, (_, i) => i * 400));
    expect(faster.pipeline.stats).toMatchObject({ frames: 25, gated: 25 });
  });

  it('analyses every frame with gating off', async () => {
    const { steps, pipeline } = await stepThrough(camera([], { motion: { enabled: false } }), stillEmptyScene(dir, 4), 5);
    expect(steps.every((s) => s.analysed)).toBe(true);
    expect(pipeline.stats).toMatchObject({ frames: 20, gated: 0, motionMs: 0 });
  });

  it('wakes on the first frame a person moves into view, and follows them at the full rate', async () => {
    // The person's first pixels enter at 3.0 s; the 5 fps frames show them from 3.2 s on.
    const { steps, pipeline } = await stepThrough(camera([]), personWalksIn(dir, 3, 7), 5);
    expect(analysedAt(steps.filter((s) => s.ptsMs <= 3000))).toEqual([0, 1000, 2000, 3000]);
    expect(steps.find((s) => s.ptsMs === 3200)).toMatchObject({ analysed: true });
    // Found and tracked from there on, so nothing more is gated.
    expect(steps.some((s) => s.tracksAfter > 0)).toBe(true);
    expect(steps.filter((s) => s.ptsMs >= 3200).every((s) => s.analysed)).toBe(true);
    expect(pipeline.stats.gated).toBe(12);
  });

  it('never gates while a track is live, even on a frozen picture with nothing moving', async () => {
    const { steps, pipeline } = await stepThrough(camera([]), frozenThenMoving(dir, 3, 5), 5);
    const frozen = steps.filter((s) => s.ptsMs < 3000);
    // The pedestrians in the frozen picture are found on the first frame and tracked throughout.
    expect(frozen.filter((s) => s.trackedBefore).length).toBeGreaterThanOrEqual(frozen.length - 1);
    expect(steps.filter((s) => s.trackedBefore).every((s) => s.analysed)).toBe(true);
    expect(pipeline.stats.gated).toBe(0);
  });

  it('takes a lighting step as one analysed frame, not as motion', async () => {
    // A contrast and brightness step at 4.3 s, too uneven for the lighting fit alone (highlights
    // clip): the first frame showing it replaces the background and is analysed, as a scene change.
    const { steps } = await stepThrough(camera([]), lightingStep(dir, 'contrast=1.8:brightness=0.1', 4.3, 8), 5);
    const analysed = analysedAt(steps);
    expect(analysed.slice(0, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
    const step = analysed[5]!;
    expect(step).toBeGreaterThan(4000);
    expect(step).toBeLessThan(5000);
    // Then only the idle sweeps again, timed from that frame.
    expect(analysed.slice(5)).toEqual([step, step + 1000, step + 2000, step + 3000]);
  });
});

describe('pose only where a phone state is used', () => {
  it('asks for pose near atm and emoney_rack zones only, and for everyone on a camera without zones', () => {
    const zones = camera([
      { id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: WHOLE_FRAME },
      { id: 'till', kind: 'register', polygon: WHOLE_FRAME },
      { id: 'cards', kind: 'emoney_rack', polygon: WHOLE_FRAME },
    ]).zones;
    expect(analysisRequest(zones).poseZones?.map((z) => z.id)).toEqual(['atm-front', 'cards']);
    expect(analysisRequest(zones.filter((z) => z.kind === 'register'))).toEqual({ poseZones: [] });
    expect(analysisRequest([])).toEqual({});
  });

  it('on the street video, poses the people at a corner ATM zone and tracks the rest from detections alone', async () => {
    // The left third of the frame: vtest.avi has people walking on both sides of it.
    const corner: [number, number][] = [[0, 0], [0.33, 0], [0.33, 1], [0, 1]];
    const cam = camera([{ id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: corner }], { motion: { enabled: false } });
    const analyses: FrameAnalysis[] = [];
    const recording: FrameAnalyzerService = {
      analyze: async (frame, request) => {
        const a = await perception.analyze(frame, request);
        analyses.push(a);
        return a;
      },
    };
    const pipeline = new CameraPipeline(cam, { perception: recording, sink: new CollectingSink(), log: createLogger('test', { level: 'error' }) });
    let frames = 0;
    for await (const frame of cameraFrames(PEDESTRIAN_VIDEO, 5, 640, START)) {
      await pipeline.process(frame);
      if (++frames === 15) break;
    }
    await pipeline.finish();
    const people = analyses.flatMap((a) => a.people.map((p) => ({ ...p, width: a.width })));
    // Far from the zone (foot point beyond 45% of the width): no pose; well inside it (left 25%): pose.
    const far = people.filter((p) => p.box[0] > 0.45 * p.width);
    const inside = people.filter((p) => footPoint(p.box)[0] < 0.25 * p.width);
    expect(far.length).toBeGreaterThan(5);
    expect(inside.length).toBeGreaterThan(0);
    expect(far.every((p) => p.keypoints.length === 0)).toBe(true);
    expect(inside.every((p) => p.keypoints.length > 0)).toBe(true);
  }, 120_000);
});
