/**
 * One camera's analysis loop: frames → motion gate → perception → tracker → behaviours → events.
 * The source owns decoding and reconnects; this loop owns the per-camera state (tracks, presences)
 * and hands every event to the sink. Time comes from the frames, so a file analysed faster than
 * real time yields the same events as a live camera.
 *
 * A frame the motion gate holds back (nothing moves, nobody is tracked) is not sent to the detector
 * but still goes through the tracker and the behaviours as a frame in which nobody was detected.
 * That is exact, not an approximation: the gate only holds frames back while the tracker holds no
 * track at all, and then an empty detection changes nothing but the clock. Presences in their gap
 * still end on time, and a person found by the next analysed frame starts a track one frame
 * interval after the last frame, as without gating.
 */
import type { AnalyzeRequest } from './analyze/frame-analyzer.js';
import type { CameraConfig, ZoneConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { BehaviourEngine } from './behaviours/behaviour-engine.js';
import type { BehaviourEvent, TrackView } from './behaviours/types.js';
import { PersonTracker } from './track/person-tracker.js';
import type { TrackerOptions } from './track/types.js';
import type { CameraFrame } from './source/camera-source.js';
import type { FrameAnalysis, PersonResult, RgbFrame } from './types.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';
import { MotionGate } from './motion/motion-gate.js';

export type { CameraFrame };

export interface FrameAnalyzerService {
  analyze(frame: RgbFrame, request?: AnalyzeRequest): Promise<FrameAnalysis>;
}

/** Zone kinds whose behaviours use a person's phone state: pose runs only for people near them. */
const PHONE_ZONE_KINDS: ReadonlySet<ZoneConfig['kind']> = new Set(['atm', 'emoney_rack']);

/**
 * What to ask of the analysis for these zones: a camera with zones needs pose and the phone
 * decision only near its atm and emoney_rack zones (none at all when it has neither); a camera
 * without zones raises no zone behaviour, and keeps pose for everyone (its live view shows phones).
 */
export function analysisRequest(zones: readonly ZoneConfig[]): AnalyzeRequest {
  return zones.length === 0 ? {} : { poseZones: zones.filter((z) => PHONE_ZONE_KINDS.has(z.kind)) };
}

export interface EventSink {
  /**
   * Persist and publish one lifecycle step; `frame` is the frame it was decided on (for snapshots),
   * or null when events are closed without a frame (camera stopped, day rolled over).
   */
  handle(event: BehaviourEvent, frame: CameraFrame | null): Promise<void>;
}

export interface PipelineStats {
  /** Frames analysed: sent to the detector, and answered. */
  frames: number;
  /** Frames the motion gate kept from the detector (nothing moved, nobody tracked). */
  gated: number;
  events: number;
  /** Exponential moving averages, ms. */
  analyseMs: number;
  trackMs: number;
  /** The motion check, on every frame (0 with gating off). */
  motionMs: number;
  lastFrameAtMs: number | null;
  /** Frames whose analysis failed (worker error or crash): skipped, the loop goes on. */
  frameErrors: number;
  /** The last analysis failure, for the status; null before the first. */
  lastFrameError: string | null;
  /**
   * Wall-clock ms of the last frame analysed (frame times run ahead of it for files): the
   * supervisor's stall clock. Gated frames leave it alone, so a detector failing every frame still
   * shows as stalled on a quiet camera; the idle sweeps keep it going there.
   */
  analysedAtMs: number | null;
}

/**
 * The latest frame (analysed or gated) and its tracks, for the dashboard's live view. The frame is kept by
 * reference (its pixels are not copied) and only a few fields per track are; nothing is encoded
 * per frame: a viewer encodes on request.
 */
export interface LiveFrame {
  readonly frame: CameraFrame;
  /** Tracks after this frame (tentative ones included; the viewer decides what to draw). */
  readonly tracks: readonly TrackView[];
  /** Zones this frame was evaluated against. */
  readonly zones: readonly ZoneConfig[];
}

export interface CameraPipelineDeps {
  perception: FrameAnalyzerService;
  sink: EventSink;
  log: Logger;
  tracker?: Partial<TrackerOptions>;
  /** Wall clock for `analysedAtMs` (default Date.now). */
  now?: () => number;
}

const EMA = 0.1;
const FRAME_ERROR_LOG_MS = 60_000;

export class CameraPipeline {
  private readonly tracker: PersonTracker;
  private readonly engine: BehaviourEngine;
  private day: string | null = null;
  private lastAtMs: number | null = null;
  private zoneList: readonly ZoneConfig[];
  /** Zones set by setZones() and not yet handed to the engine (that happens between two frames). */
  private pendingZones: readonly ZoneConfig[] | null = null;
  private latest: LiveFrame | null = null;
  readonly stats: PipelineStats = {
    frames: 0, gated: 0, events: 0, analyseMs: 0, trackMs: 0, motionMs: 0, lastFrameAtMs: null, frameErrors: 0, lastFrameError: null, analysedAtMs: null,
  };
  private readonly gate: MotionGate;
  /** Tracks the tracker holds after the last frame it saw: while there are any, nothing is gated. */
  private liveTracks = 0;
  private readonly now: () => number;
  /** A failing worker fails every frame: one line per minute, the latest with the count held back. */
  private readonly frameErrorLog: RateLimitedLog;
  /** What each frame's analysis is asked for (pose near the zones that use it); follows setZones(). */
  private request: AnalyzeRequest;

  constructor(
    readonly camera: CameraConfig,
    private readonly deps: CameraPipelineDeps,
  ) {
    this.tracker = new PersonTracker(deps.tracker);
    this.engine = new BehaviourEngine({ id: camera.id, zones: camera.zones });
    this.zoneList = camera.zones;
    this.request = analysisRequest(camera.zones);
    this.gate = new MotionGate(camera.analysis);
    this.now = deps.now ?? Date.now;
    this.frameErrorLog = new RateLimitedLog(deps.log, { intervalMs: FRAME_ERROR_LOG_MS });
  }

  /** The zones in force (after setZones(), the new ones, even before the next frame applies them). */
  get zones(): readonly ZoneConfig[] {
    return this.zoneList;
  }

  /**
   * Replaces the camera's zones without a restart. They take effect on the next frame, so the
   * change never lands in the middle of a frame's evaluation; see BehaviourEngine.setZones for what
   * happens to people already in a zone.
   */
  setZones(zones: readonly ZoneConfig[]): void {
    this.zoneList = zones;
    this.request = analysisRequest(zones);
    this.pendingZones = zones;
  }

  /** The latest frame with its tracks (gated frames too), or null before the first one. Costs nothing. */
  liveFrame(): LiveFrame | null {
    return this.latest;
  }

  /** Runs until the frames end (file source without loop, or the source was closed). */
  async run(frames: AsyncIterable<CameraFrame>): Promise<void> {
    for await (const frame of frames) await this.process(frame);
    await this.finish();
  }

  async process(frame: CameraFrame): Promise<void> {
    await this.rollDay(frame);
    const tm = performance.now();
    const verdict = this.gate.check(frame, frame.ptsMs, this.liveTracks > 0);
    const t0 = performance.now();
    if (verdict !== 'off') this.stats.motionMs += EMA * (t0 - tm - this.stats.motionMs);
    if (verdict === 'gated') {
      this.stats.gated += 1;
      for (const event of this.advance(frame, [])) await this.emit(event, frame);
      return;
    }
    // The pixels stay here: a snapshot may need them after the worker has analysed the frame.
    let analysis: FrameAnalysis;
    try {
      analysis = await this.deps.perception.analyze(frame, this.request);
    } catch (err) {
      // One bad frame or a crashed worker must not end the camera's analysis: the frame is
      // skipped, counted, and the next one tried (the pool respawns dead workers).
      this.frameFailed(frame, err);
      return;
    }
    const t1 = performance.now();
    const events = this.advance(frame, analysis.people);
    const t2 = performance.now();
    this.stats.frames += 1;
    this.stats.analyseMs += EMA * (t1 - t0 - this.stats.analyseMs);
    this.stats.trackMs += EMA * (t2 - t1 - this.stats.trackMs);
    this.stats.analysedAtMs = this.now();
    for (const event of events) await this.emit(event, frame);
  }

  /**
   * Steps the tracker and the behaviours by one frame with the people detected in it and keeps it
   * as the live frame; returns the frame's events, for the caller to hand on.
   */
  private advance(frame: CameraFrame, people: readonly PersonResult[]): BehaviourEvent[] {
    const tracks = this.tracker.update(people, frame.ptsMs);
    this.liveTracks = tracks.length;
    const events = this.applyPendingZones(frame.atMs);
    events.push(...this.engine.evaluate({ atMs: frame.atMs, width: frame.width, height: frame.height, tracks }));
    this.latest = {
      frame,
      tracks: tracks.map((t) => ({ id: t.id, box: t.box, state: t.state, phone: t.phone, phoneScore: t.phoneScore })),
      zones: this.zoneList,
    };
    this.stats.lastFrameAtMs = frame.atMs;
    this.lastAtMs = frame.atMs;
    return events;
  }

  /** Ends every open event (the camera stopped or the file ended). */
  async finish(): Promise<void> {
    if (this.lastAtMs === null) return;
    for (const event of this.applyPendingZones(this.lastAtMs)) await this.emit(event, null);
    for (const event of this.engine.flush(this.lastAtMs)) await this.emit(event, null);
  }

  /**
   * Track ids are per camera and per day (no cross-day re-identification): at local midnight open
   * events end and ids start again at 1.
   */
  private async rollDay(frame: CameraFrame): Promise<void> {
    const d = new Date(frame.atMs);
    const day = `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
    if (this.day !== null && day !== this.day) {
      await this.finish();
      this.tracker.reset();
      this.liveTracks = 0;
      this.deps.log.info('daily track id reset', { camera: this.camera.id, day });
    }
    this.day = day;
  }

  private frameFailed(frame: CameraFrame, err: unknown): void {
    this.stats.frameErrors += 1;
    this.stats.lastFrameError = err instanceof Error ? err.message : String(err);
    this.frameErrorLog.error('frame', 'frame not analysed', { camera: this.camera.id, seq: frame.seq, frameErrors: this.stats.frameErrors, err });
  }

  private applyPendingZones(atMs: number): BehaviourEvent[] {
    const zones = this.pendingZones;
    if (zones === null) return [];
    this.pendingZones = null;
    const events = this.engine.setZones(zones, atMs);
    this.deps.log.info('zones reloaded', { camera: this.camera.id, zones: zones.map((z) => z.id), ended: events.length });
    return events;
  }

  private async emit(event: BehaviourEvent, frame: CameraFrame | null): Promise<void> {
    this.stats.events += 1;
    try {
      await this.deps.sink.handle(event, frame);
    } catch (err) {
      // A failing sink must not stop the camera; the event key lets the operator find it.
      this.deps.log.error('event not recorded', { camera: this.camera.id, eventKey: event.eventKey, type: event.type, err });
    }
  }
}
