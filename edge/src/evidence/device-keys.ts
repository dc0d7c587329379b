/**
 * The device's Ed25519 signing key: it signs evidence manifests, so whoever holds the public key
 * (shown by `mimamori keys show`) can check an export came from this device unchanged.
 *
 * The private key is `<dataDir>/keys/device-ed25519.pem` (PKCS#8 PEM, mode 0600, in a 0700
 * folder), created once on first start and never replaced: a new key would make every earlier
 * export unverifiable against the published fingerprint. A damaged key file is therefore an error
 * naming the file, for a person to resolve (restore from backup, or move it away deliberately).
 *
 * Identity: fingerprint = SHA-256 of the public key's DER SubjectPublicKeyInfo, lowercase hex
 * (`openssl pkey -pubin -outform DER | sha256sum` gives the same); deviceId = its first 16 hex
 * digits, so the id needs no second file to keep in step with the key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { preparePrivateDir } from '../store/private-dir.js';

export const KEYS_DIR = 'keys';
export const PRIVATE_KEY_FILE = 'device-ed25519.pem';
const FILE_MODE = 0o600;

export interface DeviceKeys {
  readonly deviceId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM, as published to whoever verifies exports. */
  readonly publicKeyPem: string;
  /** SHA-256 of the DER SPKI public key, 64 lowercase hex digits. */
  readonly fingerprint: string;
  /** Absolute path of the private key file. */
  readonly file: string;
  /** True when this call created the key (first start). */
  readonly created: boolean;
}

export class DeviceKeyError extends Error {
  override readonly name = 'DeviceKeyError';
  constructor(readonly file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, options);
  }
}

/** Fingerprint of any Ed25519 public key (a verifier computes it from the PEM in a bundle). */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function deviceIdOf(fingerprint: string): string {
  return fingerprint.slice(0, 16);
}

export function loadOrCreateDeviceKeys(dataDir: string): DeviceKeys {
  const dir = path.join(path.resolve(dataDir), KEYS_DIR);
  const file = path.join(dir, PRIVATE_KEY_FILE);
  ensurePrivateDir(dir);
  let created = false;
  let pem = readKeyFile(file);
  if (pem === null) {
    created = publishNewKey(dir, file);
    // Read back what is on disk: when another process won the race, its key is the device key.
    pem = readKeyFile(file);
    if (pem === null) throw new DeviceKeyError(file, 'the key file vanished right after it was created');
  }
  return keysFrom(file, pem, created);
}

/**
 * The device key when one exists, else null; never creates, repairs or re-permissions anything.
 * For verification: checking someone's upload must not be what gives the device its identity
 * (a key made then would sign nothing of the past, and would hide that none existed).
 */
export function loadDeviceKeys(dataDir: string): DeviceKeys | null {
  const file = path.join(path.resolve(dataDir), KEYS_DIR, PRIVATE_KEY_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new DeviceKeyError(file, `cannot read the device key: ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isFile()) throw new DeviceKeyError(file, 'the device key path exists but is not a regular file; it was left untouched');
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DeviceKeyError(file, `cannot read the device key: ${(error as Error).message}`, { cause: error });
  }
  return keysFrom(file, pem, false);
}

function keysFrom(file: string, pem: string, created: boolean): DeviceKeys {
  const privateKey = parsePrivateKey(file, pem);
  const publicKey = createPublicKey(privateKey);
  const fingerprint = publicKeyFingerprint(publicKey);
  return {
    deviceId: deviceIdOf(fingerprint),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint,
    file,
    created,
  };
}

function ensurePrivateDir(dir: string): void {
  try {
    preparePrivateDir(dir);
  } catch (error) {
    throw new DeviceKeyError(dir, `cannot prepare the key folder: ${(error as Error).message}`, { cause: error });
  }
}

/** The file's text, or null when it does not exist. */
function readKeyFile(file: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DeviceKeyError(file, `cannot read the device key: ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isFile()) throw new DeviceKeyError(file, 'the device key path exists but is not a regular file; it was left untouched');
  try {
    // Tighten rather than refuse: the key is ours, and refusing would stop the agent over a chmod.
    if ((stat.mode & 0o777) !== FILE_MODE) fs.chmodSync(file, FILE_MODE);
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DeviceKeyError(file, `cannot read the device key: ${(error as Error).message}`, { cause: error });
  }
}

function parsePrivateKey(file: string, pem: string): KeyObject {
  const damaged = (detail: string, cause?: unknown): DeviceKeyError =>
    new DeviceKeyError(
      file,
      `not a usable Ed25519 private key (${detail}). It was left untouched: restore it from a backup, or move it ` +
        'away to have a new device key created (exports signed with the old key then no longer match the new fingerprint).',
      cause === undefined ? undefined : { cause },
    );
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw damaged(pem.trim() === '' ? 'the file is empty' : (error as Error).message, error);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw damaged(`it is a ${key.asymmetricKeyType ?? 'unknown'} key`);
  return key;
}

/**
 * Writes a new key under a temporary name, flushes it, then links it into place. link(2), unlike
 * rename(2), fails when the target exists, so a key that appeared meanwhile (the agent and
 * `mimamori keys show` starting together) is never overwritten. Returns false when one had.
 */
function publishNewKey(dir: string, file: string): boolean {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const temp = path.join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE);
    try {
      fs.writeFileSync(fd, pem);
      fs.fchmodSync(fd, FILE_MODE);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    syncDir(dir);
    return true;
  } catch (error) {
    throw new DeviceKeyError(file, `cannot create the device key: ${(error as Error).message}`, { cause: error });
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Makes the new directory entry survive a power cut (the key must not vanish after first use). */
function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
