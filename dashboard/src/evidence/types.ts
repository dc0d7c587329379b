/** The agent's JSON as the evidence desk reads it (edge/src/evidence/holds.ts holdJson, api/routes/export-routes.ts). */
export interface Hold {
  id: string;
  caseNumber: string;
  officer: string;
  station: string;
  reason: string;
  from: string;
  to: string;
  cameras: string[];
  active: boolean;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

export interface ExportEntry {
  name: string;
  holdId: string;
  caseNumber: string;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  bytes: number | null;
  manifestSha256: string | null;
  createdAt: string;
  createdBy: string | null;
  downloadUrl: string | null;
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

export type AuditVerdict = { ok: true; entries: number } | { ok: false; seq: number; reason: string };

export interface VerifyVerdict {
  /** Integrity and origin both proven. */
  verified: boolean;
  /** Unchanged since signed, by whichever key signed it. */
  integrity: boolean;
  scope: 'manifest' | 'bundle';
  signature: 'valid' | 'invalid' | 'not-checked';
  key: { source: 'given' | 'device' | 'bundled' | 'none'; fingerprint: string | null };
  /** Signed by this device's key, or by a key with the fingerprint given. */
  originProven: boolean;
  /** This device's key fingerprint; null when it has none (it has signed nothing). */
  deviceFingerprint: string | null;
  expectedFingerprint: string | null;
  manifestSha256: string | null;
  manifest: {
    bundleName: string; caseNumber: string; holdId: string; deviceId: string; exportedAt: string; exportedBy: string | null;
    from: string; to: string; files: number; cameras: (string | null)[];
  } | null;
  filesChecked: boolean;
  filesMatched: number;
  filesListed: number;
  problems: { file: string; kind: string; message: string }[];
}

/** What each panel of the desk may ask of the page. */
export interface Desk {
  /** Shows an error (the agent's message) in the page's alert. */
  fail(err: unknown): void;
  clearError(): void;
  refreshHolds(): Promise<void>;
  refreshExports(): Promise<void>;
  refreshAudit(): Promise<void>;
}
