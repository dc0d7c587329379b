/**
 * `mimamori export` and `mimamori verify` as an operator and an investigator run them: the real
 * command line over a real data directory (ffmpeg-cut segments, SQLite index, device key), with
 * the audit log checked afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { recordFootage, storeEvent } from '../../test/recorded-footage.js';
import { runCli } from '../../test/run-cli.js';
import { waitUntil } from '../../test/wait-until.js';
import { loadOrCreateDeviceKeys } from '../evidence/device-keys.js';
import { openStore, type HoldRecord, type SegmentRecord } from '../store/store.js';

const run = promisify(execFile);
const T0 = new Date(2026, 2, 14, 10, 0, 0).getTime();
const S = 1000;

let dir = '';
let dataDir = '';
let config = '';
let out = '';
let hold: HoldRecord;
let emptyHold: HoldRecord;
let segments: SegmentRecord[] = [];
let devicePem = '';

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-export-cli-'));
  dataDir = join(dir, 'data');
  out = join(dir, 'usb');
  await run('mkdir', ['-p', dataDir, out]);
  config = join(dir, 'site.yaml');
  await writeFile(config, ['site: store-001', `dataDir: ${dataDir}`, 'cameras:', '  - id: atm1', '    source: /dev/null', ''].join('\n'));
  const store = openStore(dataDir);
  try {
    segments = await recordFootage(store, dir, { camera: 'atm1', startMs: T0, seconds: 6, segmentSeconds: 2 });
    await storeEvent(store, 'atm1', 'ev-1', T0 + 2 * S, T0 + 4 * S);
    // cameras: [] means every configured camera.
    hold = store.holds.create({
      caseNumber: '2026-XYZ', officer: 'Sato', station: 'Shinjuku', reason: 'fraud', fromMs: T0, toMs: T0 + 6 * S, createdBy: 'manager',
    });
    emptyHold = store.holds.create({
      caseNumber: '2026-EMPTY', officer: 'Sato', station: 'Shinjuku', reason: 'nothing recorded then',
      fromMs: T0 - 7200 * S, toMs: T0 - 3600 * S, cameras: ['atm1'], createdBy: 'manager',
    });
  } finally {
    store.close();
  }
  devicePem = join(dir, 'device.pem');
  await writeFile(devicePem, loadOrCreateDeviceKeys(dataDir).publicKeyPem);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function auditEntries(): { action: string; actor: string; subject: string | null; details: Record<string, unknown> }[] {
  const store = openStore(dataDir);
  try {
    return store.audit.list({ limit: 1000 });
  } finally {
    store.close();
  }
}

describe('mimamori export → verify', () => {
  it('exports a hold to a folder, audits it, and the investigator verifies it with and without the device key', async () => {
    const bundle = join(out, 'case-2026-XYZ');
    const r = await runCli(['export', '--config', config, '--hold', hold.id, '--out', bundle, '--by', 'inspector-k']);
    expect(r.stderr).not.toMatch(/mimamori export:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`exported hold ${hold.id} (case 2026-XYZ) to ${bundle}`);
    expect(r.stdout).toContain('camera atm1: 3 segment(s)');

    const manifestBytes = await readFile(join(bundle, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { auditHead: { seq: number; hash: string }; device: { deviceId: string; publicKeyFingerprint: string }; files: unknown[] };
    const keys = loadOrCreateDeviceKeys(dataDir);
    expect(manifest.device).toMatchObject({ deviceId: keys.deviceId, publicKeyFingerprint: keys.fingerprint });

    // The audit log: the export is the newest entry, naming the hold and the exact manifest; the
    // manifest records the head before it.
    const entries = auditEntries();
    const last = entries[entries.length - 1];
    expect(last).toMatchObject({
      action: 'export.create', actor: 'inspector-k', subject: hold.id,
      details: { holdId: hold.id, caseNumber: '2026-XYZ', output: 'case-2026-XYZ', format: 'directory', files: manifest.files.length + 2 },
    });
    expect(last?.details.manifestSha256).toBe(createHash('sha256').update(manifestBytes).digest('hex'));
    expect(manifest.auditHead.seq).toBe(entries.length - 1);

    // Without a key or fingerprint from the device, the bundle's own key proves integrity only.
    const self = await runCli(['verify', bundle]);
    expect(self.code).toBe(1);
    expect(self.stdout).toContain(`key: device-public-key.pem from the bundle itself, fingerprint ${keys.fingerprint}`);
    expect(self.stdout).toMatch(/NOT that this\s+device signed them/);
    expect(self.stdout.trim().split('\n').pop()).toMatch(/^NOT VERIFIED: integrity only, origin NOT proven: signature valid under the bundle's own key, (\d+) of \1 files match the manifest, none missing or added; give --key or --fingerprint/);
    const integrityOnly = await runCli(['verify', bundle, '--integrity-only']);
    expect(integrityOnly.code).toBe(0);
    expect(integrityOnly.stdout.trim().split('\n').pop()).toMatch(/^INTEGRITY VERIFIED: integrity only, origin NOT proven: /);
    // The fingerprint as `mimamori keys show` prints it proves origin without the key file.
    const byFingerprint = await runCli(['verify', bundle, '--fingerprint', keys.fingerprint.toUpperCase()]);
    expect(byFingerprint.code).toBe(0);
    expect(byFingerprint.stdout.trim().split('\n').pop()).toMatch(/^VERIFIED: .*; signed by the key with the fingerprint given$/);
    expect(JSON.parse((await runCli(['verify', bundle, '--json'])).stdout)).toMatchObject({ verified: false, integrity: true, originProven: false, problems: [] });
    expect((await runCli(['verify', bundle, '--fingerprint', 'abc'])).code).toBe(2);

    const withKey = await runCli(['verify', bundle, '--key', devicePem]);
    expect(withKey.code).toBe(0);
    expect(withKey.stdout.trim().split('\n').pop()).toMatch(/^VERIFIED: .*; signed by the key given$/);

    const json = await runCli(['verify', bundle, '--key', devicePem, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: true, originProven: true, problems: [] });
  });

  it('verify names the changed file and the wrong key, and exits 1', async () => {
    const bundle = join(out, 'tamper-me');
    expect((await runCli(['export', '--config', config, '--hold', hold.id, '--out', bundle])).code).toBe(0);
    const wrong = join(dir, 'wrong.pem');
    await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'wrong-private.pem')]);
    await run('openssl', ['pkey', '-in', join(dir, 'wrong-private.pem'), '-pubout', '-out', wrong]);
    const wrongKey = await runCli(['verify', bundle, '--key', wrong]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/^problem: manifest\.json: signature check failed/m);
    expect(wrongKey.stdout.trim().split('\n').pop()).toBe('NOT VERIFIED: 1 problem');

    const name = segments[1]?.path.split('/').pop() as string;
    const file = join(bundle, 'footage/atm1/segments', name);
    const bytes = await readFile(file);
    bytes[4000] = (bytes[4000] as number) ^ 0x10;
    await writeFile(file, bytes);
    await unlink(join(bundle, 'events/snapshots/ev-1.jpg'));
    const tampered = await runCli(['verify', bundle, '--key', devicePem]);
    expect(tampered.code).toBe(1);
    const problems = tampered.stdout.split('\n').filter((l) => l.startsWith('problem: '));
    expect(problems).toEqual([
      'problem: events/snapshots/ev-1.jpg: is listed in the manifest but missing from the bundle',
      expect.stringMatching(new RegExp(`^problem: footage/atm1/segments/${name}: SHA-256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}: the file was changed$`)),
    ]);
    expect(tampered.stdout.trim().split('\n').pop()).toBe('NOT VERIFIED: 2 problems');
  });

  it('a substituted bundle, fully re-signed with another key, is not verified without --integrity-only', async () => {
    const bundle = join(out, 'substituted');
    expect((await runCli(['export', '--config', config, '--hold', hold.id, '--out', bundle])).code).toBe(0);
    // The forger replaces a segment, fixes its size and hash in the manifest, re-signs with a key
    // of their own and ships that key: every file then matches a valid signature.
    const name = segments[0]?.path.split('/').pop() as string;
    const rel = `footage/atm1/segments/${name}`;
    const forged = Buffer.from('forged footage, not what the camera recorded');
    await writeFile(join(bundle, rel), forged);
    const forger = generateKeyPairSync('ed25519');
    const forgedKey = Buffer.from(forger.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await writeFile(join(bundle, 'device-public-key.pem'), forgedKey);
    const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8')) as { files: { path: string; bytes: number; sha256: string }[] };
    for (const [path, bytes] of [[rel, forged], ['device-public-key.pem', forgedKey]] as const) {
      const entry = manifest.files.find((f) => f.path === path);
      if (!entry) continue;
      entry.bytes = bytes.length;
      entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(bundle, 'manifest.json'), manifestBytes);
    await writeFile(join(bundle, 'manifest.sig'), `${sign(null, manifestBytes, forger.privateKey).toString('base64')}\n`);

    const noKey = await runCli(['verify', bundle]);
    expect(noKey.code).toBe(1);
    expect(noKey.stdout.trim().split('\n').pop()).toMatch(/^NOT VERIFIED: integrity only, origin NOT proven/);
    const keys = loadOrCreateDeviceKeys(dataDir);
    const fingerprint = await runCli(['verify', bundle, '--fingerprint', keys.fingerprint]);
    expect(fingerprint.code).toBe(1);
    expect(fingerprint.stdout).toContain(`problem: device-public-key.pem: has fingerprint ${createHash('sha256').update(forger.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}, not the ${keys.fingerprint} given: this bundle was not signed by that device`);
    expect(fingerprint.stdout.trim().split('\n').pop()).toBe('NOT VERIFIED: 1 problem');
    const withKey = await runCli(['verify', bundle, '--key', devicePem]);
    expect(withKey.code).toBe(1);
    expect(withKey.stdout).toMatch(/^problem: manifest\.json: signature check failed/m);
  });

  it('exports to a zip that verifies; a second export to the same name is refused and not audited', async () => {
    const zip = join(out, 'case.zip');
    const first = await runCli(['export', '--config', config, '--hold', hold.id, '--out', zip]);
    expect(first.code).toBe(0);
    const verified = await runCli(['verify', zip, '--key', devicePem]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`bundle: ${zip} (zip)`);
    const before = auditEntries().length;
    const again = await runCli(['export', '--config', config, '--hold', hold.id, '--out', zip]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`output ${zip} already exists; an export never replaces an existing output`);
    expect(auditEntries().length).toBe(before);
  });

  it('an unknown hold, a range without footage and a bad --by are clear errors that write nothing', async () => {
    const target = join(out, 'never');
    const unknown = await runCli(['export', '--config', config, '--hold', 'no-such-hold', '--out', target]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('mimamori export: hold no-such-hold not found');
    const empty = await runCli(['export', '--config', config, '--hold', emptyHold.id, '--out', target]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`mimamori export: hold ${emptyHold.id} (case 2026-EMPTY): no recorded footage from`);
    const badActor = await runCli(['export', '--config', config, '--hold', hold.id, '--out', target, '--by', 'a\nb']);
    expect(badActor.code).toBe(2);
    expect(existsSync(target)).toBe(false);
    expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    const usage = await runCli(['verify']);
    expect(usage.code).toBe(2);
  });

  it('killed mid-export (kill -9), it leaves nothing under the output name and nothing signed', async () => {
    // A segment that is a FIFO makes the copy block, like a stuck disk: the export is caught mid-way.
    const store = openStore(dataDir);
    const stuckRel = segments[2]?.path as string;
    const stuck = store.resolve(stuckRel);
    store.close();
    const saved = join(dir, 'saved.ts');
    await run('mv', [stuck, saved]);
    await run('mkfifo', ['-m', '600', stuck]);
    const target = join(out, 'killed');
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'export', '--config', config, '--hold', hold.id, '--out', target], { stdio: 'ignore' });
    let restored = false;
    try {
      const copied = segments[1]?.path.split('/').pop() as string;
      let found: string | undefined;
      // Waits until the segment before the FIFO has been copied: the export is blocked on the FIFO.
      await waitUntil('the export to start writing', () => {
        found = readdirSync(out).find((n) => n.startsWith('.killed.incomplete-'));
        return found !== undefined && existsSync(join(out, found, 'footage/atm1/segments', copied));
      }, 60_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      expect(existsSync(target)).toBe(false);
      const left = join(out, found as string);
      // What is left is hidden, named incomplete, and carries no manifest or signature.
      expect(existsSync(join(left, 'manifest.json'))).toBe(false);
      expect(existsSync(join(left, 'manifest.sig'))).toBe(false);
      const v = await runCli(['verify', left]);
      expect(v.code).toBe(1);
      expect(v.stdout.trim().split('\n').pop()).toMatch(/^NOT VERIFIED/);
      // The next export into the same folder removes the leftover before it starts its own.
      await rm(stuck, { force: true });
      await run('mv', [saved, stuck]);
      restored = true;
      const next = await runCli(['export', '--config', config, '--hold', hold.id, '--out', join(out, 'after-kill')]);
      expect(next.code, next.stderr).toBe(0);
      expect(existsSync(left)).toBe(false);
      expect(readdirSync(out).filter((n) => n.includes('.incomplete-'))).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (!restored) {
        await rm(stuck, { force: true });
        await run('mv', [saved, stuck]);
      }
    }
  });
});
