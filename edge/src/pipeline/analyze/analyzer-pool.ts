/**
 * A pool of inference worker threads, each with its own onnxruntime sessions, behind one
 * `analyze(frame)` call. The main thread only moves pixels and results; all native inference runs
 * in the workers so the event loop stays responsive.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { FrameAnalysis, RgbFrame } from '../types.js';
import { DEFAULT_PHONE_RULE, type PhoneRuleOptions } from '../phone/classify.js';
import { perceptionSchema } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { Backoff } from '../../lifecycle/backoff.js';
import type { AnalyzeRequest, AnalyzerModels, FrameAnalyzerOptions, PhoneMethod } from './frame-analyzer.js';
import type { WorkerReply, WorkerRequest } from './inference-worker.js';

/** Pool settings: plain data. Everything but `models` has a default; `models` defaults to the manifest's centernet + movenet-lightning. */
export interface AnalyzerPoolOptions {
  models?: AnalyzerModels;
  /** Worker threads, each with its own sessions. Defaults for all fields: the config schema. */
  workers?: number;
  /** onnxruntime intra-op threads per session. */
  threads?: number;
  personThreshold?: number;
  phoneCandidateThreshold?: number;
  objectThreshold?: number;
  iouThreshold?: number;
  maxPeople?: number;
  phoneRule?: Partial<PhoneRuleOptions>;
  /** 'learned' needs `models.phoneHead` (the manifest's models include it). */
  phoneMethod?: PhoneMethod;
  closeUpFallback?: boolean;
  /** First wait before a crashed worker is started again, ms; doubles per failed attempt. */
  respawnInitialMs?: number;
  /** Longest wait between respawn attempts, ms. */
  respawnMaxMs?: number;
}

/** What the pool reports to and through, beside its settings. */
export interface AnalyzerPoolRuntime {
  log?: Logger;
  /**
   * Told each time a worker thread is ready (first start and every respawn). Tests end a worker
   * for real through it (`worker.terminate()`, between frames), as a worker that dies would end.
   */
  onWorkerReady?: (index: number, worker: Worker) => void;
}

export interface AnalyzeOptions extends AnalyzeRequest {
  /**
   * Move the frame's pixel buffer to the worker instead of copying it (default true). The caller's
   * `frame.data` is then detached (length 0); pass false to keep using the frame afterwards.
   */
  transfer?: boolean;
}

export interface AnalyzerPool {
  readonly size: number;
  /** Worker threads still running (0 once close() has resolved). */
  running(): number;
  /** Workers started again after a crash, over the life of the pool. */
  respawns(): number;
  analyze(frame: RgbFrame, options?: AnalyzeOptions): Promise<FrameAnalysis>;
  /** Closes every worker's sessions and ends the threads; pending analyses are rejected. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;

/** Defaults come from the config schema, the one place they are written down. */
const DEFAULTS = perceptionSchema.parse({});

export async function resolveAnalyzerOptions(options: AnalyzerPoolOptions = {}): Promise<FrameAnalyzerOptions> {
  // Loaded only when needed: explicit models should not require the manifest tooling.
  const models = options.models ?? (await (await import('./manifest-models.js')).modelsFromManifest());
  return {
    models,
    threads: options.threads ?? DEFAULTS.threads,
    personThreshold: options.personThreshold ?? DEFAULTS.detector.personThreshold,
    phoneCandidateThreshold: options.phoneCandidateThreshold ?? DEFAULTS.detector.phoneCandidateThreshold,
    objectThreshold: options.objectThreshold ?? DEFAULTS.detector.objectThreshold,
    iouThreshold: options.iouThreshold ?? DEFAULTS.detector.nmsIou,
    maxPeople: options.maxPeople ?? DEFAULTS.maxPeople,
    phoneRule: { ...DEFAULT_PHONE_RULE, ...options.phoneRule },
    // Explicit models without a head (tests, a user's own detector) can only use the rule.
    phoneMethod: options.phoneMethod ?? (models.phoneHead ? DEFAULTS.phone.method : 'rule'),
    closeUpFallback: options.closeUpFallback ?? DEFAULTS.closeUpFallback,
  };
}

interface Pending {
  resolve(analysis: FrameAnalysis): void;
  reject(err: Error): void;
  what: string;
}

class WorkerHandle {
  readonly pending = new Map<number, Pending>();
  alive = true;
  exited: Promise<number>;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(new Error(`${p.what}: ${err.message}`, { cause: err }));
    this.pending.clear();
  }
}

/**
 * Compiled (dist/…/analyzer-pool.js) the worker is the plain .js file next to this one. Under
 * vitest this module is the .ts source, and so must the worker be: Node 20 ignores `--import tsx`
 * in a worker's execArgv (the worker still fails with ERR_UNKNOWN_FILE_EXTENSION), so a two-line
 * bootstrap loads the .ts worker through tsx's tsImport instead.
 */
function newWorker(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./inference-worker.js', import.meta.url), options);
  const entry = new URL('./inference-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function startWorker(index: number, options: FrameAnalyzerOptions): Promise<WorkerHandle> {
  const handle = new WorkerHandle(index, newWorker({ workerData: options, name: `inference-${index}` }));
  const label = `inference worker ${index}`;
  return new Promise((resolve, reject) => {
    let ready = false;
    handle.worker.on('message', (reply: WorkerReply) => {
      switch (reply.type) {
        case 'ready':
          ready = true;
          resolve(handle);
          return;
        case 'init-error':
          reject(new Error(`${label} could not start: ${reply.message}`));
          return;
        case 'result':
        case 'error': {
          const p = handle.pending.get(reply.id);
          if (!p) return;
          handle.pending.delete(reply.id);
          if (reply.type === 'result') p.resolve(reply.analysis);
          else p.reject(new Error(`${p.what}: ${reply.message}`));
          return;
        }
        case 'closed':
          return;
      }
    });
    handle.worker.on('error', (err) => {
      handle.alive = false;
      if (!ready) reject(new Error(`${label} could not start: ${err.message}`, { cause: err }));
      handle.failAll(new Error(`${label} failed: ${err.message}`, { cause: err }));
    });
    handle.worker.on('exit', (code) => {
      handle.alive = false;
      if (!ready) reject(new Error(`${label} exited with code ${code} before it was ready`));
      handle.failAll(new Error(`${label} exited with code ${code}`));
    });
  });
}

export async function startAnalyzerPool(options: AnalyzerPoolOptions = {}, runtime: AnalyzerPoolRuntime = {}): Promise<AnalyzerPool> {
  const count = options.workers ?? DEFAULTS.workers;
  if (!Number.isInteger(count) || count < 1) throw new Error(`Expected workers to be an integer of at least 1 but received ${count}`);
  const resolved = await resolveAnalyzerOptions(options);
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startWorker(i, resolved)));
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.all(handles.map((h) => h.worker.terminate()));
    throw failure.reason;
  }
  const respawner = new WorkerRespawner(handles, resolved, {
    initialMs: options.respawnInitialMs ?? DEFAULTS.workerRespawn.initialSeconds * 1000,
    maxMs: options.respawnMaxMs ?? DEFAULTS.workerRespawn.maxSeconds * 1000,
  }, runtime);
  for (const h of handles) respawner.watch(h);

  let nextId = 0;
  let closed = false;
  return {
    size: count,
    running: () => handles.filter((h) => h.alive).length,
    respawns: () => respawner.respawns,
    analyze(frame, analyzeOptions = {}) {
      if (closed) return Promise.reject(new Error('analyzer pool is closed'));
      const live = handles.filter((h) => h.alive);
      if (live.length === 0) return Promise.reject(new Error('analyzer pool has no running inference workers'));
      // Least busy worker first: frames queue inside a worker, so spread them.
      const handle = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      const what = `inference worker ${handle.index} could not analyse a ${frame.width}x${frame.height} frame`;
      const { transfer, ...request } = analyzeOptions;
      const { message, transferList } = packFrame(id, frame, transfer ?? true, request);
      return new Promise<FrameAnalysis>((resolve, reject) => {
        handle.pending.set(id, { resolve, reject, what });
        try {
          handle.worker.postMessage(message, transferList);
        } catch (err) {
          handle.pending.delete(id);
          reject(new Error(`${what}: ${(err as Error).message}`, { cause: err }));
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // First, so no worker ending now is taken for a crash and started again.
      await respawner.close();
      await Promise.all(handles.map((h) => closeWorker(h)));
    },
  };
}

/**
 * Starts a worker again when it dies (its heap out of memory, an uncaught error; a native crash
 * inside onnxruntime takes the whole process, which only systemd restarts), in the same slot, with backoff: a worker that cannot start (the model file gone bad) is retried ever more
 * slowly instead of in a tight loop. Analyses on the dead worker have already been rejected.
 */
class WorkerRespawner {
  respawns = 0;
  private closed = false;
  private readonly backoff: Backoff[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly starting = new Set<Promise<void>>();
  /** Up this long, a worker counts as healthy again. */
  private readonly stableMs: number;

  constructor(
    private readonly handles: WorkerHandle[],
    private readonly options: FrameAnalyzerOptions,
    backoff: { initialMs: number; maxMs: number },
    private readonly runtime: AnalyzerPoolRuntime,
  ) {
    this.backoff = handles.map(() => new Backoff({ ...backoff, jitter: 0.1 }));
    this.stableMs = backoff.maxMs;
  }

  watch(handle: WorkerHandle): void {
    const startedAt = Date.now();
    this.runtime.onWorkerReady?.(handle.index, handle.worker);
    void handle.exited.then((code) => {
      if (this.closed) return;
      // A worker that ran for a good while was healthy: its crash starts again from the short
      // wait. One that dies soon after every start (a frame or model it cannot survive) backs off.
      if (Date.now() - startedAt >= this.stableMs) this.backoff[handle.index]!.reset();
      this.runtime.log?.error('inference worker died', { worker: handle.index, code });
      this.schedule(handle.index);
    });
  }

  private schedule(index: number): void {
    if (this.closed) return;
    const delayMs = this.backoff[index]!.next();
    this.runtime.log?.info('inference worker respawn scheduled', { worker: index, retryInMs: delayMs });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const attempt = this.respawn(index).finally(() => this.starting.delete(attempt));
      this.starting.add(attempt);
    }, delayMs);
    this.timers.add(timer);
  }

  private async respawn(index: number): Promise<void> {
    let handle: WorkerHandle;
    try {
      handle = await startWorker(index, this.options);
    } catch (err) {
      this.runtime.log?.error('inference worker could not be started again', { worker: index, err });
      this.schedule(index);
      return;
    }
    if (this.closed) {
      await handle.worker.terminate();
      return;
    }
    this.handles[index] = handle;
    this.respawns += 1;
    this.runtime.log?.info('inference worker respawned', { worker: index, respawns: this.respawns });
    this.watch(handle);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.starting]);
  }
}

function packFrame(id: number, frame: RgbFrame, transfer: boolean, request: AnalyzeRequest): { message: WorkerRequest; transferList: ArrayBuffer[] } {
  const { data } = frame;
  const extra = request.hints || request.features ? { request } : {};
  // Only a buffer the frame owns outright can move; a view into a larger (e.g. pooled) buffer is copied.
  const owns = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (transfer && owns) {
    return { message: { type: 'analyze', id, frame: { data, width: frame.width, height: frame.height }, ...extra }, transferList: [data.buffer as ArrayBuffer] };
  }
  const copy = new Uint8Array(data);
  return { message: { type: 'analyze', id, frame: { data: copy, width: frame.width, height: frame.height }, ...extra }, transferList: [copy.buffer] };
}

async function closeWorker(handle: WorkerHandle): Promise<void> {
  handle.failAll(new Error('analyzer pool closed'));
  if (!handle.alive) {
    await handle.exited;
    return;
  }
  handle.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS);
  });
  const outcome = await Promise.race([handle.exited, timedOut]);
  clearTimeout(timer);
  // A worker stuck in native code does not see the close request; terminate it.
  if (outcome === 'timeout') await handle.worker.terminate();
}
