/**
 * Retention planning off the event loop: one worker thread (plan-worker.ts) with its own read-only
 * connection to the store's database, started at the first plan and kept for the next ones. The
 * event loop only pays for taking the plan over (about a millisecond for 10,000 deletions, sent
 * in columns: plan-protocol.ts), not for the SQLite work.
 *
 * A plan is a proposal: the cleaner re-reads rows and holds in its delete transaction, so a plan
 * made on a snapshot a moment old never deletes held footage.
 *
 * A worker that dies (an uncaught error, a native abort of the thread) fails the plans it had in
 * hand with an error naming it, and the next plan starts a fresh one. A worker that cannot start
 * at all fails with PlanWorkerStartError, so the caller can choose to plan in-thread instead.
 */
import { once } from 'node:events';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fromWireError, PLAN_WORKER_ROLE, unpackPlan, type PlanReply, type PlanRequest, type PlanWorkerData } from './plan-protocol.js';
import type { PlanInput, RetentionPlan } from './retention-plan.js';

export interface PlanThreadOptions {
  /** Absolute path of mimamori.db (Store.file). */
  readonly file: string;
  /** How long the worker's reads wait for a lock (WAL recovery) before SQLITE_BUSY (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** The worker could not be started or could not open the database; nothing was planned. */
export class PlanWorkerStartError extends Error {
  override readonly name = 'PlanWorkerStartError';
}

interface Pending {
  resolve(reply: PlanReply): void;
  reject(err: Error): void;
}

/** A request with its id: what #request() sends. */
type Outgoing = Extract<PlanRequest, { id: number }>;

/**
 * Under vitest and tsx this module is the .ts source, and so must the worker be: Node 20 ignores
 * `--import tsx` in a worker's execArgv, so a small eval bootstrap loads it through tsx's tsImport.
 * Compiled (dist/), the worker is the .js beside this file.
 */
function newWorker(data: PlanWorkerData): Worker {
  const options: WorkerOptions = { workerData: data, name: 'retention-plan' };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./plan-worker.js', import.meta.url), options);
  const entry = new URL('./plan-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export class RetentionPlanThread {
  readonly #data: PlanWorkerData;
  #worker: Worker | null = null;
  #starting: Promise<Worker> | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(options: PlanThreadOptions) {
    this.#data = { role: PLAN_WORKER_ROLE, file: options.file, busyTimeoutMs: options.busyTimeoutMs ?? 5000 };
  }

  /** The plan planRetention() would make on the database now. Rejects with PlanWorkerStartError when the worker cannot start. */
  async plan(input: PlanInput): Promise<RetentionPlan> {
    const reply = await this.#request('plan()', (id) => ({ type: 'plan', id, input }));
    if (reply.type !== 'plan') throw new Error(`retention plan worker: answered a plan with ${reply.type}`);
    return unpackPlan(reply.plan);
  }

  /** The sum of indexed segment sizes in bytes (RetentionRepository.indexBytes), read by the worker. */
  async indexBytes(): Promise<number> {
    const reply = await this.#request('indexBytes()', (id) => ({ type: 'index-bytes', id }));
    if (reply.type !== 'index-bytes') throw new Error(`retention plan worker: answered indexBytes with ${reply.type}`);
    return reply.bytes;
  }

  /** Whether a worker is running now (for tests and status). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Lets plans in hand finish, then closes the worker's connection and waits for the thread to end. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    const worker = this.#worker;
    if (!worker) return;
    worker.ref();
    const exited = once(worker, 'exit');
    worker.postMessage({ type: 'close' } satisfies PlanRequest);
    await exited;
  }

  async #request(what: string, message: (id: number) => Outgoing): Promise<PlanReply> {
    if (this.#closed) throw new Error(`retention plan thread: ${what} after close()`);
    const worker = await this.#started();
    return new Promise<PlanReply>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      // Kept alive only while it has work: an idle planner never holds the process (a CLI) open.
      worker.ref();
      worker.postMessage(message(id) satisfies PlanRequest);
    });
  }

  #started(): Promise<Worker> {
    if (this.#worker) return Promise.resolve(this.#worker);
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  #start(): Promise<Worker> {
    const file = this.#data.file;
    return new Promise<Worker>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = newWorker(this.#data);
      } catch (err) {
        reject(new PlanWorkerStartError(`retention plan worker could not be started: ${(err as Error).message}`, { cause: err }));
        return;
      }
      const fail = (err: PlanWorkerStartError): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        reject(err);
      };
      const onMessage = (reply: PlanReply): void => {
        if (reply.type === 'start-error') {
          fail(new PlanWorkerStartError(`retention plan worker: ${reply.error.message}`, { cause: fromWireError(reply.error, file) }));
        } else if (reply.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          this.#attach(worker);
          resolve(worker);
        }
      };
      const onError = (err: Error): void => fail(new PlanWorkerStartError(`retention plan worker failed to start: ${err.message}`, { cause: err }));
      const onExit = (code: number): void => fail(new PlanWorkerStartError(`retention plan worker exited (code ${code}) before it was ready`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  #attach(worker: Worker): void {
    this.#worker = worker;
    let crash: Error | null = null;
    worker.on('message', (reply: PlanReply) => {
      if (!('id' in reply)) return;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.type === 'error') pending.reject(fromWireError(reply.error, 'retention plan worker'));
      else pending.resolve(reply);
    });
    worker.on('error', (err: Error) => {
      crash = err;
    });
    worker.on('exit', (code: number) => {
      if (this.#worker === worker) this.#worker = null;
      if (this.#pending.size === 0) return;
      const reason = crash
        ? new Error(`retention plan worker died with work in hand: ${crash.message}`, { cause: crash })
        : new Error(`retention plan worker exited (code ${code}) with work in hand`);
      for (const p of this.#pending.values()) p.reject(reason);
      this.#pending.clear();
    });
    if (this.#pending.size === 0) worker.unref();
  }
}
