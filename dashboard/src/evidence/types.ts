/** The agent's JSON as the evidence desk reads it: the API's contract (edge/src/wire/api), as types only. */
export type { Hold, HoldBody, ReleaseBody } from '../../../edge/src/wire/api/holds.js';
export type { ExportEntry, ExportStarted } from '../../../edge/src/wire/api/exports.js';
export type { AuditLine as AuditEntry, AuditVerdict } from '../../../edge/src/wire/api/audit.js';
export type { VerifyBody, VerifyReport as VerifyVerdict } from '../../../edge/src/wire/api/verify.js';

/** What each panel of the desk may ask of the page. */
export interface Desk {
  /** Shows an error (the agent's message) in the page's alert. */
  fail(err: unknown): void;
  clearError(): void;
  refreshHolds(): Promise<void>;
  refreshExports(): Promise<void>;
  refreshAudit(): Promise<void>;
}
