/**
 * `GET /api/status`: what `mimamori status` and the health screen show. Built by the agent
 * (agent.ts status()) from its cameras, recorders, analysis supervision and retention.
 */
import { z } from 'zod';
import { isoTime } from './time.js';

const count = z.int().min(0);

/** A camera source's or recorder's ffmpeg state (ffmpeg/supervised-ffmpeg.ts SourceState). */
export const sourceState = z.enum(['connecting', 'streaming', 'backoff', 'ended', 'stopped']);
export type SourceState = z.infer<typeof sourceState>;

const analysis = z.strictObject({
  state: z.enum(['running', 'stalled', 'stopped']),
  since: isoTime,
  reason: z.string().nullable().describe('Why stalled or stopped, or what a running loop waits for; null while analysing'),
  frameErrors: count,
  restarts: count,
});

const recorder = z.union([
  z.strictObject({
    state: sourceState,
    segments: count,
    mode: z.enum(['copy', 'transcode']).nullable().describe('How the camera\'s codec is recorded; null before the first probe'),
    codec: z.string().nullable(),
    withoutVideo: count.describe('Finished segments without a video stream (not indexed)'),
  }),
  z.strictObject({ state: z.literal('paused'), reason: z.literal('storage_full') }),
]);

const cameraStatus = z.strictObject({
  id: z.string(),
  state: sourceState,
  since: isoTime,
  lastFrameAt: isoTime.nullable(),
  fpsIn: z.number(),
  fpsOut: z.number(),
  dropped: count,
  restarts: count,
  lastError: z.string().nullable(),
  analysedFrames: count,
  gated: count.describe('Frames not sent to the detector: no motion and no live track (analysis.motion)'),
  events: count,
  analyseMs: z.number(),
  trackMs: z.number(),
  analysis: analysis.nullable(),
  recorder: recorder.nullable().describe('null for a camera that does not record'),
});

const storage = z.strictObject({
  storageFull: z.boolean().describe('The storage_full alarm'),
  since: isoTime.nullable(),
  recordingPaused: z.boolean(),
  usedBytes: z.number(),
  budgetBytes: z.number(),
  measure: z.enum(['disk', 'free', 'index']).describe('Which budget binds: maxDiskPercent, minFreeBytes or maxBytes'),
  disk: z.strictObject({ freeBytes: z.number(), reserveBytes: z.number(), writeFailures: count }),
  lastRun: z.strictObject({ at: isoTime, deleted: count, bytesFreed: z.number(), ms: z.number(), complete: z.boolean() }).nullable(),
});

export const agentStatus = z.strictObject({
  site: z.string(),
  startedAt: isoTime,
  mqtt: z.strictObject({ url: z.string().describe('Without credentials'), embedded: z.boolean(), connected: z.boolean(), pending: count }),
  cameras: z.array(cameraStatus),
  workers: z.strictObject({ size: count, running: count, respawns: count }).nullable(),
  storage: storage.nullable().describe('null where no retention cleaner runs'),
});
export type AgentStatus = z.infer<typeof agentStatus>;
export type CameraStatus = AgentStatus['cameras'][number];
export type CameraAnalysisStatus = NonNullable<CameraStatus['analysis']>;
export type RecorderStatus = NonNullable<CameraStatus['recorder']>;
export type StorageStatus = NonNullable<AgentStatus['storage']>;
