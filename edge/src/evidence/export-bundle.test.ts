/**
 * Evidence export and verification on real footage: segments cut by ffmpeg, indexed in a real
 * SQLite store, joined by real ffmpeg, signed with a real Ed25519 key, checked by verifyBundle and
 * by OpenSSL as an independent verifier.
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { listTree, recordFootage, storeEvent } from '../../test/recorded-footage.js';
import { useTempStores } from '../../test/temp-store.js';
import { ffprobeJson } from '../../test/video-clips.js';
import { createLogger } from '../log/logger.js';
import type { HoldRecord, SegmentRecord, Store } from '../store/store.js';
import { MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE, publicKeyFingerprint, type BundleManifest } from './bundle-manifest.js';
import { ExportRefusedError, NoFootageError, exportBundle, type ExportBundleOptions, type HoldForExport } from './export-bundle.js';
import { storeFootageSource } from './export-sources.js';
import { JoinError } from './join-segments.js';
import { verifyBundle } from './verify-bundle.js';

const run = promisify(execFile);
const openStore = useTempStores('mimamori-export-');
const quiet = createLogger('export-test', { level: 'error' });

let work = '';
let key: { privateKey: KeyObject; publicKeyPem: string };
let otherKeyPem = '';

beforeAll(async () => {
  requireOpencvData();
  work = await mkdtemp(join(tmpdir(), 'mimamori-export-work-'));
  const pair = generateKeyPairSync('ed25519');
  key = { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  otherKeyPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

// 2026-03-14 10:00:00 local time: segments of 2 s from here.
const T0 = new Date(2026, 2, 14, 10, 0, 0).getTime();
const S = 1000;

interface Site {
  store: Store;
  segments: SegmentRecord[];
  hold: HoldRecord;
  out: string;
}

/** atm1: 6 s in three 2 s segments; an event inside the hold, one outside; a hold over 1 s..5 s. */
async function site(options: { audio?: 'aac' | 's302m' } = {}): Promise<Site> {
  const store = openStore();
  const segments = await recordFootage(store, work, { camera: 'atm1', startMs: T0, seconds: 6, segmentSeconds: 2, audio: options.audio });
  await storeEvent(store, 'atm1', 'ev-inside', T0 + 2 * S, T0 + 4 * S);
  await storeEvent(store, 'atm1', 'ev-before', T0 - 60 * S, T0 - 50 * S);
  // Began before the hold's range and ran into it: overlapping, so exported.
  await storeEvent(store, 'atm1', 'ev-overlap', T0 - 3 * S, T0 + 1.5 * S);
  const hold = store.holds.create({
    caseNumber: '2026-XYZ-001', officer: 'Sato', station: 'Shinjuku', reason: 'fraud at ATM 1',
    fromMs: T0 + 1 * S, toMs: T0 + 5 * S, cameras: ['atm1'], createdBy: 'manager',
  });
  const out = await mkdtemp(join(work, 'out-'));
  return { store, segments, hold, out };
}

function options(s: Site, overrides: Partial<ExportBundleOptions> = {}): ExportBundleOptions {
  return {
    hold: s.hold,
    cameras: s.hold.cameras,
    out: join(s.out, 'bundle'),
    source: storeFootageSource(s.store),
    identity: { deviceId: 'dev-test-1', ...key },
    auditHead: s.store.audit.head(),
    exportedBy: 'tester',
    site: 'store-001',
    softwareVersion: '9.9.9-test',
    ffmpegPath: 'ffmpeg',
    log: quiet,
    ...overrides,
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the export to fail');
}

async function manifestOf(bundle: string): Promise<BundleManifest> {
  return JSON.parse(await readFile(join(bundle, MANIFEST_FILE), 'utf8')) as BundleManifest;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  await writeFile(file, bytes);
}

/** Top-level atom types of an MP4, in order. */
function atoms(mp4: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= mp4.length;) {
    let size = mp4.readUInt32BE(at);
    if (size === 1) size = Number(mp4.readBigUInt64BE(at + 8));
    out.push(mp4.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return out;
}

describe('exportBundle to a folder', () => {
  it('writes the documented layout, signed, and verifyBundle accepts it with the device key', async () => {
    const s = await site();
    const result = await exportBundle(options(s));
    const bundle = join(s.out, 'bundle');
    expect(result).toMatchObject({ path: bundle, name: 'bundle', format: 'directory', events: 2 });
    expect(result.cameras).toEqual([{ id: 'atm1', segments: 3, missing: 0 }]);

    const segNames = s.segments.map((seg) => seg.path.split('/').pop() as string);
    expect(await listTree(bundle)).toEqual([
      'README.txt', PUBLIC_KEY_FILE, 'events', 'events/events.json', 'events/snapshots',
      'events/snapshots/ev-inside.jpg', 'events/snapshots/ev-overlap.jpg', 'footage', 'footage/atm1', 'footage/atm1/atm1.mp4',
      'footage/atm1/segments', ...segNames.map((n) => `footage/atm1/segments/${n}`), MANIFEST_FILE, SIGNATURE_FILE,
    ].sort());
    // Nothing else in the output folder: no staging folder, no concat list left behind.
    expect(await readdir(s.out)).toEqual(['bundle']);

    // Owner-only throughout.
    expect((await stat(bundle)).mode & 0o777).toBe(0o700);
    for (const rel of await listTree(bundle)) {
      const info = await stat(join(bundle, rel));
      expect(info.mode & 0o777, rel).toBe(info.isDirectory() ? 0o700 : 0o600);
    }

    // The original segments are copied byte for byte.
    for (const [i, seg] of s.segments.entries()) {
      const copy = await readFile(join(bundle, 'footage/atm1/segments', segNames[i] as string));
      expect(copy.equals(await readFile(s.store.resolve(seg.path)))).toBe(true);
    }

    const m = await manifestOf(bundle);
    expect(m).toMatchObject({
      format: 'mimamori-evidence-bundle', formatVersion: 1, bundleName: 'bundle', exportedBy: 'tester',
      device: { deviceId: 'dev-test-1', site: 'store-001', software: { name: 'mimamori', version: '9.9.9-test' } },
      hold: { id: s.hold.id, caseNumber: '2026-XYZ-001', officer: 'Sato', station: 'Shinjuku', reason: 'fraud at ATM 1', cameras: ['atm1'], createdBy: 'manager', releasedAt: null },
      range: { from: { ms: T0 + S }, to: { ms: T0 + 5 * S } },
      events: { file: 'events/events.json', count: 2, missingSnapshots: 0 },
    });
    expect(m.device.publicKeyFingerprint).toBe(result.keyFingerprint);
    // The audit head is the hold's own entry (the only one so far).
    expect(m.auditHead).toEqual({ seq: 1, hash: s.store.audit.head()?.hash });
    // Times carry the device's offset.
    expect(m.exportedAt.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    expect(m.clock.source).toMatch(/system clock/);
    expect(['yes', 'no', 'unknown']).toContain(m.clock.ntpSynchronized);
    // Every file but the manifest and its signature is listed, sorted, with size and hash.
    const listed = m.files.map((f) => f.path);
    expect(listed).toEqual((await listTree(bundle)).filter((p) => !p.endsWith('events') && !['footage', 'footage/atm1', 'footage/atm1/segments', 'events/snapshots', MANIFEST_FILE, SIGNATURE_FILE].includes(p)));
    expect(m.cameras).toHaveLength(1);
    expect(m.cameras[0]?.segments.map((seg) => seg.devicePath)).toEqual(s.segments.map((seg) => seg.path));
    expect(m.cameras[0]?.joined).toMatchObject({ file: 'footage/atm1/atm1.mp4', audio: false, note: null, from: { ms: T0 } });

    const verdict = await verifyBundle(bundle, { publicKeyPem: key.publicKeyPem });
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ verified: true, originProven: true, signature: 'valid', form: 'directory', filesMatched: m.files.length, filesListed: m.files.length });
    expect(verdict.key).toEqual({ source: 'given', fingerprint: result.keyFingerprint });
    expect(verdict.manifestSha256).toBe(result.manifestSha256);

    // Without a key the bundled one is used: integrity yes, origin not proven, so not verified.
    const selfChecked = await verifyBundle(bundle);
    expect(selfChecked).toMatchObject({ verified: false, integrity: true, originProven: false, key: { source: 'bundled' }, problems: [] });
    // The device's fingerprint, supplied by the caller, proves origin through the bundled key.
    expect(await verifyBundle(bundle, { fingerprint: result.keyFingerprint })).toMatchObject({ verified: true, integrity: true, originProven: true, key: { source: 'bundled' } });
  });

  it('the joined MP4 is the segments without re-encoding: playable, duration the sum, index at the front', async () => {
    const s = await site();
    await exportBundle(options(s));
    const mp4 = join(s.out, 'bundle/footage/atm1/atm1.mp4');
    const probe = await ffprobeJson(mp4);
    let sum = 0;
    for (const seg of s.segments) sum += Number((await ffprobeJson(s.store.resolve(seg.path))).format.duration);
    expect(Math.abs(Number(probe.format.duration) - sum)).toBeLessThan(0.25);
    expect(probe.streams.map((st) => st.codec_type)).toEqual(['video']);
    expect(probe.streams[0]).toMatchObject({ width: 768, height: 576 });
    // Every frame decodes.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', mp4]);
    expect(Number(stdout.trim())).toBe(60);
    // +faststart: moov before mdat.
    const order = atoms(await readFile(mp4));
    expect(order.indexOf('moov')).toBeGreaterThan(-1);
    expect(order.indexOf('moov')).toBeLessThan(order.indexOf('mdat'));
    // Stream copy: the H.264 packets are the camera's. Compare the decoded-frame checksums of the
    // segments and of the MP4 (re-encoding would change them).
    const frameHashes = async (file: string): Promise<string[]> =>
      (await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-'], { maxBuffer: 16 << 20 })).stdout
        .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()?.trim() ?? '');
    const fromSegments: string[] = [];
    for (const seg of s.segments) fromSegments.push(...(await frameHashes(s.store.resolve(seg.path))));
    expect(await frameHashes(mp4)).toEqual(fromSegments);
  });

  it('says which segments the device transcoded while recording, per segment and on the joined file', async () => {
    const s = await site();
    const store = storeFootageSource(s.store);
    // The middle segment as a transcoding recorder indexes it.
    const source = { ...store, segments: (c: string, from: number, to: number) => store.segments(c, from, to).map((seg, i) => (i === 1 ? { ...seg, transcodedFrom: 'msmpeg4v3' } : seg)) };
    await exportBundle(options(s, { source }));
    const manifest = await manifestOf(join(s.out, 'bundle'));
    const [camera] = manifest.cameras;
    expect(camera?.segments.map((seg) => seg.transcodedFrom)).toEqual([null, 'msmpeg4v3', null]);
    expect(camera?.joined?.note).toContain('1 of 3 segment(s) were transcoded to H.264 by the device while recording (camera codec msmpeg4v3');
  });

  it('keeps the audio of segments that have it', async () => {
    const s = await site({ audio: 'aac' });
    const result = await exportBundle(options(s));
    const probe = await ffprobeJson(join(result.path, 'footage/atm1/atm1.mp4'));
    expect(probe.streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
    expect((await manifestOf(result.path)).cameras[0]?.joined?.audio).toBe(true);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('joins video only when MP4 cannot hold the audio codec, says so, and keeps the audio in the segments', async () => {
    const s = await site({ audio: 's302m' });
    const result = await exportBundle(options(s));
    const probe = await ffprobeJson(join(result.path, 'footage/atm1/atm1.mp4'));
    expect(probe.streams.map((st) => st.codec_type)).toEqual(['video']);
    const joined = (await manifestOf(result.path)).cameras[0]?.joined;
    expect(joined?.audio).toBe(false);
    expect(joined?.note).toMatch(/^the audio codec cannot go into MP4 \(.*s302m.*\); audio is only in the original segments$/);
    const segment = (await readdir(join(result.path, 'footage/atm1/segments')))[0] as string;
    const original = await ffprobeJson(join(result.path, 'footage/atm1/segments', segment));
    expect(original.streams.map((st) => st.codec_type)).toEqual(['video', 'audio']);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('joins with the npm fallback ffmpeg (4.1) as well, audio included', async () => {
    const npmFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const s = await site({ audio: 'aac' });
    const result = await exportBundle(options(s, { ffmpegPath: npmFfmpeg }));
    const probe = await ffprobeJson(join(result.path, 'footage/atm1/atm1.mp4'));
    expect(probe.streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeGreaterThan(5.5);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('exports events overlapping the range with their snapshots, and not the others', async () => {
    const s = await site();
    const result = await exportBundle(options(s));
    const events = JSON.parse(await readFile(join(result.path, 'events/events.json'), 'utf8')) as {
      hold: string; events: { id: string; snapshot: string | null; startedAt: { ms: number }; endedAt: { ms: number } }[];
    };
    expect(events.hold).toBe(s.hold.id);
    expect(events.events.map((e) => e.id)).toEqual(['ev-overlap', 'ev-inside']);
    expect(events.events[1]).toMatchObject({ snapshot: 'events/snapshots/ev-inside.jpg', startedAt: { ms: T0 + 2 * S }, endedAt: { ms: T0 + 4 * S } });
    const jpeg = await readFile(join(result.path, 'events/snapshots/ev-inside.jpg'));
    expect(jpeg.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });

  it('creates the bundle inside an existing folder under a name made from the case number', async () => {
    const s = await site();
    const result = await exportBundle(options(s, { out: s.out }));
    expect(result.name).toMatch(/^mimamori-evidence-2026-XYZ-001-\d{8}T\d{6}$/);
    expect(await readdir(s.out)).toEqual([result.name]);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('works in an output folder whose path has quotes, spaces and non-ASCII (the concat list quotes them)', async () => {
    const s = await site();
    const parent = join(s.out, "O'Brien's 事件 $(x)");
    await mkdir(parent);
    const result = await exportBundle(options(s, { out: join(parent, 'b') }));
    expect(Number((await ffprobeJson(join(result.path, 'footage/atm1/atm1.mp4'))).format.duration)).toBeGreaterThan(5.5);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('lists indexed segments whose file is gone, and exports the rest', async () => {
    const s = await site();
    await unlink(s.store.resolve(s.segments[1]?.path as string));
    const result = await exportBundle(options(s));
    expect(result.cameras).toEqual([{ id: 'atm1', segments: 2, missing: 1 }]);
    const cam = (await manifestOf(result.path)).cameras[0];
    expect(cam?.missingSegments).toEqual([{ devicePath: s.segments[1]?.path, reason: 'ENOENT' }]);
    expect(cam?.joined?.note).toMatch(/1 indexed segment\(s\) were missing/);
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });
});

describe('verifyBundle finds tampering, naming the file', () => {
  let s: Site;
  let pristine = '';
  beforeAll(async () => {
    s = await site();
    pristine = (await exportBundle(options(s))).path;
  });

  async function copyOfBundle(): Promise<string> {
    const dir = join(await mkdtemp(join(work, 'tamper-')), 'bundle');
    await run('cp', ['-a', pristine, dir]);
    return dir;
  }

  it('one flipped byte in a segment', async () => {
    const b = await copyOfBundle();
    const seg = (await readdir(join(b, 'footage/atm1/segments')))[1] as string;
    await flipByte(join(b, 'footage/atm1/segments', seg), 5000);
    const v = await verifyBundle(b, { publicKeyPem: key.publicKeyPem });
    expect(v.verified).toBe(false);
    expect(v.signature).toBe('valid');
    expect(v.problems).toEqual([expect.objectContaining({ file: `footage/atm1/segments/${seg}`, kind: 'sha256' })]);
  });

  it('one flipped byte in the joined MP4 and a truncated snapshot', async () => {
    const b = await copyOfBundle();
    await flipByte(join(b, 'footage/atm1/atm1.mp4'), 100_000);
    const snap = join(b, 'events/snapshots/ev-inside.jpg');
    await writeFile(snap, (await readFile(snap)).subarray(0, 1000));
    const v = await verifyBundle(b, { publicKeyPem: key.publicKeyPem });
    expect(v.problems.map((p) => [p.file, p.kind])).toEqual([
      ['events/snapshots/ev-inside.jpg', 'size'],
      ['footage/atm1/atm1.mp4', 'sha256'],
    ]);
  });

  it('one flipped byte in manifest.json breaks the signature', async () => {
    const b = await copyOfBundle();
    const text = await readFile(join(b, MANIFEST_FILE), 'utf8');
    // Change the officer's name by one letter: still valid JSON, still the same files.
    await writeFile(join(b, MANIFEST_FILE), text.replace('"officer": "Sato"', '"officer": "Sata"'));
    const v = await verifyBundle(b, { publicKeyPem: key.publicKeyPem });
    expect(v).toMatchObject({ verified: false, signature: 'invalid' });
    expect(v.problems).toEqual([expect.objectContaining({ file: MANIFEST_FILE, kind: 'signature' })]);
    // A raw flipped byte anywhere in it as well.
    await flipByte(join(b, MANIFEST_FILE), 10);
    expect((await verifyBundle(b, { publicKeyPem: key.publicKeyPem })).problems[0]).toMatchObject({ file: MANIFEST_FILE, kind: 'signature' });
  });

  it('a manifest re-signed with another key fails against the device key', async () => {
    const b = await copyOfBundle();
    const v = await verifyBundle(b, { publicKeyPem: otherKeyPem });
    expect(v).toMatchObject({ verified: false, signature: 'invalid', key: { source: 'given' } });
    expect(v.key.fingerprint).not.toBe(publicKeyFingerprint(createPublicKey(key.publicKeyPem)));
    expect(v.problems[0]?.message).toMatch(/not the device's key/);
  });

  it('a dropped file, an added file, a symlink, a missing signature', async () => {
    const b = await copyOfBundle();
    const seg = (await readdir(join(b, 'footage/atm1/segments')))[0] as string;
    await unlink(join(b, 'footage/atm1/segments', seg));
    await writeFile(join(b, 'footage/atm1/extra-confession.txt'), 'added later');
    await mkdir(join(b, 'more'));
    await symlink('/etc/hostname', join(b, 'more/link'));
    let v = await verifyBundle(b, { publicKeyPem: key.publicKeyPem });
    expect(v.verified).toBe(false);
    expect(v.problems.map((p) => [p.file, p.kind])).toEqual([
      ['more/link', 'not-a-file'],
      [`footage/atm1/segments/${seg}`, 'missing'],
      ['footage/atm1/extra-confession.txt', 'extra'],
    ]);
    await unlink(join(b, SIGNATURE_FILE));
    v = await verifyBundle(b, { publicKeyPem: key.publicKeyPem });
    expect(v.problems).toContainEqual(expect.objectContaining({ file: SIGNATURE_FILE, kind: 'missing' }));
    expect(v.signature).toBe('not-checked');
  });

  it('a manifest naming a path outside the bundle is refused before anything is opened', async () => {
    const b = await copyOfBundle();
    const m = JSON.parse(await readFile(join(b, MANIFEST_FILE), 'utf8')) as { files: { path: string }[] };
    (m.files[0] as { path: string }).path = '../../../etc/passwd';
    await writeFile(join(b, MANIFEST_FILE), JSON.stringify(m));
    const v = await verifyBundle(b);
    expect(v.verified).toBe(false);
    expect(v.problems).toContainEqual(expect.objectContaining({ file: MANIFEST_FILE, kind: 'manifest', message: expect.stringMatching(/files\.0\.path: is not a safe relative path/) }));
  });

  it('a path that is no bundle at all', async () => {
    const v = await verifyBundle(join(work, 'nothing-here'));
    expect(v).toMatchObject({ verified: false, form: null, problems: [{ kind: 'bundle' }] });
    const notZip = join(work, 'not-a-zip.zip');
    await writeFile(notZip, 'hello');
    expect((await verifyBundle(notZip)).problems[0]?.message).toMatch(/cannot be read as a bundle folder or zip/);
  });
});

describe('exportBundle to a zip', () => {
  it('round-trips: the zip verifies, holds the same files, and tampering inside it is found', async () => {
    const s = await site();
    const result = await exportBundle(options(s, { out: join(s.out, 'case.zip') }));
    expect(result).toMatchObject({ format: 'zip', name: 'case.zip', path: join(s.out, 'case.zip') });
    expect(await readdir(s.out)).toEqual(['case.zip']);
    expect((await stat(result.path)).mode & 0o777).toBe(0o600);

    const v = await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem });
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ verified: true, form: 'zip', originProven: true });

    // An ordinary unzip gives the folder form, which verifies too.
    const unzipped = join(s.out, 'unzipped');
    await run('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', result.path, unzipped]);
    const fromFolder = await verifyBundle(unzipped, { publicKeyPem: key.publicKeyPem });
    expect(fromFolder.verified).toBe(true);
    expect(fromFolder.manifestSha256).toBe(v.manifestSha256);

    // Flip one byte inside the stored MP4 entry (zip readers do not all check CRCs; the manifest does).
    const zip = await readFile(result.path);
    const mp4 = await readFile(join(unzipped, 'footage/atm1/atm1.mp4'));
    const probe = mp4.subarray(50_000, 50_064);
    const at = zip.indexOf(probe);
    expect(at).toBeGreaterThan(0);
    zip[at] = (zip[at] as number) ^ 0xff;
    const tampered = join(s.out, 'tampered.zip');
    await writeFile(tampered, zip);
    const t = await verifyBundle(tampered, { publicKeyPem: key.publicKeyPem });
    expect(t.verified).toBe(false);
    expect(t.problems).toEqual([expect.objectContaining({ file: 'footage/atm1/atm1.mp4', kind: 'sha256' })]);
  });

  it('an entry added to the zip afterwards is reported', async () => {
    const s = await site();
    const result = await exportBundle(options(s, { out: join(s.out, 'case.zip') }));
    await run('python3', ['-c', "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'a').writestr('footage/note.txt', 'x')", result.path]);
    const v = await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem });
    expect(v.problems).toEqual([expect.objectContaining({ file: 'footage/note.txt', kind: 'extra' })]);
  });
});

describe('the signature is standard Ed25519', () => {
  it('OpenSSL verifies manifest.sig over manifest.json with device-public-key.pem', async () => {
    const s = await site();
    const { path } = await exportBundle(options(s));
    const sigBin = join(s.out, 'sig.bin');
    await writeFile(sigBin, Buffer.from((await readFile(join(path, SIGNATURE_FILE), 'utf8')).trim(), 'base64'));
    const { stdout } = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(path, PUBLIC_KEY_FILE), '-rawin', '-in', join(path, MANIFEST_FILE), '-sigfile', sigBin]);
    expect(stdout).toMatch(/Signature Verified Successfully/);
    // The README's fingerprint recipe gives the manifest's (and `keys show`'s) fingerprint.
    const der = await run('openssl', ['pkey', '-pubin', '-in', join(path, PUBLIC_KEY_FILE), '-outform', 'DER'], { encoding: 'buffer' });
    expect(createHash('sha256').update(der.stdout).digest('hex')).toBe((await manifestOf(path)).device.publicKeyFingerprint);
    await appendFile(join(path, MANIFEST_FILE), ' ');
    await expect(run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(path, PUBLIC_KEY_FILE), '-rawin', '-in', join(path, MANIFEST_FILE), '-sigfile', sigBin]))
      .rejects.toThrow();
  });
});

describe('export safety', () => {
  it('never replaces an existing output', async () => {
    const s = await site();
    await writeFile(join(s.out, 'case.zip'), 'existing');
    await expect(exportBundle(options(s, { out: join(s.out, 'case.zip') }))).rejects.toThrow(ExportRefusedError);
    expect(await readFile(join(s.out, 'case.zip'), 'utf8')).toBe('existing');
    await writeFile(join(s.out, 'a-file'), 'existing');
    await expect(exportBundle(options(s, { out: join(s.out, 'a-file') }))).rejects.toThrow(/already exists and is not a folder/);
    // An existing bundle folder is not nested into.
    const first = await exportBundle(options(s));
    await expect(exportBundle(options(s, { out: first.path }))).rejects.toThrow(/already an evidence bundle/);
    await expect(exportBundle(options(s, { out: join(s.out, 'missing-parent', 'b') }))).rejects.toThrow(/output folder .*missing-parent does not exist/);
    expect((await readdir(s.out)).sort()).toEqual(['a-file', 'bundle', 'case.zip']);
  });

  it('a hostile case number and camera id stay single names inside the output', async () => {
    const s = await site();
    // The hold repository refuses such values; the exporter must not rely on that.
    const hostile: HoldForExport = { ...s.hold, caseNumber: '../../../tmp/evil\u202e\n', cameras: ['../../escape'] };
    const source = storeFootageSource(s.store);
    const result = await exportBundle(options(s, {
      hold: hostile,
      cameras: hostile.cameras,
      out: s.out,
      source: { ...source, segments: (_camera, from, to) => source.segments('atm1', from, to), events: (_c, from, to) => source.events('atm1', from, to) },
    }));
    expect(result.name).toMatch(/^mimamori-evidence-tmp_evil-\d{8}T\d{6}$/);
    expect(await readdir(s.out)).toEqual([result.name]);
    const tree = await listTree(result.path);
    expect(tree).toContain('footage/escape/escape.mp4');
    expect(tree.every((p) => !p.includes('..'))).toBe(true);
    expect(existsSync(join(s.out, '..', 'escape'))).toBe(false);
    const m = await manifestOf(result.path);
    expect(m.hold.caseNumber).toBe(hostile.caseNumber); // recorded as given, used only as data
    expect(m.cameras[0]).toMatchObject({ id: '../../escape', folder: 'escape' });
    expect((await verifyBundle(result.path, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('a range without footage is an error naming the hold, and writes nothing', async () => {
    const s = await site();
    const empty = { ...s.hold, fromMs: T0 + 3600 * S, toMs: T0 + 7200 * S };
    const err = await failure(exportBundle(options(s, { hold: empty })));
    expect(err).toBeInstanceOf(NoFootageError);
    expect(err.message).toContain(`hold ${s.hold.id} (case 2026-XYZ-001): no recorded footage from`);
    expect(err.message).toContain('camera(s) atm1');
    expect(await readdir(s.out)).toEqual([]);
  });

  it('ffmpeg failing on a corrupt segment fails the export naming the camera, leaving nothing', async () => {
    const s = await site();
    // The first segment is garbage: the concat demuxer cannot open it.
    await writeFile(s.store.resolve(s.segments[0]?.path as string), Buffer.alloc(20_000, 0x42));
    const err = await failure(exportBundle(options(s, { out: join(s.out, 'case.zip') })));
    expect(err).toBeInstanceOf(JoinError);
    expect(err.message).toMatch(/^camera atm1: joining segments into MP4 failed: ffmpeg exited with code/);
    expect(await readdir(s.out)).toEqual([]);
  });

  it('an export interrupted through its signal stops ffmpeg and removes everything', async () => {
    const s = await site();
    const controller = new AbortController();
    // Abort as soon as the join has started (the log line the exporter writes before it).
    const log = createLogger('export-test', {
      level: 'debug',
      write: (line) => {
        if (line.includes('joining segments')) setTimeout(() => controller.abort(new Error('operator pressed Ctrl-C')), 5);
      },
    });
    const err = await failure(exportBundle(options(s, { signal: controller.signal, log })));
    expect(err.message).toBe('operator pressed Ctrl-C');
    expect(await readdir(s.out)).toEqual([]);
  });
});
