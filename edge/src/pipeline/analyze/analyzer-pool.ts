/**
 * A pool of inference processes, each with its own onnxruntime sessions, behind one
 * `analyze(frame)` call. The agent only moves pixels and results; all native inference runs in the
 * children, so the event loop stays responsive and a crash inside onnxruntime ends one child, which
 * is started again, instead of the agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FrameAnalysis, RgbFrame } from '../types.js';
import { DEFAULT_PHONE_RULE, type PhoneRuleOptions } from '../phone/classify.js';
import { perceptionSchema } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { Backoff } from '../../lifecycle/backoff.js';
import { lifetimeSpawnArgs } from '../../ffmpeg/child-lifetime.js';
import type { AnalyzeRequest, AnalyzerModels, FrameAnalyzerOptions, PhoneMethod } from './frame-analyzer.js';
import { INFERENCE_PROCESS_ARG, type WorkerReply, type WorkerRequest } from './inference-protocol.js';

/** Pool settings: plain data. Everything but `models` has a default; `models` defaults to the manifest's centernet + movenet-lightning. */
export interface AnalyzerPoolOptions {
  models?: AnalyzerModels;
  /** Inference processes, each with its own sessions. Defaults for all fields: the config schema. */
  workers?: number;
  /** onnxruntime intra-op threads per session. */
  threads?: number;
  personThreshold?: number;
  phoneCandidateThreshold?: number;
  objectThreshold?: number;
  nmsIou?: number;
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
   * Told each time an inference process is ready (first start and every respawn). Tests end one for
   * real through it (`worker.kill('SIGKILL')`), as an out-of-memory kill or a native crash would.
   */
  onWorkerReady?: (index: number, worker: ChildProcess) => void;
}

/** The frame is copied to the inference process: the caller keeps its pixels. */
export type AnalyzeOptions = AnalyzeRequest;

export interface AnalyzerPool {
  readonly size: number;
  /** Inference processes still running (0 once close() has resolved). */
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
    nmsIou: options.nmsIou ?? DEFAULTS.detector.nmsIou,
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

/** How much of a child's stderr is kept to explain its death (onnxruntime's last words, an abort). */
const STDERR_TAIL_BYTES = 4096;

class WorkerHandle {
  readonly pending = new Map<number, Pending>();
  alive = true;
  /** Resolves once the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
  }

  /** The end of what the process wrote to stderr, for the log line that reports its death. */
  stderrTail(): string {
    return this.stderr.trim();
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(new Error(`${p.what}: ${err.message}`, { cause: err }));
    this.pending.clear();
  }
}

/** An error raised in the inference process, with the stack it had there. */
function remoteError(message: string, stack: string | undefined): Error {
  const err = new Error(message);
  if (stack) err.stack = stack;
  return err;
}

/**
 * Compiled (dist/…/analyzer-pool.js) the child runs the plain .js file next to this one. Under
 * vitest this module is the .ts source, and so must the child be: it is started through tsx. The
 * agent's own node flags (--inspect on a fixed port) are not passed on. Started under the same
 * parent-death signal as ffmpeg, so even a child stuck in native code dies with a killed agent
 * (it also exits by itself when the IPC channel closes).
 */
async function spawnInferenceProcess(index: number): Promise<ChildProcess> {
  const compiled = !import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(compiled ? './inference-process.js' : './inference-process.ts', import.meta.url));
  const nodeArgs = [...(compiled ? [] : ['--import', import.meta.resolve('tsx')]), entry, INFERENCE_PROCESS_ARG, `inference-${index}`];
  const [command, args] = await lifetimeSpawnArgs(process.execPath, nodeArgs);
  return spawn(command, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

async function startWorker(index: number, options: FrameAnalyzerOptions): Promise<WorkerHandle> {
  const handle = new WorkerHandle(index, await spawnInferenceProcess(index));
  const label = `inference worker ${index}`;
  return new Promise((resolve, reject) => {
    let ready = false;
    handle.child.on('message', (reply: WorkerReply) => {
      switch (reply.type) {
        case 'ready':
          ready = true;
          resolve(handle);
          return;
        case 'init-error':
          reject(new Error(`${label} could not start: ${reply.message}`, { cause: remoteError(reply.message, reply.stack) }));
          return;
        case 'result':
        case 'error': {
          const p = handle.pending.get(reply.id);
          if (!p) return;
          handle.pending.delete(reply.id);
          if (reply.type === 'result') p.resolve(reply.analysis);
          else p.reject(new Error(`${p.what}: ${reply.message}`, { cause: remoteError(reply.message, reply.stack) }));
          return;
        }
        case 'closed':
          return;
      }
    });
    // Spawning failed (no such executable, out of processes): the child never ran.
    handle.child.on('error', (err) => {
      handle.alive = false;
      if (!ready) reject(new Error(`${label} could not start: ${err.message}`, { cause: err }));
      handle.failAll(new Error(`${label} failed: ${err.message}`, { cause: err }));
    });
    void handle.exited.then(({ code, signal }) => {
      handle.alive = false;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = handle.stderrTail();
      if (!ready) reject(new Error(`${label} ${how} before it was ready${tail ? `: ${tail.split('\n').slice(-3).join(' | ')}` : ''}`));
      handle.failAll(new Error(`${label} ${how}`));
    });
    handle.child.send({ type: 'init', options } satisfies WorkerRequest);
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
    await Promise.all(handles.map((h) => closeWorker(h)));
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
      const message = frameMessage(id, frame, analyzeOptions);
      return new Promise<FrameAnalysis>((resolve, reject) => {
        handle.pending.set(id, { resolve, reject, what });
        // A channel that closes before the frame is written rejects here, or through the exit.
        handle.child.send(message, (err) => {
          if (!err || !handle.pending.delete(id)) return;
          reject(new Error(`${what}: ${err.message}`, { cause: err }));
        });
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
 * Starts an inference process again when it dies (out of memory, killed, an uncaught error or a
 * native crash inside onnxruntime), in the same slot, with backoff: one that cannot start (the
 * model file gone bad) is retried ever more slowly instead of in a tight loop. Analyses on the
 * dead process have already been rejected.
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
    this.runtime.onWorkerReady?.(handle.index, handle.child);
    void handle.exited.then(({ code, signal }) => {
      if (this.closed) return;
      // A worker that ran for a good while was healthy: its crash starts again from the short
      // wait. One that dies soon after every start (a frame or model it cannot survive) backs off.
      if (Date.now() - startedAt >= this.stableMs) this.backoff[handle.index]!.reset();
      const stderr = handle.stderrTail();
      this.runtime.log?.error('inference worker died', { worker: handle.index, pid: handle.child.pid, code, signal, ...(stderr ? { stderr } : {}) });
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
      await closeWorker(handle);
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

function frameMessage(id: number, frame: RgbFrame, request: AnalyzeRequest): WorkerRequest {
  const extra = request.hints || request.features || request.poseZones ? { request } : {};
  return { type: 'analyze', id, frame: { data: frame.data, width: frame.width, height: frame.height }, ...extra };
}

async function closeWorker(handle: WorkerHandle): Promise<void> {
  handle.failAll(new Error('analyzer pool closed'));
  if (!handle.alive) {
    await handle.exited;
    return;
  }
  if (handle.child.connected) handle.child.send({ type: 'close' } satisfies WorkerRequest);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS);
  });
  const outcome = await Promise.race([handle.exited, timedOut]);
  clearTimeout(timer);
  // A process stuck in native code does not see the close request; kill it.
  if (outcome === 'timeout') {
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}
