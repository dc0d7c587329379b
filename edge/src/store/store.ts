/**
 * The edge store: one SQLite file under the data directory holding events, camera health and the
 * footage index. One Store per process; open it once at start and close() it at shutdown.
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { openDatabase, type DatabaseOptions } from './database.js';
import { createEventRepository, type EventRepository } from './event-repository.js';
import { createHealthRepository, DEFAULT_HEALTH_RETENTION_MS, type HealthRepository } from './health-repository.js';
import { newId as processIds, type UuidV7Generator } from './ids.js';
import type { MigrationResult } from './migrate.js';
import { createOutboxRepository, type OutboxRepository } from './outbox-repository.js';
import { createAckRepository, type AckRepository } from './ack-repository.js';
import { createSegmentRepository, type SegmentRepository } from './segment-repository.js';
import { createRetentionRepository, type RetentionRepository } from './retention-repository.js';
import { createUserRepository, type UserRepository } from './user-repository.js';
import { createAuditRepository, type AuditRepository } from './audit-repository.js';
import { createHoldRepository, type HoldRepository } from './hold-repository.js';
import { relativePath, validate } from './validation.js';

export interface StoreOptions extends Omit<DatabaseOptions, 'migrations'> {
  /** Epoch-ms clock for defaults (updatedAt, health `at`, segment createdAt, ids). Default Date.now. */
  readonly now?: () => number;
  /** Health samples older than this are pruned (default 7 days). */
  readonly healthRetentionMs?: number;
  /** Event id generator (default: the process-wide UUIDv7 generator). */
  readonly newId?: UuidV7Generator;
}

export interface Store {
  /** Absolute data directory. */
  readonly dataDir: string;
  /** Absolute path of mimamori.db. */
  readonly file: string;
  /** Schema versions before and after this open, and the migrations it applied. */
  readonly migration: MigrationResult;
  readonly events: EventRepository;
  readonly health: HealthRepository;
  readonly segments: SegmentRepository;
  /** What footage retention plans from (segments, events, holds) and its index repairs. */
  readonly retention: RetentionRepository;
  /** MQTT messages written before they are published; see outbox-repository.ts. */
  readonly outbox: OutboxRepository;
  /** Acknowledgements of events by staff. */
  readonly acks: AckRepository;
  /** Dashboard users, sessions and ATM kiosk tokens (hashes only). */
  readonly users: UserRepository;
  /** Legal holds; creating or releasing one also appends its audit entry, in one transaction. */
  readonly holds: HoldRepository;
  /** The append-only, hash-chained audit log of evidence access. */
  readonly audit: AuditRepository;
  /** Absolute path of a stored relative path (snapshotPath, segment path). */
  resolve(relative: string): string;
  /** Closes the database; idempotent. Repository calls after close() throw. */
  close(): void;
}

export function openStore(dataDir: string, options: StoreOptions = {}): Store {
  const { db, file, migration } = openDatabase(dataDir, options);
  try {
    return compose(db, file, migration, options);
  } catch (error) {
    db.close();
    throw error;
  }
}

function compose(db: Database, file: string, migration: MigrationResult, options: StoreOptions): Store {
  const clock = options.now ?? Date.now;
  const dir = path.dirname(file);
  const audit = createAuditRepository(db, clock);
  return {
    dataDir: dir,
    file,
    migration,
    events: createEventRepository(db, clock, options.newId ?? processIds),
    health: createHealthRepository(db, clock, options.healthRetentionMs ?? DEFAULT_HEALTH_RETENTION_MS),
    segments: createSegmentRepository(db, clock),
    retention: createRetentionRepository(db),
    outbox: createOutboxRepository(db, clock),
    acks: createAckRepository(db, clock),
    users: createUserRepository(db, clock),
    holds: createHoldRepository(db, clock, options.newId ?? processIds, audit),
    audit,
    resolve(relative) {
      return path.join(dir, validate('store.resolve', relativePath, relative));
    },
    close() {
      if (db.open) db.close();
    },
  };
}

// The pipeline imports the store from this one module.
export type { MigrationResult } from './migrate.js';
export type {
  Behaviour, EventEndPatch, EventPatch, EventQuery, EventRecord, EventRepository, NewEvent, PhoneState, Severity,
} from './event-repository.js';
export type { CameraState, HealthRecord, HealthRepository, HealthSample } from './health-repository.js';
export type { NewOutboxMessage, OutboxMessage, OutboxQos, OutboxRepository } from './outbox-repository.js';
export type { Role, SessionRecord, UserRecord, UserRepository } from './user-repository.js';
export { ROLES } from './user-repository.js';
export type { HoldQuery, HoldRecord, HoldRelease, HoldRepository, NewHold } from './hold-repository.js';
export { HoldReleasedError, UnknownHoldError } from './hold-repository.js';
export type { AuditAction, AuditQuery, AuditRepository, KnownAuditAction, NewAuditEntry } from './audit-repository.js';
export { AUDIT_ACTIONS } from './audit-repository.js';
export type { AuditEntry, AuditHead, AuditVerdict } from './audit-chain.js';
export type { AckRecord, AckRepository, AckSource, NewAck } from './ack-repository.js';
export type { Container, NewSegment, SegmentRange, SegmentRecord, SegmentRepository } from './segment-repository.js';
export type {
  GapKind, GapPosition, GapRules, GapSegment, RetentionEvent, RetentionHold, RetentionRepository, RetentionSegment, SegmentFileRow,
} from './retention-repository.js';
export { EventEndedError, SchemaVersionError, SegmentError, StoreValidationError, UnknownEventError } from './errors.js';
export { formatTimestamp } from './timestamps.js';
export { DB_FILE_NAME } from './database.js';
