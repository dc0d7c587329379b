import { spawn } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { thrown } from '../../test/temp-store.js';
import { DeviceKeyError, loadDeviceKeys, loadOrCreateDeviceKeys, publicKeyFingerprint } from './device-keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-keys-'));
  dirs.push(dir);
  return dir;
}
const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe('device keys', () => {
  it('loadDeviceKeys reads an existing key and never creates one', () => {
    const dataDir = tempDataDir();
    expect(loadDeviceKeys(dataDir)).toBeNull();
    expect(fs.readdirSync(dataDir)).toEqual([]); // not even the keys folder
    const made = loadOrCreateDeviceKeys(dataDir);
    const read = loadDeviceKeys(dataDir);
    expect(read).toMatchObject({ fingerprint: made.fingerprint, deviceId: made.deviceId, created: false, file: made.file });
    fs.writeFileSync(made.file, 'garbage');
    expect(thrown(() => loadDeviceKeys(dataDir))).toBeInstanceOf(DeviceKeyError);
  });

  it('creates an owner-only Ed25519 key on first load and reuses it afterwards', () => {
    const dataDir = tempDataDir();
    const first = loadOrCreateDeviceKeys(dataDir);
    const file = path.join(dataDir, 'keys', 'device-ed25519.pem');
    expect(first.file).toBe(file);
    expect(first.created).toBe(true);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.join(dataDir, 'keys'))).toBe(0o700);
    expect(first.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // No temporary file is left beside it.
    expect(fs.readdirSync(path.join(dataDir, 'keys'))).toEqual(['device-ed25519.pem']);

    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.deviceId).toBe(first.fingerprint.slice(0, 16));
    expect(first.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    // The published PEM alone verifies what the private key signed.
    const message = Buffer.from('manifest');
    expect(verify(null, message, createPublicKey(first.publicKeyPem), sign(null, message, first.privateKey))).toBe(true);

    const second = loadOrCreateDeviceKeys(dataDir);
    expect(second.created).toBe(false);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.deviceId).toBe(first.deviceId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
  });

  it('fingerprints the DER SubjectPublicKeyInfo, as openssl pkey -pubout -outform DER | sha256sum does', () => {
    const keys = loadOrCreateDeviceKeys(tempDataDir());
    // RFC 8410: an Ed25519 SPKI is a fixed 12-byte header followed by the 32-byte raw key.
    const raw = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
    expect(keys.fingerprint).toBe(createHash('sha256').update(der).digest('hex'));
    expect(publicKeyFingerprint(createPublicKey(keys.publicKeyPem))).toBe(keys.fingerprint);
  });

  it('tightens a key file and folder loosened by hand', () => {
    const dataDir = tempDataDir();
    const { file } = loadOrCreateDeviceKeys(dataDir);
    fs.chmodSync(file, 0o644);
    fs.chmodSync(path.dirname(file), 0o755);
    loadOrCreateDeviceKeys(dataDir);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
  });

  it('refuses a corrupt, empty or foreign key file naming it, and never replaces it', () => {
    const dataDir = tempDataDir();
    const { file } = loadOrCreateDeviceKeys(dataDir);
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cases: [string, string][] = [
      ['-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n', ''],
      ['', 'the file is empty'],
      [ecKey, 'it is a ec key'],
    ];
    for (const [content, detail] of cases) {
      fs.writeFileSync(file, content);
      const error = thrown(() => loadOrCreateDeviceKeys(dataDir));
      expect(error).toBeInstanceOf(DeviceKeyError);
      expect(error.message.startsWith(`${file}: not a usable Ed25519 private key`)).toBe(true);
      expect(error.message).toContain(detail);
      expect(fs.readFileSync(file, 'utf8')).toBe(content);
    }
  });

  it('refuses a key path that is not a regular file', () => {
    const dataDir = tempDataDir();
    fs.mkdirSync(path.join(dataDir, 'keys', 'device-ed25519.pem'), { recursive: true });
    const error = thrown(() => loadOrCreateDeviceKeys(dataDir));
    expect(error.message).toBe(`${path.join(dataDir, 'keys', 'device-ed25519.pem')}: the device key path exists but is not a regular file; it was left untouched`);
  });

  it('keeps the first key when several processes create it at the same time', async () => {
    const dataDir = tempDataDir();
    const module = new URL('./device-keys.ts', import.meta.url).href;
    const script = `const { loadOrCreateDeviceKeys } = await import(${JSON.stringify(module)});
      console.log(loadOrCreateDeviceKeys(process.argv[1]).fingerprint);`;
    const run = (): Promise<string> => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))));
    });
    const prints = await Promise.all([run(), run(), run(), run()]);
    const onDisk = loadOrCreateDeviceKeys(dataDir).fingerprint;
    expect(prints).toEqual([onDisk, onDisk, onDisk, onDisk]);
    expect(fs.readdirSync(path.join(dataDir, 'keys'))).toEqual(['device-ed25519.pem']);
  });
});
