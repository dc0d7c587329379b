/**
 * One export of a legal hold as every front end runs it (`mimamori export` and the HTTP API's
 * `POST /api/holds/:id/exports`): sign with the device key, record the audit head in the manifest,
 * write the bundle, then append `export.create` to the audit log. An export that cannot be audited
 * is removed again: no evidence leaves the device unrecorded.
 */
import { rm } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import type { HoldRecord, Store } from '../store/store.js';
import { readPackageVersion } from '../package/package-version.js';
import { loadOrCreateDeviceKeys } from './device-keys.js';
import { exportBundle, type ExportResult } from './export-bundle.js';
import { storeFootageSource } from './export-sources.js';

export interface RunExportOptions {
  readonly store: Pick<Store, 'dataDir' | 'segments' | 'events' | 'resolve' | 'audit'>;
  readonly hold: HoldRecord;
  /** The hold's cameras, or every camera of the site for a hold that names none. */
  readonly cameras: readonly string[];
  /** A new folder, an existing folder to create the bundle in, or a `.zip` file (see exportBundle). */
  readonly out: string;
  /** The audit actor: a checked name (the CLI's --by, the logged-in user). */
  readonly by: string;
  readonly site: string | null;
  readonly ffmpegPath: string;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

export async function runExport(o: RunExportOptions): Promise<ExportResult> {
  const { store, hold } = o;
  const keys = loadOrCreateDeviceKeys(store.dataDir);
  const result = await exportBundle({
    hold,
    cameras: o.cameras,
    out: o.out,
    source: storeFootageSource(store),
    identity: keys,
    auditHead: store.audit.head(),
    exportedBy: o.by,
    site: o.site,
    softwareVersion: readPackageVersion(),
    ffmpegPath: o.ffmpegPath,
    signal: o.signal,
    log: o.log,
  });
  try {
    store.audit.append({
      actor: o.by,
      action: 'export.create',
      subject: hold.id,
      details: {
        holdId: hold.id,
        caseNumber: hold.caseNumber,
        output: result.name,
        format: result.format,
        manifestSha256: result.manifestSha256,
        files: result.fileCount,
        bytes: result.totalBytes,
      },
    });
  } catch (err) {
    await rm(result.path, { recursive: true, force: true });
    throw new Error(`the export was removed because its audit entry could not be written: ${(err as Error).message}`, { cause: err });
  }
  return result;
}
