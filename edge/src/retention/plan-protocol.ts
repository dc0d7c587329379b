/** What the retention plan thread (plan-thread.ts) and its worker (plan-worker.ts) say to each other. */
import type { PlanInput, RetentionPlan } from './retention-plan.js';

/** workerData of a plan worker; the marker refuses anything else that runs the worker file. */
export interface PlanWorkerData {
  readonly role: typeof PLAN_WORKER_ROLE;
  /** Absolute path of mimamori.db, opened read-only by the worker. */
  readonly file: string;
  readonly busyTimeoutMs: number;
}

export const PLAN_WORKER_ROLE = 'mimamori-retention-plan';

/** An error as it crosses the thread boundary: structured clone keeps neither its class nor `code`. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type PlanRequest =
  | { readonly type: 'plan'; readonly id: number; readonly input: PlanInput }
  | { readonly type: 'close' };

export type PlanReply =
  | { readonly type: 'ready' }
  | { readonly type: 'start-error'; readonly error: WireError }
  | { readonly type: 'plan'; readonly id: number; readonly plan: RetentionPlan }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
}

/** The error again, with its code, so callers (classifyWriteFailure) see a busy or failing disk as such. */
export function fromWireError(wire: WireError, context: string): Error {
  const err = new Error(`${context}: ${wire.message}`) as Error & { code?: string };
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  if (wire.stack !== undefined) err.stack = `${err.name}: ${err.message}\n(in the plan worker) ${wire.stack}`;
  return err;
}
