/** Every chaos scenario, in the order of the reliability table (docs/reliability.md). */
import type { ScenarioResult } from '../harness/verdict.js';
import { inferenceWorkerKilled, poisonFrames } from './analysis-faults.js';
import { brokerKilledDuringBurst } from './broker-faults.js';
import { clockJumpsBack, clockJumpsForward } from './clock-faults.js';
import { diskFillsWhileRecording, restartOnFullDisk } from './disk-faults.js';
import { ffmpegKilled, ffmpegUnavailable } from './ffmpeg-faults.js';
import { kill9DuringExport, kill9DuringRetention, kill9WhileRecording } from './kill9-faults.js';
import { sqliteLocked } from './sqlite-faults.js';

export interface Scenario {
  /** Short name for --only and the JSON file. */
  readonly id: string;
  /** What the test asserts, for the test's name. */
  readonly title: string;
  readonly run: () => Promise<ScenarioResult>;
  /**
   * Why the scenario is left out of `npm test` (it still runs in `npm run bench:chaos`, and its
   * failure is in docs/reliability.md): only for a fault the agent does not yet survive, never to
   * hide a flaky check.
   */
  readonly notInTest?: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'disk-fill', title: 'survives the disk filling while recording, says so, and records again once there is room', run: diskFillsWhileRecording },
  { id: 'disk-full-restart', title: 'starts on a full disk, says so, and records again once there is room', run: restartOnFullDisk },
  { id: 'worker-killed', title: 'respawns a killed inference worker and analyses again', run: inferenceWorkerKilled },
  { id: 'poison-frames', title: 'analyses on through a 16x16 picture and garbage bytes in the stream', run: poisonFrames },
  { id: 'sqlite-locked', title: 'runs on while another process holds the database write lock, losing no event or segment', run: sqliteLocked },
  { id: 'ffmpeg-killed', title: 'decodes and records again after its ffmpeg are killed', run: ffmpegKilled },
  { id: 'ffmpeg-unavailable', title: 'says when ffmpeg is unavailable and recovers when it is back', run: ffmpegUnavailable },
  { id: 'broker-killed', title: 'delivers every event message after the broker is killed mid-burst', run: brokerKilledDuringBurst },
  { id: 'kill9-recording', title: 'after kill -9 while recording: no orphan ffmpeg, footage indexed, analysis again', run: kill9WhileRecording },
  { id: 'kill9-export', title: 'after kill -9 of an export: no half bundle, export again, audit chain intact', run: kill9DuringExport },
  { id: 'kill9-retention', title: 'after kill -9 during retention deletion: held footage kept, index consistent', run: kill9DuringRetention },
  { id: 'clock-forward', title: 'runs on after the clock jumps 2 h forward', run: clockJumpsForward },
  { id: 'clock-back', title: 'runs on after the clock jumps 2 h back', run: clockJumpsBack },
];
