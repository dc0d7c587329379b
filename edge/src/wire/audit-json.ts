/** The audit log entry as it leaves the agent: the CLI's JSON lines and the API's holds routes. */
import type { AuditEntry } from '../store/store.js';
import { formatTimestamp } from '../store/timestamps.js';
import type { AuditLine } from './api/audit.js';

/** The JSON line of an entry: every hashed field as stored (so the hash can be recomputed), plus a readable time. */
export function auditJsonLine(e: AuditEntry): AuditLine {
  return {
    seq: e.seq, at: e.at, time: formatTimestamp(e.at), actor: e.actor, action: e.action, subject: e.subject,
    details: e.details, prevHash: e.prevHash, hash: e.hash,
  };
}
