/**
 * Builds a signed evidence bundle for a legal hold: per camera the recorded segments overlapping
 * the hold's range (copied as they are) and the same segments joined into one MP4 without
 * re-encoding, the events in the range as JSON with their snapshots, the device's public key, a
 * manifest listing every file with its size and SHA-256, and an Ed25519 signature over the
 * manifest's exact bytes.
 *
 * Safety:
 * - Everything is written into a hidden staging folder next to the output
 *   (`.<name>.incomplete-<random>`) and renamed to the output name only once it is complete and
 *   flushed to disk, so an interrupted export never leaves anything under the name asked for, and
 *   nothing in the staging folder is signed until the very end. Staging left by an export that
 *   was killed is removed before the next export into the same folder (export-staging.ts).
 * - Only names made by bundle-names.ts reach the filesystem: case numbers, camera ids, segment
 *   file names and event ids are made into single safe path components, so nothing can be written
 *   outside the output.
 * - An existing output is never replaced; folders are 0700 and files 0600.
 *
 * The hold, the footage index and the signing key come in through small interfaces so this module
 * does not depend on how they are stored (export-sources.ts adapts the store).
 */
import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ifExists } from '../store/if-exists.js';
import { formatTimestamp } from '../store/timestamps.js';
import type { EventRecord } from '../store/event-repository.js';
import { createLogger, type Logger } from '../log/logger.js';
import {
  MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, PUBLIC_KEY_FILE, SIGNATURE_FILE, encodeManifest, publicKeyFingerprint,
  sha256Hex, signManifest, type BundleManifest, type ManifestCamera, type ManifestClock, type ManifestFile, type ManifestHold,
  type ManifestSegment, type ManifestTime,
} from './bundle-manifest.js';
import { UniqueNames, defaultBundleName } from './bundle-names.js';
import { writeZip } from './bundle-zip.js';
import { describeClock } from './export-clock.js';
import { joinSegments } from './join-segments.js';
import { removeLeftoverStaging, stagingName } from './export-staging.js';
import type { HoldRecord } from '../store/hold-repository.js';

/** The hold being exported, as the store keeps it. */
export type HoldForExport = HoldRecord;

export interface SigningIdentity {
  readonly deviceId: string;
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export interface SegmentForExport {
  /** Relative to the data directory, as indexed. */
  readonly path: string;
  readonly startMs: number;
  /** null while the segment is being written. */
  readonly endMs: number | null;
  /** The camera codec the recorder transcoded from (to H.264); null or absent: copied as it came. */
  readonly transcodedFrom?: string | null;
}

/** Where footage and events come from (the store on the device; anything in tests). */
export interface FootageSource {
  /** Segments of the camera overlapping [fromMs, toMs), oldest first. */
  segments(camera: string, fromMs: number, toMs: number): readonly SegmentForExport[];
  /** Events of the camera overlapping [fromMs, toMs). */
  events(camera: string, fromMs: number, toMs: number): readonly EventRecord[];
  /** Absolute path of an indexed relative path; throws for a path that would leave the data directory. */
  resolve(relative: string): string;
}

export interface ExportBundleOptions {
  readonly hold: HoldForExport;
  /** The cameras to export (the hold's, or every configured camera when the hold names none). */
  readonly cameras: readonly string[];
  /** A new folder, an existing folder to create the bundle in, or a `.zip` file. */
  readonly out: string;
  readonly source: FootageSource;
  readonly identity: SigningIdentity;
  /** The audit log's newest entry before this export's own entry is appended. */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly exportedBy: string;
  readonly site?: string | null;
  readonly softwareVersion: string;
  readonly ffmpegPath: string;
  /** Default: describeClock (system clock, NTP state from timedatectl). */
  readonly clock?: (nowMs: number) => Promise<ManifestClock>;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

export interface ExportResult {
  /** Absolute path of the finished bundle (folder or zip). */
  readonly path: string;
  readonly name: string;
  readonly format: 'directory' | 'zip';
  readonly manifestSha256: string;
  readonly fileCount: number;
  /** Sum of the listed files' sizes. */
  readonly totalBytes: number;
  readonly cameras: readonly { readonly id: string; readonly segments: number; readonly missing: number }[];
  readonly events: number;
  readonly keyFingerprint: string;
}

/** The request cannot be carried out as given (output exists, no such folder): exit code 2. */
export class ExportRefusedError extends Error {
  override readonly name = 'ExportRefusedError';
}

/** The hold's range has no footage on this device: exit code 1. */
export class NoFootageError extends Error {
  override readonly name = 'NoFootageError';
}

interface OutputPlan {
  readonly format: 'directory' | 'zip';
  readonly final: string;
  readonly name: string;
  readonly parent: string;
  readonly staging: string;
  /** The zip under its temporary name (zip output only). */
  readonly partialZip: string | null;
}

export const BUNDLE_README = 'README.txt';
export const EVENTS_FILE = 'events/events.json';

async function exists(path: string): Promise<boolean> {
  return (await ifExists(path, (p) => lstat(p))) !== null;
}

/**
 * Where the bundle goes. `--out x.zip` is the zip itself; `--out dir` is the bundle folder when it
 * does not exist yet, or the folder to create `mimamori-evidence-<case>-<time>` in when it does.
 * The parent must already exist: an export never creates folders elsewhere on the disk.
 */
export async function planOutput(out: string, caseNumber: string, nowMs: number): Promise<OutputPlan> {
  const target = resolve(out);
  const zip = /\.zip$/i.test(target);
  let final = target;
  if (!zip) {
    const info = await ifExists(target, (p) => lstat(p));
    if (info?.isDirectory()) {
      if (await exists(join(target, MANIFEST_FILE))) {
        throw new ExportRefusedError(`output ${target} is already an evidence bundle; choose a new name`);
      }
      final = join(target, defaultBundleName(caseNumber, nowMs));
    } else if (info) {
      throw new ExportRefusedError(`output ${target} already exists and is not a folder; an export never replaces a file`);
    }
  }
  if (await exists(final)) throw new ExportRefusedError(`output ${final} already exists; an export never replaces an existing output`);
  const parent = dirname(final);
  const parentInfo = await ifExists(parent, (p) => lstat(p));
  if (!parentInfo) throw new ExportRefusedError(`output folder ${parent} does not exist`);
  if (!parentInfo.isDirectory()) throw new ExportRefusedError(`output folder ${parent} is not a folder`);
  const name = basename(final);
  const staging = join(parent, stagingName(name));
  return { format: zip ? 'zip' : 'directory', final, name, parent, staging, partialZip: zip ? `${staging}.part` : null };
}

function time(ms: number): ManifestTime {
  return { at: formatTimestamp(ms), ms };
}

function optionalTime(ms: number | null): ManifestTime | null {
  return ms === null ? null : time(ms);
}

function holdSection(hold: HoldForExport): ManifestHold {
  return {
    id: hold.id,
    caseNumber: hold.caseNumber,
    officer: hold.officer,
    station: hold.station,
    reason: hold.reason,
    from: time(hold.fromMs),
    to: time(hold.toMs),
    cameras: [...hold.cameras],
    createdAt: time(hold.createdAt),
    createdBy: hold.createdBy,
    expiresAt: optionalTime(hold.expiresAt),
    releasedAt: optionalTime(hold.releasedAt),
    releasedBy: hold.releasedBy,
    releaseReason: hold.releaseReason,
  };
}

async function makeDir(path: string): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  // mkdir's mode is filtered by the umask; set it exactly.
  await chmod(path, 0o700);
}

async function writeNew(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
}

/** Copies a file as it is on disk now; the copy (not the source) is what gets hashed. */
async function copyNew(from: string, to: string): Promise<void> {
  // FICLONE shares blocks on copy-on-write filesystems and falls back to a plain copy elsewhere.
  await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  await chmod(to, 0o600);
}

/** SHA-256 and size of a file, and flushes it to disk (a bundle on a stick must survive unplugging). */
async function hashAndSync(path: string): Promise<{ bytes: number; sha256: string }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream('', { fd: handle.fd, autoClose: false }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    await handle.sync();
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every file under `root` as "/" separated relative paths, sorted; folders are flushed as they are walked. */
async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const dir = rel ? join(root, rel) : root;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (entry.isFile()) out.push(child);
    else throw new Error(`staging ${dir}: unexpected ${entry.name} (not a file or folder)`);
  }
  await syncDir(dir);
  return out.sort();
}

function readme(bundleName: string, hold: HoldForExport): string {
  return [
    `Mimamori evidence bundle ${bundleName}`,
    `Case ${hold.caseNumber}, hold ${hold.id}.`,
    '',
    'manifest.json lists every file of this bundle with its size and SHA-256, the device, the export time,',
    'the clock source, the software version and the hold. manifest.sig is an Ed25519 signature (base64)',
    'over the exact bytes of manifest.json, made with the device key; device-public-key.pem is that key.',
    '',
    'Check it:  mimamori verify <this folder or zip> --key <public key obtained from the device>',
    '       or  mimamori verify <this folder or zip> --fingerprint <key fingerprint obtained from the device>',
    'Without mimamori (OpenSSL 3):',
    '  base64 -d manifest.sig > manifest.sig.bin',
    '  openssl pkeyutl -verify -pubin -inkey device-public-key.pem -rawin -in manifest.json -sigfile manifest.sig.bin',
    '  sha256sum <file>   (compare with manifest.json)',
    'The key in this bundle proves the files are unchanged since signing, not who signed them: compare its',
    'fingerprint with `mimamori keys show` on the device, or verify with a key obtained from the device.',
    'Its fingerprint:  openssl pkey -pubin -in device-public-key.pem -outform DER | sha256sum',
    '',
    'footage/<camera>/<camera>.mp4       the segments below joined without re-encoding (whole segments:',
    '                                    it may start before and end after the requested range)',
    'footage/<camera>/segments/*.ts      the original recorded segments (MPEG-TS), unchanged',
    'events/events.json                  events overlapping the range; events/snapshots/ their snapshots',
    '',
  ].join('\n');
}

export async function exportBundle(options: ExportBundleOptions): Promise<ExportResult> {
  const { hold, source, signal } = options;
  const log = options.log ?? createLogger('export');
  const now = options.now ?? Date.now;
  if (!Number.isFinite(hold.fromMs) || !Number.isFinite(hold.toMs) || hold.toMs <= hold.fromMs) {
    throw new ExportRefusedError(`hold ${hold.id}: range ${hold.fromMs}..${hold.toMs} is empty or invalid`);
  }
  if (options.cameras.length === 0) throw new NoFootageError(`hold ${hold.id}: no cameras to export (the hold names none and none are configured)`);

  // The index is read before anything is written, so "no footage" creates nothing at all.
  const plannedCameras = options.cameras.map((camera) => ({ camera, segments: source.segments(camera, hold.fromMs, hold.toMs) }));
  const indexed = plannedCameras.reduce((n, c) => n + c.segments.length, 0);
  const rangeText = `${formatTimestamp(hold.fromMs)} to ${formatTimestamp(hold.toMs)}`;
  if (indexed === 0) {
    throw new NoFootageError(`hold ${hold.id} (case ${hold.caseNumber}): no recorded footage from ${rangeText} on camera(s) ${options.cameras.join(', ')}`);
  }

  const startedMs = now();
  const plan = await planOutput(options.out, hold.caseNumber, startedMs);
  await removeLeftoverStaging(plan.parent, log);
  const publicKey = createPublicKey(options.identity.publicKeyPem);
  const fingerprint = publicKeyFingerprint(publicKey);
  log.info('export started', { hold: hold.id, case: hold.caseNumber, output: plan.final, cameras: options.cameras, segments: indexed });
  await makeDir(plan.staging);
  try {
    const cameras: ManifestCamera[] = [];
    const folders = new UniqueNames();
    await makeDir(join(plan.staging, 'footage'));
    let copied = 0;
    for (const { camera, segments } of plannedCameras) {
      signal?.throwIfAborted();
      const folder = folders.take(camera, 'camera');
      const cameraDir = join(plan.staging, 'footage', folder);
      await makeDir(cameraDir);
      const result = await exportCamera({ ...options, log, camera, folder, cameraDir, segments, staging: plan.staging });
      copied += result.segments.length;
      cameras.push(result);
    }
    if (copied === 0) {
      const missing = cameras.flatMap((c) => c.missingSegments.map((m) => `${m.devicePath} (${m.reason})`));
      throw new NoFootageError(`hold ${hold.id} (case ${hold.caseNumber}): ${indexed} segment(s) indexed from ${rangeText} but none could be read: ${missing.slice(0, 5).join('; ')}`);
    }

    signal?.throwIfAborted();
    const events = await exportEvents(options, plan.staging, log);
    await writeNew(join(plan.staging, PUBLIC_KEY_FILE), options.identity.publicKeyPem.endsWith('\n') ? options.identity.publicKeyPem : `${options.identity.publicKeyPem}\n`);
    await writeNew(join(plan.staging, BUNDLE_README), readme(plan.name, hold));

    signal?.throwIfAborted();
    const files: ManifestFile[] = [];
    for (const path of await listFiles(plan.staging)) files.push({ path, ...(await hashAndSync(join(plan.staging, path))) });
    const exportedMs = now();
    const manifest: BundleManifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_FORMAT_VERSION,
      bundleName: plan.name,
      exportedAt: time(exportedMs),
      exportedBy: options.exportedBy,
      device: {
        deviceId: options.identity.deviceId,
        site: options.site ?? null,
        publicKeyFingerprint: fingerprint,
        software: { name: 'mimamori', version: options.softwareVersion },
      },
      clock: await (options.clock ?? describeClock)(exportedMs),
      hold: holdSection(hold),
      range: { from: time(hold.fromMs), to: time(hold.toMs) },
      auditHead: options.auditHead,
      cameras,
      events,
      files,
    };
    const manifestBytes = encodeManifest(manifest);
    // The signature is written last: a staging folder without it was interrupted.
    await writeNew(join(plan.staging, MANIFEST_FILE), manifestBytes);
    await writeNew(join(plan.staging, SIGNATURE_FILE), signManifest(manifestBytes, options.identity.privateKey));
    await hashAndSync(join(plan.staging, MANIFEST_FILE));
    await hashAndSync(join(plan.staging, SIGNATURE_FILE));
    await syncDir(plan.staging);

    signal?.throwIfAborted();
    await publish(plan, [...files.map((f) => f.path), MANIFEST_FILE, SIGNATURE_FILE], signal);
    const result: ExportResult = {
      path: plan.final,
      name: plan.name,
      format: plan.format,
      manifestSha256: sha256Hex(manifestBytes),
      fileCount: files.length + 2,
      totalBytes: files.reduce((n, f) => n + f.bytes, 0),
      cameras: cameras.map((c) => ({ id: c.id, segments: c.segments.length, missing: c.missingSegments.length })),
      events: events.count,
      keyFingerprint: fingerprint,
    };
    log.info('export complete', {
      hold: hold.id, output: plan.final, format: plan.format, files: result.fileCount, bytes: result.totalBytes,
      manifestSha256: result.manifestSha256, ms: now() - startedMs,
    });
    return result;
  } catch (err) {
    await rm(plan.staging, { recursive: true, force: true });
    if (plan.partialZip) await rm(plan.partialZip, { force: true });
    log.warn('export failed; nothing was left under the output name', { hold: hold.id, output: plan.final, error: err });
    throw err;
  }
}

interface CameraExport extends ExportBundleOptions {
  readonly log: Logger;
  readonly camera: string;
  readonly folder: string;
  readonly cameraDir: string;
  readonly staging: string;
  readonly segments: readonly SegmentForExport[];
}

async function exportCamera(o: CameraExport): Promise<ManifestCamera> {
  const segmentsDir = join(o.cameraDir, 'segments');
  await makeDir(segmentsDir);
  const names = new UniqueNames();
  const segments: ManifestSegment[] = [];
  const missingSegments: { devicePath: string; reason: string }[] = [];
  const copies: string[] = [];
  for (const s of o.segments) {
    o.signal?.throwIfAborted();
    const name = names.take(basename(s.path), 'segment.ts');
    const to = join(segmentsDir, name);
    try {
      await copyNew(o.source.resolve(s.path), to);
    } catch (err) {
      // A segment deleted or made unreadable by hand: the export goes on and says so.
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      missingSegments.push({ devicePath: s.path, reason });
      o.log.warn('segment missing from export', { camera: o.camera, hold: o.hold.id, segment: s.path, reason });
      await rm(to, { force: true });
      continue;
    }
    copies.push(to);
    segments.push({
      file: `footage/${o.folder}/segments/${name}`,
      devicePath: s.path,
      start: time(s.startMs),
      end: optionalTime(s.endMs),
      inProgress: s.endMs === null,
      transcodedFrom: s.transcodedFrom ?? null,
    });
  }
  if (copies.length === 0) return { id: o.camera, folder: o.folder, joined: null, segments, missingSegments };
  const joinedName = `${o.folder}.mp4`;
  o.log.info('joining segments', { camera: o.camera, hold: o.hold.id, segments: copies.length });
  const joined = await joinSegments({
    ffmpegPath: o.ffmpegPath,
    inputs: copies,
    output: join(o.cameraDir, joinedName),
    listFile: join(o.staging, `concat-${o.folder}.txt`),
    camera: o.camera,
    signal: o.signal,
    log: o.log,
  });
  const first = segments[0] as ManifestSegment;
  const last = segments[segments.length - 1] as ManifestSegment;
  const gaps = missingSegments.length > 0 ? `${missingSegments.length} indexed segment(s) were missing and are not in it` : null;
  const transcoded = transcodedNote(segments);
  return {
    id: o.camera,
    folder: o.folder,
    joined: {
      file: `footage/${o.folder}/${joinedName}`,
      from: first.start,
      to: last.end,
      audio: joined.audio,
      note: [joined.note, gaps, transcoded].filter((n): n is string => n !== null).join('; ') || null,
    },
    segments,
    missingSegments,
  };
}

/** Says when footage is not the camera's own stream: the device re-encoded it while recording. */
function transcodedNote(segments: readonly ManifestSegment[]): string | null {
  const from = [...new Set(segments.map((s) => s.transcodedFrom).filter((c): c is string => c !== null))];
  if (from.length === 0) return null;
  const n = segments.filter((s) => s.transcodedFrom !== null).length;
  return `${n} of ${segments.length} segment(s) were transcoded to H.264 by the device while recording (camera codec ${from.join(', ')}, which MPEG-TS cannot carry as it is)`;
}

async function exportEvents(o: ExportBundleOptions, staging: string, log: Logger): Promise<BundleManifest['events']> {
  const eventsDir = join(staging, 'events');
  const snapshotsDir = join(eventsDir, 'snapshots');
  await makeDir(eventsDir);
  const all = o.cameras.flatMap((camera) => o.source.events(camera, o.hold.fromMs, o.hold.toMs));
  all.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const names = new UniqueNames();
  let missingSnapshots = 0;
  const records: Record<string, unknown>[] = [];
  for (const e of all) {
    o.signal?.throwIfAborted();
    let snapshot: string | null = null;
    let snapshotNote: string | null = null;
    if (e.snapshotPath) {
      if (!(await exists(snapshotsDir))) await makeDir(snapshotsDir);
      const name = names.take(`${e.id}.jpg`, 'snapshot.jpg');
      try {
        await copyNew(o.source.resolve(e.snapshotPath), join(snapshotsDir, name));
        snapshot = `events/snapshots/${name}`;
      } catch (err) {
        missingSnapshots += 1;
        snapshotNote = `snapshot ${e.snapshotPath} could not be read at export time (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
        log.warn('snapshot missing from export', { hold: o.hold.id, event: e.id, snapshot: e.snapshotPath });
      }
    }
    records.push({
      id: e.id,
      camera: e.camera,
      zone: e.zone,
      behaviour: e.behaviour,
      severity: e.severity,
      trackId: e.trackId,
      startedAt: time(e.startedAt),
      updatedAt: time(e.updatedAt),
      endedAt: optionalTime(e.endedAt),
      dwellSeconds: e.dwellSeconds,
      phone: e.phone,
      clip: e.clipStart !== null && e.clipEnd !== null ? { from: time(e.clipStart), to: time(e.clipEnd) } : null,
      details: e.details,
      snapshot,
      ...(snapshotNote ? { snapshotNote } : {}),
    });
  }
  const body = {
    hold: o.hold.id,
    caseNumber: o.hold.caseNumber,
    range: { from: time(o.hold.fromMs), to: time(o.hold.toMs) },
    cameras: [...o.cameras],
    events: records,
  };
  await writeNew(join(staging, EVENTS_FILE), `${JSON.stringify(body, null, 2)}\n`);
  return { file: EVENTS_FILE, count: records.length, missingSnapshots };
}

/** Moves the complete bundle to its final name without ever replacing something there. */
async function publish(plan: OutputPlan, files: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  if (plan.format === 'directory') {
    // rename() would silently replace an empty folder created meanwhile, never a non-empty one or a file.
    if (await exists(plan.final)) throw new ExportRefusedError(`output ${plan.final} appeared during the export; it was not replaced`);
    await rename(plan.staging, plan.final);
    await syncDir(plan.parent);
    return;
  }
  const partial = plan.partialZip as string;
  await writeZip(plan.staging, files, partial, signal);
  signal?.throwIfAborted();
  try {
    // link() fails if the name exists: no window in which another file could be replaced.
    await link(partial, plan.final);
    await unlink(partial);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ExportRefusedError(`output ${plan.final} appeared during the export; it was not replaced`);
    // FAT/exFAT sticks have no hard links: check, then rename.
    if (await exists(plan.final)) throw new ExportRefusedError(`output ${plan.final} appeared during the export; it was not replaced`);
    await rename(partial, plan.final);
  }
  await rm(plan.staging, { recursive: true, force: true });
  await syncDir(plan.parent);
}
