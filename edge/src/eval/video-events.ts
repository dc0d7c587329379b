/**
 * The event-level check: each development video through the real camera loop (perception,
 * tracker, behaviours) with one ATM zone over the whole frame, as an ATM camera would see it.
 * A call video must raise phone_at_atm, and soon; the others must not raise a high-severity one.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import type { BehaviourEvent } from '../pipeline/behaviours/types.js';
import { CameraPipeline, type EventSink } from '../pipeline/camera-pipeline.js';
import { mediaFileFrames } from '../pipeline/source/media-file-frames.js';

export interface VideoResult {
  file: string;
  /** What the file name says the video shows. */
  expected: 'call' | 'hand' | 'none';
  /** Media seconds to the first phone_at_atm start of high severity (a call), null if none. */
  firstCallSeconds: number | null;
  /** Media seconds to the first phone_at_atm start of any severity. */
  firstPhoneSeconds: number | null;
  callEvents: number;
  phoneEvents: number;
  seconds: number;
}

const VIDEO = /\.(mp4|avi|mkv|mov|webm)$/i;

export function expectedOf(file: string): VideoResult['expected'] {
  if (/phone_call|phoning|call/i.test(file)) return 'call';
  if (/holding_phone|phone_in_hand|texting/i.test(file)) return 'hand';
  return 'none';
}

export async function listVideos(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => VIDEO.test(n)).sort().map((n) => join(dir, n));
}

/** `fps` and `width` default to a camera's analysis defaults, so eval sees what a camera would. */
export async function videoEvents(file: string, perception: AnalyzerPool, fps?: number, width?: number): Promise<VideoResult> {
  const camera = parseConfig({
    cameras: [{ id: 'eval', source: file, zones: [{ id: 'atm', kind: 'atm', atmId: 'atm1', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }] }],
  }).cameras[0];
  if (!camera) throw new Error('eval camera config did not parse');
  const events: BehaviourEvent[] = [];
  const sink: EventSink = { handle: async (e) => { events.push(e); } };
  const pipeline = new CameraPipeline(camera, { perception, sink, log: createLogger('eval', { level: 'error' }) });
  const start = Date.UTC(2026, 0, 1);
  let lastPts = 0;
  const sampling = { fps: fps ?? camera.analysis.fps, videoWidth: width ?? camera.analysis.width };
  async function* frames() {
    for await (const f of mediaFileFrames(file, sampling)) {
      lastPts = f.ptsMs;
      yield { ...f.frame, ptsMs: f.ptsMs, atMs: start + f.ptsMs, seq: f.index };
    }
  }
  await pipeline.run(frames());
  const atm = events.filter((e) => e.behaviour === 'phone_at_atm');
  const starts = atm.filter((e) => e.type === 'start');
  // An episode that began as a phone in hand becomes a call by an update that raises its severity.
  const firstHigh = atm.find((e) => e.severity === 'high');
  const callEpisodes = new Set(atm.filter((e) => e.severity === 'high').map((e) => e.eventKey));
  const seconds = (ms: number): number => Math.round((ms - start) / 100) / 10;
  return {
    file,
    expected: expectedOf(file),
    firstCallSeconds: firstHigh ? seconds(firstHigh.atMs) : null,
    firstPhoneSeconds: starts[0] ? seconds(starts[0].atMs) : null,
    callEvents: callEpisodes.size,
    phoneEvents: starts.length,
    seconds: Math.round(lastPts / 100) / 10,
  };
}
