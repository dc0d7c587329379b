/** What the analyzer pool and its inference processes say to each other over the IPC channel. */
import type { AnalyzeRequest, FrameAnalyzerOptions } from './frame-analyzer.js';
import type { FrameAnalysis, RgbFrame } from '../types.js';

export type WorkerRequest =
  | { type: 'init'; options: FrameAnalyzerOptions }
  | { type: 'analyze'; id: number; frame: RgbFrame; request?: AnalyzeRequest }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string; stack?: string }
  | { type: 'result'; id: number; analysis: FrameAnalysis }
  | { type: 'error'; id: number; message: string; stack?: string }
  | { type: 'closed' };

/** Marks the process as started by the pool; anything else running this file is refused. */
export const INFERENCE_PROCESS_ARG = '--mimamori-inference-worker';

