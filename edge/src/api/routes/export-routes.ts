/**
 * Evidence exports and verification over HTTP, for the dashboard's evidence desk:
 *
 * - `POST /api/holds/:id/exports`: starts an export of the hold as a zip under
 *   `<dataDir>/exports/` and answers 202 with its name at once; the agent's export service
 *   (evidence/export-service.ts) runs it in the background exactly as `mimamori export` does,
 *   audited as `export.create` under the logged-in user. 409 while one runs for the hold, 503 while
 *   the device runs its limit of exports, 404 for an unknown hold.
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
 *   checked over the manifest's UTF-8 bytes with the key given, or else with this device's own key
 *   (evidence/verify-manifest.ts); the files themselves cannot be checked from a manifest alone
 *   (`filesChecked: false`).
 * - `POST /api/verify/bundle`: the whole zip as an `application/zip` body (up to
 *   MAX_UPLOAD_BYTES), written to a hidden temporary file in exports/, checked by verifyBundle
 *   (every file's size and SHA-256 too) and removed. `?key=device` (default) checks against this
 *   device's key, `?key=bundled` against the key inside the zip; `?fingerprint=` as below.
 *
 * Origin is proven only by this device's key or the fingerprint the caller gives (see
 * verify-manifest.ts); verification never creates the device key.
 *
 * Access: investigators and admins. Nothing from the request reaches the filesystem but a
 * validated export name, joined to the exports folder and checked to be a plain file there.
 * Without an export service from the agent (some tests), the routes start one of their own, closed
 * with the app.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { loadDeviceKeys } from '../../evidence/device-keys.js';
import { EXPORT_LIMITS, ExportRefused, ExportService } from '../../evidence/export-service.js';
import { verifyBundle } from '../../evidence/verify-bundle.js';
import { bundleReport, verifyManifest } from '../../evidence/verify-manifest.js';
import { exportNameParams, startExportBody, type ExportList, type ExportStarted } from '../../wire/api/exports.js';
import { holdIdParams } from '../../wire/api/holds.js';
import { MAX_MANIFEST_UPLOAD, bundleQuery, verifyBody, type VerifyReport } from '../../wire/api/verify.js';
import { locateFfmpeg } from '../../ffmpeg/ffmpeg-binaries.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { knownCameraIds } from '../known-cameras.js';

export const EXPORT_DOWNLOAD = 'export.download';
/** A zip upload for verification: hours of footage, but not an unbounded write to the device's disk. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;

const REFUSAL_STATUS = { 'no-hold': 404, 'hold-busy': 409, 'device-busy': 503 } as const;

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

function ownExportService(ctx: ApiContext): ExportService {
  return new ExportService({
    store: ctx.store, site: ctx.site, ffmpegPath: () => locateFfmpeg(ctx.ffmpegPath).path, cameras: () => knownCameraIds(ctx),
    log: ctx.log.child('export'), ...EXPORT_LIMITS,
  });
}

export function registerExportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const guard = requireRole(ctx, 'investigator');
  let own: ExportService | null = null;
  const exports = (): ExportService => ctx.exports ?? (own ??= ownExportService(ctx));
  app.addHook('onClose', async () => {
    await own?.close();
  });

  app.post('/api/holds/:id/exports', { preHandler: guard }, async (req, reply) => {
    const { id } = parseRequest(holdIdParams, req.params, 'params');
    parseRequest(startExportBody, req.body, 'body');
    try {
      const started = await exports().start(id, currentUser(req).username);
      const answer: ExportStarted = {
        name: started.name, holdId: started.hold.id, caseNumber: started.hold.caseNumber, status: 'running',
        createdAt: new Date(started.createdAt).toISOString(), released: started.hold.releasedAt !== null,
      };
      return await reply.code(202).send(answer);
    } catch (err) {
      if (err instanceof ExportRefused) throw new HttpError(REFUSAL_STATUS[err.reason], err.message);
      throw err;
    }
  });

  app.get('/api/exports', { preHandler: guard }, async (): Promise<ExportList> => {
    const entries = await exports().list();
    return entries.map((e) => ({ ...e, downloadUrl: e.status === 'done' ? `/api/exports/${encodeURIComponent(e.name)}/download` : null }));
  });

  // No automatic HEAD route: a HEAD would write an audit entry for nothing.
  app.get('/api/exports/:name/download', { preHandler: guard, exposeHeadRoute: false }, async (req, reply) => {
    const { name } = parseRequest(exportNameParams, req.params, 'params');
    const user = currentUser(req);
    const found = await exports().findBundle(name);
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

  app.post('/api/verify', { preHandler: guard, bodyLimit: MAX_MANIFEST_UPLOAD + 64 * 1024 }, (req): VerifyReport => {
    const body = parseRequest(verifyBody, req.body, 'body');
    return verifyManifest(body, loadDeviceKeys(ctx.store().dataDir));
  });

  // The zip parser hands the raw body stream to this one route (encapsulated), never buffering it.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/zip', (_req, payload, done) => done(null, payload));
    scope.post('/api/verify/bundle', { preHandler: guard }, async (req): Promise<VerifyReport> => {
      const q = parseRequest(bundleQuery, req.query, 'query');
      if (!(req.body instanceof Object) || typeof (req.body as Readable).pipe !== 'function') {
        throw new HttpError(415, 'send the bundle zip as the body with Content-Type: application/zip');
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_UPLOAD_BYTES) throw new HttpError(413, `the upload is larger than ${MAX_UPLOAD_BYTES} bytes`);
      const dir = await exports().ensureExportsDir();
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
        return bundleReport(r, { keySource: q.key, device, fingerprint: q.fingerprint, upload: temp });
      } finally {
        await rm(temp, { force: true });
      }
    });
  });
}
