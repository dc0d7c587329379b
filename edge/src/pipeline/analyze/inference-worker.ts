/**
 * Worker-thread entry: owns one FrameAnalyzer (and so its onnxruntime sessions) and answers analyse
 * requests from the pool. onnxruntime-node's run() is synchronous native work, so it lives here,
 * off the main event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FrameAnalysis, RgbFrame } from '../types.js';
import { openFrameAnalyzer, type AnalyzeRequest, type FrameAnalyzer, type FrameAnalyzerOptions } from './frame-analyzer.js';

export type WorkerRequest = { type: 'analyze'; id: number; frame: RgbFrame; request?: AnalyzeRequest } | { type: 'close' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string; stack?: string }
  | { type: 'result'; id: number; analysis: FrameAnalysis }
  | { type: 'error'; id: number; message: string; stack?: string }
  | { type: 'closed' };

if (!parentPort) throw new Error('inference-worker must run as a worker thread (started by the analyzer pool)');
const port = parentPort;
const reply = (message: WorkerReply): void => port.postMessage(message);

let analyzer: FrameAnalyzer | null = null;
try {
  analyzer = await openFrameAnalyzer(workerData as FrameAnalyzerOptions);
  reply({ type: 'ready' });
} catch (err) {
  const e = err as Error;
  reply({ type: 'init-error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  port.close();
}

// Frames are handled one at a time in arrival order: sessions are not re-entrant.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: WorkerRequest): Promise<void> {
  if (request.type === 'close') {
    const current = analyzer;
    analyzer = null;
    try {
      await current?.close();
    } finally {
      reply({ type: 'closed' });
      port.close();
    }
    return;
  }
  if (!analyzer) {
    reply({ type: 'error', id: request.id, message: 'analyzer is closed' });
    return;
  }
  try {
    const analysis = await analyzer.analyze(request.frame, request.request);
    reply({ type: 'result', id: request.id, analysis });
  } catch (err) {
    const e = err as Error;
    reply({ type: 'error', id: request.id, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  }
}
