/**
 * Inference child-process entry: owns one FrameAnalyzer (and so its onnxruntime sessions) and
 * answers analyse requests from the pool over the IPC channel. A process, not a worker thread:
 * onnxruntime-node aborts the whole process (Napi::Error thrown on teardown) when a thread is ended
 * while a session runs, and a native crash in a thread takes its process with it. Here either
 * ends only this process, which the pool starts again.
 */
import { openFrameAnalyzer, type FrameAnalyzer } from './frame-analyzer.js';
import { INFERENCE_PROCESS_ARG, type WorkerReply, type WorkerRequest } from './inference-protocol.js';

const send = process.send?.bind(process);
if (!send || !process.argv.includes(INFERENCE_PROCESS_ARG)) {
  throw new Error('inference-process must be started by the analyzer pool (a forked child with an IPC channel)');
}
const reply = (message: WorkerReply): void => {
  // The pool may be gone already (it was killed); there is no one left to answer.
  if (process.connected) send(message);
};

// The agent died (even by kill -9): its end of the channel closes, and so does this process, so no
// inference process outlives the agent that owned it.
process.on('disconnect', () => process.exit(0));

let analyzer: FrameAnalyzer | null = null;
// One request at a time in arrival order: sessions are not re-entrant, and init comes first.
let queue: Promise<void> = Promise.resolve();
process.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});

const errorFields = (err: unknown): { message: string; stack?: string } => {
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
};

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'init':
      try {
        analyzer = await openFrameAnalyzer(request.options);
        reply({ type: 'ready' });
      } catch (err) {
        reply({ type: 'init-error', ...errorFields(err) });
        process.disconnect();
      }
      return;
    case 'close': {
      const current = analyzer;
      analyzer = null;
      try {
        await current?.close();
      } finally {
        reply({ type: 'closed' });
        process.disconnect();
      }
      return;
    }
    case 'analyze':
      if (!analyzer) {
        reply({ type: 'error', id: request.id, message: 'analyzer is not open' });
        return;
      }
      try {
        reply({ type: 'result', id: request.id, analysis: await analyzer.analyze(request.frame, request.request) });
      } catch (err) {
        reply({ type: 'error', id: request.id, ...errorFields(err) });
      }
  }
}
