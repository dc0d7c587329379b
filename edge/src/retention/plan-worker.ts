/**
 * The retention plan worker thread: plans on its own read-only connection to mimamori.db, so the
 * 75–480 ms of SQLite a plan takes (docs/benchmarks.md), and the ~100 ms sum over a million-row
 * index that the maxBytes budget needs, are not spent on the agent's event loop, which also
 * serves the ATM warnings. WAL lets this connection read a consistent snapshot while
 * the main connection writes; the gaps' TEMP table is private to it. Started by plan-thread.ts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { createRetentionRepository } from '../store/retention-repository.js';
import { packPlan, PLAN_WORKER_ROLE, toWireError, type PlanReply, type PlanRequest, type PlanWorkerData } from './plan-protocol.js';
import { planRetention } from './retention-plan.js';

const data = workerData as Partial<PlanWorkerData> | null;
if (isMainThread || !parentPort || data?.role !== PLAN_WORKER_ROLE || typeof data.file !== 'string') {
  throw new Error('plan-worker: runs only as the retention plan thread started by plan-thread.ts');
}
const port = parentPort;
const reply = (message: PlanReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

function open(file: string, busyTimeoutMs: number): Database | null {
  try {
    // fileMustExist: the agent's store created and migrated it; a missing file is a wrong path, not a new database.
    return new Sqlite(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (err) {
    reply({ type: 'start-error', error: toWireError(new Error(`${file}: cannot open read-only: ${(err as Error).message}`, { cause: err })) });
    return null;
  }
}

const db = open(data.file, data.busyTimeoutMs ?? 5000);
if (db === null) {
  // Nothing else keeps the thread alive: it ends once the refusal is sent.
  port.close();
} else {
  const index = createRetentionRepository(db);
  port.on('message', (message: PlanRequest) => {
    if (message.type === 'close') {
      db.close();
      port.close();
      return;
    }
    try {
      if (message.type === 'index-bytes') {
        reply({ type: 'index-bytes', id: message.id, bytes: index.indexBytes() });
        return;
      }
      const { packed, transfer } = packPlan(planRetention(index, message.input));
      reply({ type: 'plan', id: message.id, plan: packed }, transfer);
    } catch (err) {
      reply({ type: 'error', id: message.id, error: toWireError(err) });
    }
  });
  reply({ type: 'ready' });
}
