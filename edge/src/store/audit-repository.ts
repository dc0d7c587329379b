/**
 * The audit log: who held, released, exported, viewed or downloaded evidence, and when. Append-only
 * and hash-chained (audit-chain.ts defines the hash and the chain rules), so an edited or removed
 * entry is found by verify(). Nothing here updates or deletes a row.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import {
  AuditChainChecker, GENESIS_HASH, auditEntryHash, canonicalJson, type AuditEntry, type AuditHead, type AuditVerdict,
} from './audit-chain.js';
import { details, failValidation, validate } from './validation.js';

/** The actions Mimamori writes; the column takes other dotted names so older code reads newer logs. */
export const AUDIT_ACTIONS = ['hold.create', 'hold.release', 'export.create', 'export.download', 'clip.view', 'clip.download'] as const;
export type KnownAuditAction = (typeof AUDIT_ACTIONS)[number];
// `string & {}` keeps editor completion for the known names while accepting any string.
export type AuditAction = KnownAuditAction | (string & {});

export interface NewAuditEntry {
  /** Who did it: a dashboard user, a CLI operator, `agent`. 1 to 64 characters. */
  readonly actor: string;
  readonly action: AuditAction;
  /** What it was done to: a hold id, an export id, a clip path. */
  readonly subject?: string | null;
  /** Default {}. JSON values only. */
  readonly details?: Record<string, unknown>;
}

export interface AuditQuery {
  /** Entries with seq > afterSeq (default 0), oldest first. */
  readonly afterSeq?: number;
  /** Default 100, at most 10000. */
  readonly limit?: number;
}

export interface AuditRepository {
  /** Appends one entry in its own immediate transaction (or the caller's, when inside one). */
  append(entry: NewAuditEntry): AuditEntry;
  list(query?: AuditQuery): AuditEntry[];
  /** The newest entry's seq and hash, or null for an empty log: record it outside to anchor the tail. */
  head(): AuditHead | null;
  /**
   * Checks the chain; see audit-chain.ts for what it can and cannot detect. By default only the
   * entries after the last intact verdict of this store are hashed (the checkpoint: that entry's
   * seq and hash, in memory for the life of the store), after re-checking that entry itself, so a
   * dashboard asking every few seconds costs the new entries, not the whole log. An edit before the
   * checkpoint that keeps the checkpoint entry intact is found only by `{ full: true }`, which walks
   * from seq 1 (`mimamori audit verify`; a store's first verify is full too).
   */
  verify(options?: { readonly full?: boolean }): AuditVerdict;
}

/** Control characters would let an actor name forge line breaks in printed logs. */
const noControl = (s: string): boolean => !/\p{Cc}/u.test(s);

/** Who did something: also used by holds for createdBy / releasedBy. */
export const actor = z.string().trim().min(1).max(64).refine(noControl, 'must not contain control characters');
export const auditAction = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be a dotted lower-case name such as hold.create');
/** 64 KiB of canonical JSON per entry: the log records decisions, not payloads. */
const MAX_DETAILS_CHARS = 65_536;

const newEntrySchema = z
  .object({
    actor,
    action: auditAction,
    subject: z.string().min(1).max(256).refine(noControl, 'must not contain control characters').nullable().default(null),
    details: details.default({}),
  })
  .strict();

const querySchema = z
  .object({
    afterSeq: z.int().nonnegative().default(0),
    limit: z.int().min(1).max(10_000).default(100),
  })
  .strict();

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, action, subject, details, prev_hash, hash';

/** Throws on a details column that is not a JSON object (possible only by writing SQL by hand). */
function toEntry(row: AuditRow): AuditEntry {
  const parsed: unknown = JSON.parse(row.details);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`audit entry ${row.seq}: details is not a JSON object`);
  }
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: parsed as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function createAuditRepository(db: Database, clock: () => number): AuditRepository {
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  // AUTOINCREMENT's high-water mark: it survives deletion of the newest rows, which is how a removed
  // tail is noticed (the next entry, and verify(), see the gap).
  const counter = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");
  const insert = db.prepare<[AuditRow]>(
    `INSERT INTO audit_log (${COLUMNS}) VALUES (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash)`,
  );
  const all = db.prepare<[], AuditRow>(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`);
  const page = db.prepare<[{ afterSeq: number; limit: number }], AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log WHERE seq > @afterSeq ORDER BY seq LIMIT @limit`,
  );
  const after = db.prepare<[number], AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq`);
  const one = db.prepare<[number], AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq = ?`);
  /** The newest entry an intact verdict reached, and how many entries that verdict counted. */
  let checkpoint: { head: AuditHead; entries: number } | null = null;

  const highWater = (): number => Math.max(counter.get()?.seq ?? 0, last.get()?.seq ?? 0);

  // Reading the last hash and inserting happen under one write lock (BEGIN IMMEDIATE), so two
  // appenders — the agent and a CLI process, or two connections in one process — never both chain
  // onto the same entry. Inside a caller's transaction (a hold with its entry) this is a savepoint
  // and the caller's transaction holds the lock.
  const appendTx = db.transaction((entry: z.output<typeof newEntrySchema>, at: number): AuditEntry => {
    const previous = last.get();
    const content = {
      seq: highWater() + 1,
      at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: entry.details,
      prevHash: previous?.hash ?? GENESIS_HASH,
    };
    const record: AuditEntry = { ...content, hash: auditEntryHash(content) };
    insert.run({
      seq: record.seq,
      at: record.at,
      actor: record.actor,
      action: record.action,
      subject: record.subject,
      // Stored canonical, so the column holds exactly the text that was hashed.
      details: canonicalJson(record.details),
      prev_hash: record.prevHash,
      hash: record.hash,
    });
    return record;
  });

  /** Walks `rows` on from `start`, then checks the AUTOINCREMENT counter for a removed tail. */
  const walk = (rows: Iterable<AuditRow>, start: { head: AuditHead; entries: number } | null): AuditVerdict => {
    const checker = new AuditChainChecker(start?.head ?? null);
    for (const row of rows) {
      let entry: AuditEntry;
      try {
        entry = toEntry(row);
      } catch (error) {
        return { ok: false, seq: row.seq, reason: `entry ${row.seq} is unreadable: ${(error as Error).message}` };
      }
      const problem = checker.next(entry);
      if (problem) return { ok: false, ...problem };
    }
    const reached = counter.get()?.seq ?? 0;
    const head = checker.head;
    if (reached > (head?.seq ?? 0)) {
      const first = (head?.seq ?? 0) + 1;
      return {
        ok: false,
        seq: first,
        reason: `entries ${first}–${reached} were removed from the end of the log (it once reached seq ${reached})`,
      };
    }
    return { ok: true, entries: (start?.entries ?? 0) + checker.entries, head };
  };

  /** Whether the checkpoint entry is still there, unchanged and consistent with its own hash. */
  const checkpointHolds = (head: AuditHead): boolean => {
    const row = one.get(head.seq);
    if (!row || row.hash !== head.hash) return false;
    try {
      return auditEntryHash(toEntry(row)) === head.hash;
    } catch {
      return false;
    }
  };

  const verifyTx = db.transaction((full: boolean): AuditVerdict => {
    const known = checkpoint;
    const holds = known === null || checkpointHolds(known.head);
    let verdict = !full && known !== null && holds ? walk(after.iterate(known.head.seq), known) : walk(all.iterate(), null);
    if (verdict.ok && known !== null && !holds) {
      // Intact from seq 1 yet not the entry verified earlier: rewritten, hashes and all. The
      // checkpoint is kept, so every later verify says so too.
      verdict = {
        ok: false,
        seq: known.head.seq,
        reason: `entry ${known.head.seq} is not the entry verified earlier (hash ${known.head.hash}): the chain was rewritten`,
      };
    }
    if (verdict.ok && verdict.head !== null) checkpoint = { head: verdict.head, entries: verdict.entries };
    // A break before the checkpoint (found by a full walk): later verifies walk from seq 1 and keep finding it.
    else if (!verdict.ok && known !== null && holds && verdict.seq <= known.head.seq) checkpoint = null;
    return verdict;
  });

  return {
    append(entry) {
      const e = validate(`audit.append(${String((entry as { action?: unknown } | null)?.action)})`, newEntrySchema, entry);
      if (canonicalJson(e.details).length > MAX_DETAILS_CHARS) {
        failValidation(`audit.append(${e.action})`, 'details', [`details: larger than ${MAX_DETAILS_CHARS} characters of JSON`]);
      }
      return appendTx.immediate(e, clock());
    },

    list(query = {}) {
      const q = validate('audit.list', querySchema, query);
      return page.all(q).map(toEntry);
    },

    head() {
      const row = last.get();
      return row === undefined ? null : { seq: row.seq, hash: row.hash };
    },

    verify(options = {}) {
      // A deferred transaction: the rows and the counter are read from one snapshot even while
      // another process appends.
      return verifyTx(options.full === true);
    },
  };
}
