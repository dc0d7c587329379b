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
  readonly run: () => Promise<ScenarioResult>;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'disk-fill', run: diskFillsWhileRecording },
  { id: 'disk-full-restart', run: restartOnFullDisk },
  { id: 'worker-killed', run: inferenceWorkerKilled },
  { id: 'poison-frames', run: poisonFrames },
  { id: 'sqlite-locked', run: sqliteLocked },
  { id: 'ffmpeg-killed', run: ffmpegKilled },
  { id: 'ffmpeg-unavailable', run: ffmpegUnavailable },
  { id: 'broker-killed', run: brokerKilledDuringBurst },
  { id: 'kill9-recording', run: kill9WhileRecording },
  { id: 'kill9-export', run: kill9DuringExport },
  { id: 'kill9-retention', run: kill9DuringRetention },
  { id: 'clock-forward', run: clockJumpsForward },
  { id: 'clock-back', run: clockJumpsBack },
];
