/**
 * The audit log's hash chain, free of SQLite so that a verifier on another machine (an exported
 * bundle, `mimamori verify`) checks entries with exactly the code the device used to write them.
 *
 * Hash of an entry (the contract a verifier in any language must reproduce):
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 bytes of
 *          canonicalJson({ seq, at, actor, action, subject, details, prevHash })
 *
 * - `seq` and `at` are integers (`at` is epoch milliseconds), `subject` is a string or null,
 *   `details` is a JSON object, `prevHash` is the previous entry's `hash` (64 lowercase hex digits)
 *   or 64 zeros for the first entry (seq 1).
 * - canonicalJson is RFC 8785 (JSON Canonicalization Scheme) for the values the log holds: no
 *   whitespace; object keys sorted by UTF-16 code units (JavaScript's default sort), recursively;
 *   arrays in order; strings and numbers exactly as ECMAScript JSON.stringify writes them (so
 *   integers have no exponent or fraction below 1e21). The top-level key order is therefore
 *   action, actor, at, details, prevHash, seq, subject. Example, first entry:
 *   {"action":"hold.create","actor":"sato","at":1767225600000,"details":{"caseNumber":"2026-XYZ"},
 *    "prevHash":"000…000","seq":1,"subject":"0194…"}
 *
 * Chain rules checked by verifyChain: seq starts at 1 and rises by exactly 1; each prevHash equals
 * the previous entry's hash; each hash matches its content. Limit: deleting the newest entries
 * leaves a valid shorter chain. The store notices it from SQLite's AUTOINCREMENT counter (see
 * audit-repository.ts) unless that is rewritten too; only a head (seq, hash) recorded outside the
 * device — e.g. in each export manifest — proves the log once reached further.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  readonly seq: number;
  /** Epoch milliseconds (UTC). */
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditVerdict =
  | { readonly ok: true; readonly entries: number; readonly head: AuditHead | null }
  | { readonly ok: false; readonly seq: number; readonly reason: string };

/** The newest entry: recorded outside the device (an export manifest), it anchors the tail. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** RFC 8785 canonical JSON of a JSON value; throws on values JSON cannot represent faithfully. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    // JSON.stringify(-0) is "0", as RFC 8785 requires.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is RFC 8785's key order.
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: not a JSON value (${typeof value})`);
}

export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const content = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/**
 * Incremental chain check, so a log of any length is verified while streaming it from SQLite.
 * Returns the first problem, or null while the chain holds. Started after a known entry (an
 * export's first entry, or the store's checkpoint: the newest entry an earlier verdict found
 * intact) it checks only what follows, trusting that entry: whatever came before is for a full walk.
 */
export class AuditChainChecker {
  private previous: AuditHead | null;
  private count = 0;

  /** `after`: the entry just before the first one checked, for a slice of the log (an export). */
  constructor(after: AuditHead | null = null) {
    this.previous = after;
  }

  next(entry: AuditEntry): { seq: number; reason: string } | null {
    const expectedSeq = this.previous === null ? 1 : this.previous.seq + 1;
    if (!Number.isSafeInteger(entry.seq) || entry.seq < expectedSeq) {
      return { seq: entry.seq, reason: `entry seq ${entry.seq} is out of order (expected ${expectedSeq})` };
    }
    if (entry.seq > expectedSeq) {
      const missing = entry.seq - 1 === expectedSeq ? `entry ${expectedSeq} is missing` : `entries ${expectedSeq}–${entry.seq - 1} are missing`;
      return { seq: expectedSeq, reason: `${missing}: the log jumps from ${expectedSeq - 1} to ${entry.seq} (removed)` };
    }
    let computed: string;
    try {
      computed = auditEntryHash(entry);
    } catch (error) {
      return { seq: entry.seq, reason: `entry ${entry.seq} cannot be hashed: ${(error as Error).message}` };
    }
    if (computed !== entry.hash) {
      return { seq: entry.seq, reason: `entry ${entry.seq} does not match its hash (its content was edited)` };
    }
    const expectedPrev = this.previous?.hash ?? GENESIS_HASH;
    if (entry.prevHash !== expectedPrev) {
      return {
        seq: entry.seq,
        reason: this.previous === null
          ? `entry ${entry.seq} should start the chain (prevHash of 64 zeros) but carries ${entry.prevHash}`
          : `entry ${entry.seq} does not link to entry ${this.previous.seq}: its prevHash differs from that entry's hash (entry ${this.previous.seq} was replaced, or the chain rewritten)`,
      };
    }
    this.previous = { seq: entry.seq, hash: entry.hash };
    this.count += 1;
    return null;
  }

  get entries(): number {
    return this.count;
  }

  get head(): AuditHead | null {
    return this.previous;
  }
}

/**
 * Verifies entries, oldest first: the whole log from seq 1, or with `after` a slice that follows
 * a known entry.
 */
export function verifyChain(entries: Iterable<AuditEntry>, after: AuditHead | null = null): AuditVerdict {
  const checker = new AuditChainChecker(after);
  for (const entry of entries) {
    const problem = checker.next(entry);
    if (problem) return { ok: false, ...problem };
  }
  return { ok: true, entries: checker.entries, head: checker.head };
}
