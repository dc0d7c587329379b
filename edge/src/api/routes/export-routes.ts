/**
 * Evidence exports and verification over HTTP, for the dashboard's evidence desk:
 *
 * - `POST /api/holds/:id/exports`: starts an export of the hold as a zip under
 *   `<dataDir>/exports/` and answers 202 with its name at once; the export runs in the background
 *   (footage copied, joined by ffmpeg, hashed, signed, zipped) exactly as `mimamori export` runs it
 *   (evidence/run-export.ts), audited as `export.create` under the logged-in user. One export at a
 *   time per hold (409), at most MAX_RUNNING at once on the device (503): the box's CPU and disk
 *   belong to the cameras first. 404 for an unknown hold.
 * - `GET /api/exports`: newest first; the complete bundles found in exports/ (name, hold, case,
 *   size, manifest SHA-256, creation time) and the exports of this run that are still running or
 *   failed (with the error, e.g. no footage in the range). Failures are kept in memory only.
 * - `GET /api/exports/:name/download`: the zip as an attachment. Only names an export makes
 *   (letters, digits, `.`, `_`, `-`, ending `.zip`, never hidden) of regular files directly in
 *   exports/ that open as a bundle with a manifest and signature; anything else is 400 or 404.
 *   An `export.download` entry (actor, name, hold, case, manifest SHA-256) is appended before the
 *   first byte is sent, from the file already opened, so what is audited is what is sent.
 * - `POST /api/verify`: `mimamori verify` on an uploaded manifest: JSON `{ manifest, signature,
 *   publicKeyPem?, fingerprint? }` (the texts of manifest.json and manifest.sig). The signature is
 *   checked over the manifest's UTF-8 bytes with the key given, or else with this device's own key;
 *   the files themselves cannot be checked from a manifest alone (`filesChecked: false`).
 * - `POST /api/verify/bundle`: the whole zip as an `application/zip` body (up to
 *   MAX_UPLOAD_BYTES), written to a hidden temporary file in exports/, checked by verifyBundle
 *   (every file's size and SHA-256 too) and removed. `?key=device` (default) checks against this
 *   device's key, `?key=bundled` against the key inside the zip; `?fingerprint=` as below.
 *
 * Origin (`originProven`, and so `verified`) is proven only when the signing key is this device's
 * or has the `fingerprint` the caller gives: an uploaded key proves nothing by itself, since whoever
 * forged a bundle can sign it with their own key and upload that key too. A valid signature under
 * any other key is `integrity: true` only. Verification never creates the device key: a device
 * without one has signed nothing, and says so.
 *
 * Access: investigators and admins. Nothing from the request reaches the filesystem but a
 * validated export name, joined to the exports folder and checked to be a plain file there.
 * When the agent closes (fastify's onClose), running exports are aborted: ffmpeg is killed and the
 * staging folder removed, so no partial bundle is left.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  MANIFEST_FILE, SIGNATURE_FILE, checkManifestSignature, parseManifest, parsePublicKeyPem, publicKeyFingerprint, sha256Hex,
  type ParsedManifest,
} from '../../evidence/bundle-manifest.js';
import { defaultBundleName } from '../../evidence/bundle-names.js';
import { ZipBundleReader } from '../../evidence/bundle-zip.js';
import { loadDeviceKeys } from '../../evidence/device-keys.js';
import { runExport } from '../../evidence/run-export.js';
import { normaliseFingerprint, verifyBundle, type VerifyProblem, type VerifyResult } from '../../evidence/verify-bundle.js';
import { locateFfmpeg } from '../../ffmpeg/ffmpeg-binaries.js';
import { ifExists, isIoFailure } from '../../store/if-exists.js';
import { StoreValidationError, type HoldRecord } from '../../store/store.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { knownCameraIds } from '../known-cameras.js';
import { EXPORTS_DIR } from '../../evidence/export-staging.js';

export const EXPORT_DOWNLOAD = 'export.download';
/** Exports running at once on the device; more would take CPU and disk from the cameras. */
export const MAX_RUNNING = 2;
/** Failed exports remembered for the list (this run only). */
const MAX_FAILED = 50;
/** A manifest lists every file; a day of 60 s segments on several cameras stays far below this. */
const MAX_MANIFEST_UPLOAD = 16 * 1024 * 1024;
/** A zip upload for verification: hours of footage, but not an unbounded write to the device's disk. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

/** An export's file name as exports make them (defaultBundleName + .zip): one plain, visible path component. */
const exportName = z
  .string()
  .max(200)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]*\.zip$/u, 'must be an export name (letters, digits, ".", "_", "-", ending .zip)')
  .refine((n) => !n.includes('..'), 'must be an export name (no "..")');
const nameParams = z.object({ name: exportName }).strict();
const holdParams = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a hold id (a lower-case UUID)') }).strict();
const noBody = z.object({}).strict();
/** Empty means not given (a form's blank field); otherwise 64 hex digits, colons and spaces allowed. */
const fingerprintField = z
  .string()
  .max(200)
  .transform((text, c) => {
    if (text.trim() === '') return undefined;
    const fp = normaliseFingerprint(text);
    if (fp === null) {
      c.addIssue({ code: 'custom', message: 'must be a key fingerprint (64 hex digits, as `mimamori keys show` prints it)' });
      return z.NEVER;
    }
    return fp;
  })
  .optional();
const verifyBody = z
  .object({
    manifest: z.string().min(1, 'must be the text of manifest.json').max(MAX_MANIFEST_UPLOAD),
    signature: z.string().min(1, 'must be the text of manifest.sig').max(1024),
    publicKeyPem: z.string().max(16 * 1024).optional(),
    fingerprint: fingerprintField,
  })
  .strict();
const bundleQuery = z
  .object({ key: z.enum(['device', 'bundled'], { message: 'must be device or bundled' }).default('device'), fingerprint: fingerprintField })
  .strict();

const NO_DEVICE_KEY: VerifyProblem = {
  file: 'device key', kind: 'key', message: 'this device has no signing key yet, so it has signed nothing; give the public key or fingerprint to check against',
};

type Status = 'running' | 'done' | 'failed';

interface Job {
  readonly name: string;
  readonly holdId: string;
  readonly caseNumber: string;
  readonly createdAt: number;
  readonly createdBy: string;
  status: Status;
  error: string | null;
  readonly controller: AbortController;
  done: Promise<void>;
}

/** What the list and the download need of a finished bundle, read from its own manifest. */
interface BundleInfo {
  readonly holdId: string;
  readonly caseNumber: string;
  readonly manifestSha256: string;
  readonly exportedAt: string;
  readonly exportedBy: string | null;
}

export interface ExportJson {
  name: string;
  holdId: string;
  caseNumber: string;
  status: Status;
  error: string | null;
  bytes: number | null;
  manifestSha256: string | null;
  createdAt: string;
  createdBy: string | null;
  downloadUrl: string | null;
}

/** Fields outside the strictly parsed part of a manifest are shown only when they are text. */
function optionalText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The fields a person checks, from a manifest that parsed (untrusted unless the signature is valid). */
function manifestSummary(m: ParsedManifest): Record<string, unknown> {
  return {
    bundleName: m.bundleName,
    caseNumber: m.hold.caseNumber,
    holdId: m.hold.id,
    deviceId: m.device.deviceId,
    publicKeyFingerprint: m.device.publicKeyFingerprint,
    exportedAt: m.exportedAt.at,
    exportedBy: optionalText(m.exportedBy),
    from: m.range.from.at,
    to: m.range.to.at,
    files: m.files.length,
    cameras: Array.isArray(m.cameras) ? (m.cameras as unknown[]).map((c) => optionalText((c as { id?: unknown } | null)?.id)) : [],
  };
}

/**
 * The zip's manifest facts, or null when it is not a complete bundle (not a zip, no manifest or
 * signature, or a manifest that does not parse) or is gone. A zip the disk cannot read is an
 * error, not "no bundle": the list would otherwise hide evidence behind a permissions slip.
 */
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
    return { holdId: m.hold.id, caseNumber: m.hold.caseNumber, manifestSha256: sha256Hex(bytes), exportedAt: m.exportedAt.at, exportedBy: optionalText(m.exportedBy) };
  } catch (err) {
    return notABundle(path, err);
  } finally {
    zip.close();
  }
}

function notABundle(path: string, err: unknown): null {
  if (isIoFailure(err)) throw new Error(`export ${path}: cannot be read: ${(err as Error).message}`, { cause: err });
  return null;
}

/** ASCII-only fallback for old clients; filename* carries the real (possibly Japanese) name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Counts bytes through and fails the stream past `max`, so an upload never fills the disk. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new HttpError(413, `the upload is larger than ${max} bytes`));
      else cb(null, chunk);
    },
  });
}

export function registerExportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const guard = requireRole(ctx, 'investigator');
  const jobs = new Map<string, Job>();
  const infoCache = new Map<string, { key: string; info: BundleInfo | null }>();

  const exportsDir = (): string => join(ctx.store().dataDir, EXPORTS_DIR);
  const ensureExportsDir = async (): Promise<string> => {
    const dir = exportsDir();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    // A symlink here could send bundles anywhere on the disk.
    if (!info.isDirectory()) throw new Error(`${dir} is not a folder`);
    return dir;
  };

  /** The bundle's facts, cached while the file is unchanged (a list should not reopen every zip). */
  const bundleInfo = async (name: string, size: number, mtimeMs: number, ino: number): Promise<BundleInfo | null> => {
    const key = `${size}:${mtimeMs}:${ino}`;
    const cached = infoCache.get(name);
    if (cached?.key === key) return cached.info;
    const info = await readBundleInfo(join(exportsDir(), name));
    infoCache.set(name, { key, info });
    return info;
  };

  /** A complete bundle directly in exports/ under `name`, or null. */
  const findBundle = async (name: string): Promise<{ path: string; bytes: number; info: BundleInfo } | null> => {
    const path = join(exportsDir(), name);
    const stat = await ifExists(path, (p) => lstat(p));
    if (!stat?.isFile()) return null; // absent, a folder, or a symlink: never followed
    const info = await bundleInfo(name, stat.size, stat.mtimeMs, stat.ino);
    return info ? { path, bytes: stat.size, info } : null;
  };

  const uniqueName = async (dir: string, caseNumber: string, now: number): Promise<string> => {
    const base = defaultBundleName(caseNumber, now);
    for (let n = 1; ; n += 1) {
      const name = `${base}${n === 1 ? '' : `-${n}`}.zip`;
      if (jobs.get(name)?.status === 'running') continue;
      if (!(await ifExists(join(dir, name), (p) => lstat(p)))) return name;
    }
  };

  const forgetOldFailures = (): void => {
    const failed = [...jobs.values()].filter((j) => j.status === 'failed').sort((a, b) => a.createdAt - b.createdAt);
    for (const j of failed.slice(0, Math.max(0, failed.length - MAX_FAILED))) jobs.delete(j.name);
  };

  app.post('/api/holds/:id/exports', { preHandler: guard }, async (req, reply) => {
    const { id } = parseRequest(holdParams, req.params, 'params');
    parseRequest(noBody, req.body, 'body');
    const user = currentUser(req);
    const store = ctx.store();
    let hold: HoldRecord | null;
    try {
      hold = store.holds.get(id);
    } catch (err) {
      if (err instanceof StoreValidationError) hold = null;
      else throw err;
    }
    if (!hold) throw new HttpError(404, `no hold ${id}`);
    const running = [...jobs.values()].filter((j) => j.status === 'running');
    if (running.some((j) => j.holdId === id)) throw new HttpError(409, `an export of hold ${id} is already running`);
    if (running.length >= MAX_RUNNING) throw new HttpError(503, `${MAX_RUNNING} exports are running already; try again when one has finished`);

    const dir = await ensureExportsDir();
    const now = Date.now();
    const name = await uniqueName(dir, hold.caseNumber, now);
    const controller = new AbortController();
    const job: Job = {
      name, holdId: hold.id, caseNumber: hold.caseNumber, createdAt: now, createdBy: user.username,
      status: 'running', error: null, controller, done: Promise.resolve(),
    };
    jobs.set(name, job);
    const cameras = hold.cameras.length > 0 ? hold.cameras : knownCameraIds(ctx);
    const log = ctx.log.child('export');
    // Not awaited: the answer is 202 now; the list shows the outcome.
    job.done = runExport({
      store, hold, cameras, out: join(dir, name), by: user.username, site: ctx.site,
      ffmpegPath: locateFfmpeg(ctx.ffmpegPath).path, signal: controller.signal, log,
    }).then(
      () => {
        job.status = 'done';
        // The list reads finished bundles from disk; this run's record is no longer needed.
        jobs.delete(name);
      },
      (err: unknown) => {
        job.status = 'failed';
        job.error = controller.signal.aborted
          ? 'the agent stopped during the export; nothing was kept'
          : err instanceof Error ? err.message : String(err);
        log.warn('export failed', { hold: job.holdId, name, error: job.error });
        forgetOldFailures();
      },
    );
    return reply.code(202).send({
      name, holdId: hold.id, caseNumber: hold.caseNumber, status: 'running', createdAt: new Date(now).toISOString(),
      released: hold.releasedAt !== null,
    });
  });

  app.get('/api/exports', { preHandler: guard }, async () => {
    const out: ExportJson[] = [];
    const dir = exportsDir();
    const names = (await ifExists(dir, (d) => readdir(d))) ?? [];
    for (const name of names) {
      if (!exportName.safeParse(name).success || jobs.get(name)?.status === 'running') continue;
      const found = await findBundle(name);
      if (!found) continue;
      const { info } = found;
      out.push({
        name, holdId: info.holdId, caseNumber: info.caseNumber, status: 'done', error: null, bytes: found.bytes,
        manifestSha256: info.manifestSha256, createdAt: info.exportedAt, createdBy: info.exportedBy,
        downloadUrl: `/api/exports/${encodeURIComponent(name)}/download`,
      });
    }
    for (const j of jobs.values()) {
      if (j.status === 'done') continue;
      out.push({
        name: j.name, holdId: j.holdId, caseNumber: j.caseNumber, status: j.status, error: j.error, bytes: null,
        manifestSha256: null, createdAt: new Date(j.createdAt).toISOString(), createdBy: j.createdBy, downloadUrl: null,
      });
    }
    return out.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.name.localeCompare(b.name));
  });

  // No automatic HEAD route: a HEAD would write an audit entry for nothing.
  app.get('/api/exports/:name/download', { preHandler: guard, exposeHeadRoute: false }, async (req, reply) => {
    const { name } = parseRequest(nameParams, req.params, 'params');
    const user = currentUser(req);
    const found = await findBundle(name);
    if (!found) throw new HttpError(404, `no finished export ${name}`);
    let handle: FileHandle | null = await open(found.path, 'r');
    try {
      const size = (await handle.stat()).size;
      ctx.store().audit.append({
        actor: user.username,
        action: EXPORT_DOWNLOAD,
        subject: name,
        details: {
          name, holdId: found.info.holdId, caseNumber: found.info.caseNumber, manifestSha256: found.info.manifestSha256, bytes: size, role: user.role,
        },
      });
      const stream = createReadStream('', { fd: handle, autoClose: true });
      handle = null; // the stream owns it now
      return reply
        .type('application/zip')
        .header('content-length', String(size))
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', contentDisposition(name))
        .send(stream);
    } finally {
      await handle?.close();
    }
  });

  app.post('/api/verify', { preHandler: guard, bodyLimit: MAX_MANIFEST_UPLOAD + 64 * 1024 }, (req) => {
    const body = parseRequest(verifyBody, req.body, 'body');
    const device = loadDeviceKeys(ctx.store().dataDir);
    const problems: VerifyProblem[] = [];
    let key = null;
    let source: 'given' | 'device' | 'none' = 'none';
    if (body.publicKeyPem !== undefined && body.publicKeyPem.trim() !== '') {
      const parsed = parsePublicKeyPem(body.publicKeyPem);
      if ('key' in parsed) [key, source] = [parsed.key, 'given'];
      else problems.push({ file: 'publicKeyPem', kind: 'key', message: `the public key given is ${parsed.error}` });
    } else if (device) {
      [key, source] = [device.publicKey, 'device'];
    } else {
      problems.push(NO_DEVICE_KEY);
    }
    const fingerprint = key ? publicKeyFingerprint(key) : null;
    if (body.fingerprint !== undefined && fingerprint !== null && fingerprint !== body.fingerprint) {
      problems.push({ file: 'publicKeyPem', kind: 'origin', message: `has fingerprint ${fingerprint}, not the ${body.fingerprint} given: this manifest was not signed by that device` });
    }
    const bytes = Buffer.from(body.manifest, 'utf8');
    let signature: VerifyResult['signature'] = 'not-checked';
    if (key) {
      const check = checkManifestSignature(bytes, body.signature, key);
      signature = check.valid ? 'valid' : 'invalid';
      if (!check.valid) {
        const whose = source === 'device' ? "this device's key" : 'the key given';
        problems.push({ file: MANIFEST_FILE, kind: 'signature', message: `signature check failed with ${whose}: ${check.reason} (manifest.json or manifest.sig was changed, or another key signed it)` });
      }
    }
    const parsed = parseManifest(bytes);
    if ('problems' in parsed) {
      for (const p of parsed.problems) problems.push({ file: MANIFEST_FILE, kind: 'manifest', message: `is not a valid bundle manifest: ${p}` });
    }
    const integrity = signature === 'valid' && problems.every((p) => p.kind === 'origin');
    const originProven = integrity && fingerprint !== null && (fingerprint === body.fingerprint || (body.fingerprint === undefined && fingerprint === device?.fingerprint));
    return {
      verified: originProven,
      integrity,
      scope: 'manifest',
      signature,
      key: { source, fingerprint },
      originProven,
      deviceFingerprint: device?.fingerprint ?? null,
      expectedFingerprint: body.fingerprint ?? null,
      manifestSha256: sha256Hex(bytes),
      manifest: 'manifest' in parsed ? manifestSummary(parsed.manifest) : null,
      filesChecked: false,
      filesMatched: 0,
      filesListed: 'manifest' in parsed ? parsed.manifest.files.length : 0,
      problems,
    };
  });

  // The zip parser hands the raw body stream to this one route (encapsulated), never buffering it.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/zip', (_req, payload, done) => done(null, payload));
    scope.post('/api/verify/bundle', { preHandler: guard }, async (req) => {
      const q = parseRequest(bundleQuery, req.query, 'query');
      if (!(req.body instanceof Object) || typeof (req.body as Readable).pipe !== 'function') {
        throw new HttpError(415, 'send the bundle zip as the body with Content-Type: application/zip');
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_UPLOAD_BYTES) throw new HttpError(413, `the upload is larger than ${MAX_UPLOAD_BYTES} bytes`);
      const dir = await ensureExportsDir();
      // Hidden: the export list and downloads never see it.
      const temp = join(dir, `.upload-${randomBytes(8).toString('hex')}.zip`);
      try {
        await pipeline(req.body as Readable, byteLimit(MAX_UPLOAD_BYTES), createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        const device = loadDeviceKeys(ctx.store().dataDir);
        // The bundled key proves origin only when it is this device's, or has the fingerprint given.
        const expected = q.fingerprint ?? device?.fingerprint;
        const r = await verifyBundle(temp, {
          ...(q.key === 'device' && device ? { publicKeyPem: device.publicKeyPem } : {}),
          ...(expected === undefined ? {} : { fingerprint: expected }),
        });
        const problems = [
          ...(q.key === 'device' && !device ? [NO_DEVICE_KEY] : []),
          ...r.problems.map((p) => ({
            ...p,
            file: p.file === temp ? 'upload' : p.file === '--key' ? 'device key' : p.file,
            message: p.message.split(temp).join('the uploaded zip'),
          })),
        ];
        const integrity = r.integrity && problems.every((p) => p.kind === 'origin');
        const originProven = r.originProven && integrity;
        return {
          verified: originProven,
          integrity,
          scope: 'bundle',
          signature: r.signature,
          key: { source: r.key.source === 'given' ? 'device' : r.key.source, fingerprint: r.key.fingerprint },
          originProven,
          deviceFingerprint: device?.fingerprint ?? null,
          expectedFingerprint: q.fingerprint ?? null,
          manifestSha256: r.manifestSha256,
          manifest: r.manifest ? manifestSummary(r.manifest) : null,
          filesChecked: true,
          filesMatched: r.filesMatched,
          filesListed: r.filesListed,
          problems,
        };
      } finally {
        await rm(temp, { force: true });
      }
    });
  });

  // The agent is stopping: running exports are aborted (ffmpeg killed, staging removed) and
  // waited for, so the store is not closed under them and no partial bundle is left.
  app.addHook('onClose', async () => {
    const running = [...jobs.values()].filter((j) => j.status === 'running');
    for (const j of running) j.controller.abort(new Error('the agent is stopping'));
    await Promise.allSettled(running.map((j) => j.done));
  });
}
