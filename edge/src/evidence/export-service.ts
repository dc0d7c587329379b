/**
 * The device's export desk: background exports of legal holds into `<dataDir>/exports/` as zips,
 * and the list of finished bundles found there. Owned by the agent (close() aborts what runs:
 * ffmpeg killed, staging removed, so no partial bundle is left), used by the HTTP API.
 *
 * One export at a time per hold, at most `maxRunning` at once: the box's CPU and disk belong to
 * the cameras first. Failures are kept in memory for the list (the newest `maxFailedKept`); a
 * finished bundle is known by its own manifest, read from the zip and cached while the file is
 * unchanged, so the list does not reopen every zip.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { ifExists, isIoFailure } from '../store/if-exists.js';
import { StoreValidationError, type HoldRecord, type Store } from '../store/store.js';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest, sha256Hex } from './bundle-manifest.js';
import { defaultBundleName } from './bundle-names.js';
import { ZipBundleReader } from './bundle-zip.js';
import { EXPORTS_DIR } from './export-staging.js';
import { runExport } from './run-export.js';
import { isExportName } from '../wire/api/exports.js';

// The name rule is part of the API's contract (download URLs carry it); exports make names that pass it.
export { EXPORT_NAME, isExportName } from '../wire/api/exports.js';

/** Exports at once on the device (more would take CPU and disk from the cameras), and failures listed. */
export const EXPORT_LIMITS = { maxRunning: 2, maxFailedKept: 50 } as const;

export type ExportStatus = 'running' | 'done' | 'failed';

/** One export as the list shows it. */
export interface ExportEntry {
  readonly name: string;
  readonly holdId: string;
  readonly caseNumber: string;
  readonly status: ExportStatus;
  readonly error: string | null;
  readonly bytes: number | null;
  readonly manifestSha256: string | null;
  /** ISO time: the manifest's export time for a finished bundle, the start for one running or failed. */
  readonly createdAt: string;
  readonly createdBy: string | null;
}

/** What the download needs of a finished bundle, read from its own manifest. */
export interface BundleInfo {
  readonly holdId: string;
  readonly caseNumber: string;
  readonly manifestSha256: string;
  readonly exportedAt: string;
  readonly exportedBy: string | null;
}

export interface FinishedBundle {
  readonly path: string;
  readonly bytes: number;
  readonly info: BundleInfo;
}

/** Why an export was not started: no such hold, one already running for it, or the device busy. */
export class ExportRefused extends Error {
  override readonly name = 'ExportRefused';
  constructor(
    readonly reason: 'no-hold' | 'hold-busy' | 'device-busy',
    message: string,
  ) {
    super(message);
  }
}

export interface ExportServiceOptions {
  readonly store: () => Store;
  readonly site: string;
  /** The ffmpeg binary (ffmpeg/ffmpeg-binaries.ts locates it once); throws when there is none. */
  readonly ffmpegPath: () => string;
  /** Every camera of the site: the cameras of a hold that names none. */
  readonly cameras: () => readonly string[];
  readonly maxRunning: number;
  readonly maxFailedKept: number;
  readonly log: Logger;
}

interface Job {
  readonly name: string;
  readonly holdId: string;
  readonly caseNumber: string;
  readonly createdAt: number;
  readonly createdBy: string;
  status: ExportStatus;
  error: string | null;
  readonly controller: AbortController;
  done: Promise<void>;
}

export interface StartedExport {
  readonly name: string;
  readonly hold: HoldRecord;
  readonly createdAt: number;
}

export class ExportService {
  readonly #o: ExportServiceOptions;
  readonly #jobs = new Map<string, Job>();
  readonly #infoCache = new Map<string, { key: string; info: BundleInfo | null }>();
  #closed = false;

  constructor(options: ExportServiceOptions) {
    this.#o = options;
  }

  get exportsDir(): string {
    return join(this.#o.store().dataDir, EXPORTS_DIR);
  }

  /** exports/ as a real folder (created 0700 if missing); a symlink there could send bundles anywhere. */
  async ensureExportsDir(): Promise<string> {
    const dir = this.exportsDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is not a folder`);
    return dir;
  }

  /** Starts an export of hold `holdId` by `by` in the background; the list shows how it ends. */
  async start(holdId: string, by: string): Promise<StartedExport> {
    if (this.#closed) throw new ExportRefused('device-busy', 'the agent is stopping');
    const store = this.#o.store();
    let hold: HoldRecord | null;
    try {
      hold = store.holds.get(holdId);
    } catch (err) {
      if (!(err instanceof StoreValidationError)) throw err;
      hold = null;
    }
    if (!hold) throw new ExportRefused('no-hold', `no hold ${holdId}`);
    const running = [...this.#jobs.values()].filter((j) => j.status === 'running');
    if (running.some((j) => j.holdId === holdId)) throw new ExportRefused('hold-busy', `an export of hold ${holdId} is already running`);
    if (running.length >= this.#o.maxRunning) {
      throw new ExportRefused('device-busy', `${this.#o.maxRunning} exports are running already; try again when one has finished`);
    }

    const ffmpegPath = this.#o.ffmpegPath();
    const dir = await this.ensureExportsDir();
    const now = Date.now();
    const name = await this.#uniqueName(dir, hold.caseNumber, now);
    const controller = new AbortController();
    const job: Job = {
      name, holdId: hold.id, caseNumber: hold.caseNumber, createdAt: now, createdBy: by, status: 'running', error: null, controller, done: Promise.resolve(),
    };
    this.#jobs.set(name, job);
    const log = this.#o.log;
    job.done = runExport({
      store, hold, cameras: hold.cameras.length > 0 ? hold.cameras : this.#o.cameras(), out: join(dir, name), by, site: this.#o.site,
      ffmpegPath, signal: controller.signal, log,
    }).then(
      () => {
        job.status = 'done';
        // The list reads finished bundles from disk; this run's record is no longer needed.
        this.#jobs.delete(name);
      },
      (err: unknown) => {
        job.status = 'failed';
        job.error = controller.signal.aborted ? 'the agent stopped during the export; nothing was kept' : err instanceof Error ? err.message : String(err);
        log.warn('export failed', { hold: job.holdId, name, error: job.error });
        this.#forgetOldFailures();
      },
    );
    return { name, hold, createdAt: now };
  }

  /** Finished bundles in exports/ and this run's exports still running or failed, newest first. */
  async list(): Promise<ExportEntry[]> {
    const out: ExportEntry[] = [];
    const names = (await ifExists(this.exportsDir, (d) => readdir(d))) ?? [];
    for (const name of names) {
      if (!isExportName(name) || this.#jobs.get(name)?.status === 'running') continue;
      const found = await this.findBundle(name);
      if (!found) continue;
      const { info } = found;
      out.push({
        name, holdId: info.holdId, caseNumber: info.caseNumber, status: 'done', error: null, bytes: found.bytes,
        manifestSha256: info.manifestSha256, createdAt: info.exportedAt, createdBy: info.exportedBy,
      });
    }
    for (const j of this.#jobs.values()) {
      if (j.status === 'done') continue;
      out.push({
        name: j.name, holdId: j.holdId, caseNumber: j.caseNumber, status: j.status, error: j.error, bytes: null,
        manifestSha256: null, createdAt: new Date(j.createdAt).toISOString(), createdBy: j.createdBy,
      });
    }
    return out.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.name.localeCompare(b.name));
  }

  /** A complete bundle directly in exports/ under `name` (a checked export name), or null. */
  async findBundle(name: string): Promise<FinishedBundle | null> {
    if (!isExportName(name)) return null;
    const path = join(this.exportsDir, name);
    const stat = await ifExists(path, (p) => lstat(p));
    if (!stat?.isFile()) return null; // absent, a folder, or a symlink: never followed
    const key = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
    let cached = this.#infoCache.get(name);
    if (cached?.key !== key) {
      cached = { key, info: await readBundleInfo(path) };
      this.#infoCache.set(name, cached);
    }
    return cached.info ? { path, bytes: stat.size, info: cached.info } : null;
  }

  /** Aborts running exports (ffmpeg killed, staging removed) and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#jobs.values()].filter((j) => j.status === 'running');
    for (const j of running) j.controller.abort(new Error('the agent is stopping'));
    await Promise.allSettled(running.map((j) => j.done));
  }

  async #uniqueName(dir: string, caseNumber: string, now: number): Promise<string> {
    const base = defaultBundleName(caseNumber, now);
    for (let n = 1; ; n += 1) {
      const name = `${base}${n === 1 ? '' : `-${n}`}.zip`;
      if (this.#jobs.get(name)?.status === 'running') continue;
      if ((await ifExists(join(dir, name), (p) => lstat(p))) === null) return name;
    }
  }

  #forgetOldFailures(): void {
    const failed = [...this.#jobs.values()].filter((j) => j.status === 'failed').sort((a, b) => a.createdAt - b.createdAt);
    for (const j of failed.slice(0, Math.max(0, failed.length - this.#o.maxFailedKept))) this.#jobs.delete(j.name);
  }
}

/** The zip's manifest facts, or null when it is not a complete bundle (no manifest, signature, or a manifest that does not parse). */
async function readBundleInfo(path: string): Promise<BundleInfo | null> {
  let zip: ZipBundleReader;
  try {
    zip = await ZipBundleReader.open(path);
  } catch (err) {
    return notABundle(path, err);
  }
  try {
    const names = new Set(zip.list().map((e) => e.name));
    if (!names.has(MANIFEST_FILE) || !names.has(SIGNATURE_FILE)) return null;
    const bytes = await zip.read(MANIFEST_FILE, 64 * 1024 * 1024);
    const parsed = parseManifest(bytes);
    if ('problems' in parsed) return null;
    const m = parsed.manifest;
    return {
      holdId: m.hold.id, caseNumber: m.hold.caseNumber, manifestSha256: sha256Hex(bytes), exportedAt: m.exportedAt.at,
      exportedBy: typeof m.exportedBy === 'string' ? m.exportedBy : null,
    };
  } catch (err) {
    return notABundle(path, err);
  } finally {
    zip.close();
  }
}

/**
 * A file that is not a readable zip bundle (half copied, damaged, someone else's) is listed as
 * nothing; an I/O error reading it (EIO, EACCES) is not "no bundle" and is raised with the path.
 */
function notABundle(path: string, err: unknown): null {
  if (isIoFailure(err)) throw new Error(`export ${path}: cannot be read: ${(err as Error).message}`, { cause: err });
  return null;
}
