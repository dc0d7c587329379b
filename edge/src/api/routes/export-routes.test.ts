/**
 * Evidence exports over HTTP on real footage: segments cut by ffmpeg and indexed in a real SQLite
 * store, exported by the real export code (ffmpeg join, Ed25519 signature, zip), downloaded
 * through the API and checked with verifyBundle; the audit chain checked after.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInAs } from '../../../test/api-session.js';
import { requireOpencvData } from '../../../test/fixtures.js';
import { recordFootage, storeEvent } from '../../../test/recorded-footage.js';
import { useTempStores } from '../../../test/temp-store.js';
import { waitUntil } from '../../../test/wait-until.js';
import { loadOrCreateDeviceKeys } from '../../evidence/device-keys.js';
import { verifyBundle } from '../../evidence/verify-bundle.js';
import { createLogger } from '../../log/logger.js';
import type { HoldRecord, Store } from '../../store/store.js';
import type { CameraAccess } from './camera-routes.js';
import { buildApi } from '../server.js';
import { expectMatches } from '../../../test/api-contract.js';
import { auditList, auditVerdict } from '../../wire/api/audit.js';
import { exportList, exportStarted, type ExportEntry } from '../../wire/api/exports.js';
import { verifyReport } from '../../wire/api/verify.js';

const newStore = useTempStores('mimamori-export-api-');
const T0 = new Date(2026, 2, 14, 10, 0, 0).getTime();
const S = 1000;

let work = '';
beforeAll(async () => {
  requireOpencvData();
  work = await mkdtemp(join(tmpdir(), 'mimamori-export-api-work-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function app(store: Store): FastifyInstance {
  const cameras = { configFile: null, list: () => [{ id: 'atm1' }] } as unknown as CameraAccess;
  return buildApi({ log: createLogger('http', { write: () => undefined }), site: 'store-001', status: () => ({}), store: () => store, cameras });
}

/** A store with `seconds` of real atm1 footage from T0, one event, and a hold over all of it. */
async function site(seconds = 6): Promise<{ store: Store; hold: HoldRecord }> {
  const store = newStore();
  loadOrCreateDeviceKeys(store.dataDir); // as the agent does on its first start
  await recordFootage(store, work, { camera: 'atm1', startMs: T0, seconds, segmentSeconds: 2 });
  await storeEvent(store, 'atm1', 'ev-1', T0 + 2 * S, T0 + 4 * S);
  const hold = store.holds.create({
    caseNumber: '2026-XYZ', officer: 'Sato', station: 'Shinjuku', reason: 'fraud', fromMs: T0, toMs: T0 + seconds * S, cameras: ['atm1'], createdBy: 'inv',
  });
  return { store, hold };
}

async function exportsOf(api: FastifyInstance, cookie: string): Promise<ExportEntry[]> {
  const res = await api.inject({ url: '/api/exports', headers: { cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return expectMatches(exportList, res);
}

/** Starts an export and waits (generously: a busy 2-core box) until it is no longer running. */
async function exportHold(api: FastifyInstance, cookie: string, holdId: string): Promise<ExportEntry> {
  const started = await api.inject({ method: 'POST', url: `/api/holds/${holdId}/exports`, headers: { cookie } });
  expect(started.statusCode, started.body).toBe(202);
  const { name } = expectMatches(exportStarted, started);
  let found: ExportEntry | undefined;
  await expect.poll(async () => {
    found = (await exportsOf(api, cookie)).find((e) => e.name === name);
    return found?.status;
  }, { timeout: 120_000, interval: 200 }).not.toBe('running');
  return found!;
}

function ffmpegChildren(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg']).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('evidence exports over HTTP', () => {
  it('exports a hold, lists it, downloads a zip that verifies, and audits create and download', async () => {
    const { store, hold } = await site();
    const api = app(store);
    const cookie = await logInAs(api, store, 'investigator', 'inv-k');
    const done = await exportHold(api, cookie, hold.id);
    expect(done).toMatchObject({ status: 'done', error: null, holdId: hold.id, caseNumber: '2026-XYZ', createdBy: 'inv-k' });
    expect(done.name).toMatch(/^mimamori-evidence-2026-XYZ-\d{8}T\d{6}\.zip$/);
    expect(done.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(done.bytes).toBeGreaterThan(10_000);

    const res = await api.inject({ url: done.downloadUrl!, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${done.name}"; filename*=UTF-8''${done.name}`);
    expect(res.rawPayload.length).toBe(done.bytes);
    const file = join(work, `downloaded-${process.pid}.zip`);
    await writeFile(file, res.rawPayload);
    const keys = loadOrCreateDeviceKeys(store.dataDir);
    const verdict = await verifyBundle(file, { publicKeyPem: keys.publicKeyPem });
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ verified: true, originProven: true, manifestSha256: done.manifestSha256 });

    const audit = expectMatches(auditList, await api.inject({ url: '/api/audit', headers: { cookie } }));
    expect(audit.map((e) => e.action)).toEqual(['hold.create', 'export.create', 'export.download']);
    expect(audit[1]).toMatchObject({ actor: 'inv-k', subject: hold.id, details: { output: done.name, format: 'zip', manifestSha256: done.manifestSha256 } });
    expect(audit[2]).toMatchObject({
      actor: 'inv-k', subject: done.name, details: { name: done.name, holdId: hold.id, caseNumber: '2026-XYZ', manifestSha256: done.manifestSha256, bytes: done.bytes },
    });
    expect(expectMatches(auditVerdict, await api.inject({ url: '/api/audit/verify', headers: { cookie } }))).toMatchObject({ ok: true, entries: 3 });
    await rm(file, { force: true });
    await api.close();
  });

  it('lets only investigators and admins in', async () => {
    const { store, hold } = await site();
    const api = app(store);
    const routes = [
      { method: 'POST' as const, url: `/api/holds/${hold.id}/exports` },
      { method: 'GET' as const, url: '/api/exports' },
      { method: 'GET' as const, url: '/api/exports/x.zip/download' },
      { method: 'POST' as const, url: '/api/verify', payload: { manifest: '{}', signature: 'AA==' } },
    ];
    for (const r of routes) expect((await api.inject(r)).statusCode, r.url).toBe(401);
    for (const role of ['clerk', 'bank'] as const) {
      const cookie = await logInAs(api, store, role);
      for (const r of routes) expect((await api.inject({ ...r, headers: { cookie } })).statusCode, `${role} ${r.url}`).toBe(403);
      const zip = await api.inject({ method: 'POST', url: '/api/verify/bundle', headers: { cookie, 'content-type': 'application/zip' }, payload: Buffer.from('PK') });
      expect(zip.statusCode).toBe(403);
    }
    const admin = await logInAs(api, store, 'admin');
    expect((await api.inject({ url: '/api/exports', headers: { cookie: admin } })).statusCode).toBe(200);
    expect(store.audit.list().map((e) => e.action)).toEqual(['hold.create']);
    await api.close();
  });

  it('refuses traversal and non-bundle names, answers 404 for unknown holds, and fails an export without footage', async () => {
    const { store, hold } = await site();
    const api = app(store);
    const cookie = await logInAs(api, store, 'investigator');
    const done = await exportHold(api, cookie, hold.id);
    expect(done.status).toBe('done');
    const exportsDir = join(store.dataDir, 'exports');
    // A stray zip that is no bundle, and a symlink to the real bundle: neither is a download.
    await writeFile(join(exportsDir, 'junk.zip'), 'not a zip');
    await symlink(join(exportsDir, done.name), join(exportsDir, 'linked.zip'));
    const before = store.audit.list().length;
    for (const [name, status] of [
      ['..%2F..%2Fmimamori.db', 400], ['..%2Fkeys%2Fdevice-ed25519.pem', 400], ['.hidden.zip', 400], ['a..zip', 400],
      [encodeURIComponent(`../${done.name}`), 400], ['manifest.json', 400], ['junk.zip', 404], ['linked.zip', 404], ['missing.zip', 404],
    ] as const) {
      const res = await api.inject({ url: `/api/exports/${name}/download`, headers: { cookie } });
      expect(res.statusCode, name).toBe(status);
      expect(res.json<{ error: string }>().error).toBeTruthy();
    }
    expect(store.audit.list().length).toBe(before);
    expect((await exportsOf(api, cookie)).map((e) => e.name)).toEqual([done.name]);

    const unknown = await api.inject({ method: 'POST', url: '/api/holds/0190b1a0-0000-7000-8000-000000000000/exports', headers: { cookie } });
    expect(unknown.statusCode).toBe(404);
    const badId = await api.inject({ method: 'POST', url: '/api/holds/..%2F..%2Fetc/exports', headers: { cookie } });
    expect(badId.statusCode).toBe(400);
    const body = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/exports`, headers: { cookie }, payload: { out: '/tmp/x.zip' } });
    expect(body.statusCode).toBe(400);
    expect(body.json<{ error: string }>().error).toContain('body: Unrecognized key: "out"');

    const empty = store.holds.create({
      caseNumber: '2026-EMPTY', officer: 'Sato', station: 'Shinjuku', reason: 'nothing then', fromMs: T0 - 7200 * S, toMs: T0 - 3600 * S, cameras: ['atm1'], createdBy: 'inv',
    });
    const failed = await exportHold(api, cookie, empty.id);
    expect(failed).toMatchObject({ status: 'failed', holdId: empty.id, downloadUrl: null });
    expect(failed.error).toContain(`hold ${empty.id} (case 2026-EMPTY): no recorded footage from`);
    expect(store.audit.list().filter((e) => e.action === 'export.create')).toHaveLength(1);
    await api.close();
  });

  it('runs one export per hold at a time', async () => {
    const { store, hold } = await site(20);
    const api = app(store);
    const cookie = await logInAs(api, store, 'investigator');
    const first = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/exports`, headers: { cookie } });
    expect(first.statusCode).toBe(202);
    const second = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/exports`, headers: { cookie } });
    expect(second.statusCode).toBe(409);
    expect(second.json<{ error: string }>().error).toBe(`an export of hold ${hold.id} is already running`);
    await expect.poll(async () => (await exportsOf(api, cookie)).map((e) => e.status), { timeout: 120_000, interval: 200 }).toEqual(['done']);
    await api.close();
  });

  it('aborts a running export when the API closes: no bundle, no staging folder, no ffmpeg, nothing audited', async () => {
    const { store, hold } = await site(60);
    const api = app(store);
    const cookie = await logInAs(api, store, 'investigator');
    const started = await api.inject({ method: 'POST', url: `/api/holds/${hold.id}/exports`, headers: { cookie } });
    expect(started.statusCode).toBe(202);
    const exportsDir = join(store.dataDir, 'exports');
    // The export has begun writing its hidden staging folder.
    await waitUntil('the export to start', () => readdirSync(exportsDir).some((n) => n.startsWith('.')), 60_000, 5);
    await api.close();
    expect(readdirSync(exportsDir)).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
    expect(store.audit.list().map((e) => e.action)).toEqual(['hold.create']);
  });

  it('verifies an uploaded manifest and signature, and finds a tampered manifest', async () => {
    const { store, hold } = await site();
    const api = app(store);
    const cookie = await logInAs(api, store, 'investigator');
    const done = await exportHold(api, cookie, hold.id);
    const zip = (await api.inject({ url: done.downloadUrl!, headers: { cookie } })).rawPayload;
    // The manifest and signature as an investigator has them from the bundle.
    const bundle = join(work, `bundle-${process.pid}`);
    execFileSync('mkdir', ['-p', bundle]);
    await writeFile(join(bundle, 'b.zip'), zip);
    execFileSync('unzip', ['-q', '-o', join(bundle, 'b.zip'), 'manifest.json', 'manifest.sig', 'device-public-key.pem', '-d', bundle]);
    const manifest = await readFile(join(bundle, 'manifest.json'), 'utf8');
    const signature = await readFile(join(bundle, 'manifest.sig'), 'utf8');
    const publicKeyPem = await readFile(join(bundle, 'device-public-key.pem'), 'utf8');
    const keys = loadOrCreateDeviceKeys(store.dataDir);
    const verify = (payload: object) => api.inject({ method: 'POST', url: '/api/verify', headers: { cookie }, payload });

    const own = await verify({ manifest, signature });
    expect(own.statusCode, own.body).toBe(200);
    expect(expectMatches(verifyReport, own)).toMatchObject({
      verified: true, integrity: true, scope: 'manifest', signature: 'valid', originProven: true, filesChecked: false, problems: [],
      key: { source: 'device', fingerprint: keys.fingerprint }, deviceFingerprint: keys.fingerprint, manifestSha256: done.manifestSha256,
      manifest: { caseNumber: '2026-XYZ', holdId: hold.id, deviceId: keys.deviceId, files: expect.any(Number) as number },
    });
    expect(expectMatches(verifyReport, await verify({ manifest, signature, publicKeyPem }))).toMatchObject({
      verified: true, originProven: true, key: { source: 'given', fingerprint: keys.fingerprint },
    });

    // A forger's manifest signed with the forger's own key, uploaded with that key: the signature is
    // valid, but that proves only integrity, never that this device signed it.
    const crypto = await import('node:crypto');
    const forger = crypto.generateKeyPairSync('ed25519');
    const forgerPem = forger.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forgerFingerprint = crypto.createHash('sha256').update(forger.publicKey.export({ type: 'spki', format: 'der' })).digest();
    const forged = manifest.replace('"caseNumber": "2026-XYZ"', '"caseNumber": "2026-FORGED"');
    const forgedSig = crypto.sign(null, Buffer.from(forged, 'utf8'), forger.privateKey).toString('base64');
    expect(expectMatches(verifyReport, await verify({ manifest: forged, signature: forgedSig, publicKeyPem: forgerPem }))).toMatchObject({
      verified: false, integrity: true, signature: 'valid', originProven: false, key: { source: 'given' }, deviceFingerprint: keys.fingerprint, problems: [],
    });
    // Told to expect this device's fingerprint, it names the mismatch.
    expect(expectMatches(verifyReport, await verify({ manifest: forged, signature: forgedSig, publicKeyPem: forgerPem, fingerprint: keys.fingerprint }))).toMatchObject({
      verified: false, integrity: true, originProven: false, problems: [{ file: 'publicKeyPem', kind: 'origin', message: expect.stringContaining(`not the ${keys.fingerprint} given`) as string }],
    });
    // A fingerprint the user supplies (colon-grouped, as people copy it) is what origin is then proven against.
    const grouped = forgerFingerprint.toString('hex').toUpperCase().match(/../g)!.join(':');
    expect(expectMatches(verifyReport, await verify({ manifest: forged, signature: forgedSig, publicKeyPem: forgerPem, fingerprint: grouped }))).toMatchObject({
      verified: true, originProven: true, expectedFingerprint: forgerFingerprint.toString('hex'),
    });
    const badFingerprint = await verify({ manifest, signature, fingerprint: 'abc' });
    expect(badFingerprint.statusCode).toBe(400);
    expect(badFingerprint.json<{ error: string }>().error).toContain('body.fingerprint: must be a key fingerprint');

    const tampered = await verify({ manifest: manifest.replace('"caseNumber": "2026-XYZ"', '"caseNumber": "2026-XYA"'), signature });
    expect(tampered.statusCode).toBe(200);
    expect(expectMatches(verifyReport, tampered)).toMatchObject({
      verified: false, signature: 'invalid', originProven: false, manifest: { caseNumber: '2026-XYA' },
      problems: [{ file: 'manifest.json', kind: 'signature', message: expect.stringContaining('signature check failed') as string }],
    });
    const otherKey = (await import('node:crypto')).generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(expectMatches(verifyReport, await verify({ manifest, signature, publicKeyPem: otherKey }))).toMatchObject({ verified: false, signature: 'invalid', key: { source: 'given' } });
    expect(expectMatches(verifyReport, await verify({ manifest, signature, publicKeyPem: 'not a key' }))).toMatchObject({ verified: false, problems: [{ file: 'publicKeyPem', kind: 'key' }] });
    const missing = await verify({ manifest });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: string }>().error).toContain('body.signature');

    // The whole zip: every file is checked too.
    const upload = (payload: Buffer, query = '') => api.inject({ method: 'POST', url: `/api/verify/bundle${query}`, headers: { cookie, 'content-type': 'application/zip' }, payload });
    const whole = await upload(zip);
    expect(whole.statusCode, whole.body).toBe(200);
    expect(expectMatches(verifyReport, whole)).toMatchObject({ verified: true, integrity: true, scope: 'bundle', filesChecked: true, originProven: true, key: { source: 'device' }, problems: [] });
    // The key inside the zip is this device's: origin proven by comparing fingerprints.
    expect(expectMatches(verifyReport, await upload(zip, '?key=bundled'))).toMatchObject({ verified: true, originProven: true, key: { source: 'bundled', fingerprint: keys.fingerprint } });
    // The same bundle re-signed by a forger, forger's key inside: intact, but not from this device.
    const resigned = join(bundle, 'resigned');
    execFileSync('mkdir', ['-p', resigned]);
    execFileSync('unzip', ['-q', '-o', join(bundle, 'b.zip'), '-d', resigned]);
    const forgedKey = Buffer.from(forgerPem);
    const m = JSON.parse(manifest) as { files: { path: string; bytes: number; sha256: string }[] };
    const keyEntry = m.files.find((f) => f.path === 'device-public-key.pem');
    if (keyEntry) Object.assign(keyEntry, { bytes: forgedKey.length, sha256: crypto.createHash('sha256').update(forgedKey).digest('hex') });
    const resignedManifest = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
    await writeFile(join(resigned, 'device-public-key.pem'), forgedKey);
    await writeFile(join(resigned, 'manifest.json'), resignedManifest);
    await writeFile(join(resigned, 'manifest.sig'), `${crypto.sign(null, resignedManifest, forger.privateKey).toString('base64')}\n`);
    execFileSync('zip', ['-q', '-r', '-X', join(bundle, 'resigned.zip'), '.'], { cwd: resigned });
    const resignedZip = await readFile(join(bundle, 'resigned.zip'));
    expect(expectMatches(verifyReport, await upload(resignedZip, '?key=bundled'))).toMatchObject({
      verified: false, integrity: true, originProven: false, key: { source: 'bundled' },
      problems: [{ file: 'device-public-key.pem', kind: 'origin', message: expect.stringContaining('was not signed by that device') as string }],
    });
    expect(expectMatches(verifyReport, await upload(resignedZip))).toMatchObject({ verified: false, integrity: false, signature: 'invalid', key: { source: 'device' } });
    const broken = Buffer.from(zip);
    const at = Math.floor(broken.length / 3); // inside some entry's data
    broken[at] = (broken[at] as number) ^ 0x40;
    const bad = expectMatches(verifyReport, await upload(broken));
    expect(bad.verified).toBe(false);
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(JSON.stringify(bad)).not.toContain(store.dataDir); // the temp path is never shown
    expect(expectMatches(verifyReport, await upload(Buffer.from('not a zip')))).toMatchObject({ verified: false, problems: [{ file: 'upload', kind: 'bundle' }] });
    expect((await upload(zip, '?key=mine')).statusCode).toBe(400);
    expect(readdirSync(join(store.dataDir, 'exports'))).toEqual([done.name]); // uploads are removed

    // A device that never made a key (never exported) has signed nothing; verifying there never creates one.
    const fresh = newStore();
    const freshApi = app(fresh);
    const freshCookie = await logInAs(freshApi, fresh, 'investigator');
    const noKey = await freshApi.inject({ method: 'POST', url: '/api/verify', headers: { cookie: freshCookie }, payload: { manifest, signature } });
    expect(expectMatches(verifyReport, noKey)).toMatchObject({
      verified: false, integrity: false, originProven: false, deviceFingerprint: null, key: { source: 'none' },
      problems: [{ file: 'device key', kind: 'key', message: expect.stringContaining('this device has no signing key yet') as string }],
    });
    const noKeyZip = await freshApi.inject({ method: 'POST', url: '/api/verify/bundle', headers: { cookie: freshCookie, 'content-type': 'application/zip' }, payload: zip });
    expect(expectMatches(verifyReport, noKeyZip)).toMatchObject({ verified: false, originProven: false, deviceFingerprint: null, problems: [{ file: 'device key', kind: 'key' }] });
    expect(expectMatches(verifyReport, await freshApi.inject({ method: 'POST', url: '/api/verify/bundle?key=bundled', headers: { cookie: freshCookie, 'content-type': 'application/zip' }, payload: zip })))
      .toMatchObject({ verified: false, integrity: true, originProven: false, problems: [] });
    expect(existsSync(join(fresh.dataDir, 'keys'))).toBe(false);
    await freshApi.close();

    await rm(bundle, { recursive: true, force: true });
    await api.close();
  });
});
