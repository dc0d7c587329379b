/**
 * The embedded broker's logins: `<dataDir>/mqtt/credentials.json` (mode 0600 in a 0700 folder),
 * `{ "<username>": "<password>" }`, a random password per user of broker-acl.ts. Created at first
 * start and kept: devices are set up with these passwords, so a password is never replaced. A user
 * the site gained since (a new ATM id in the config) is added with a new password, the others are
 * left as they were. `mimamori mqtt credentials` prints them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { siteUsernames } from './broker-acl.js';
import { preparePrivateDir } from '../store/private-dir.js';

export const CREDENTIALS_DIR = 'mqtt';
export const CREDENTIALS_FILE = 'credentials.json';
const FILE_MODE = 0o600;

export type BrokerCredentials = Readonly<Record<string, string>>;

export interface LoadedCredentials {
  readonly file: string;
  readonly credentials: BrokerCredentials;
  /** Usernames this call added (all of them at first start). */
  readonly added: readonly string[];
}

export class CredentialsFileError extends Error {
  override readonly name = 'CredentialsFileError';
  constructor(readonly file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, options);
  }
}

export function credentialsFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), CREDENTIALS_DIR, CREDENTIALS_FILE);
}

/** Every ATM id the config's zones name, in config order, each once. */
export function configuredAtmIds(config: Pick<Config, 'cameras'>): string[] {
  return [...new Set(config.cameras.flatMap((c) => c.zones.flatMap((z) => (z.atmId ? [z.atmId] : []))))];
}

/** The site's usernames (broker-acl.ts) for this config. */
export function configuredUsernames(config: Pick<Config, 'site' | 'cameras'>): string[] {
  return siteUsernames(config.site, configuredAtmIds(config));
}

export function loadOrCreateBrokerCredentials(dataDir: string, usernames: readonly string[]): LoadedCredentials {
  const file = credentialsFile(dataDir);
  ensurePrivateDir(path.dirname(file));
  const existing = readCredentials(file);
  const added = usernames.filter((u) => !Object.hasOwn(existing ?? {}, u));
  if (added.length === 0) return { file, credentials: existing ?? {}, added };
  const credentials: Record<string, string> = { ...existing };
  for (const user of added) credentials[user] = randomBytes(24).toString('base64url');
  const text = `${JSON.stringify(credentials, null, 2)}\n`;
  // The agent's first start and `mimamori mqtt credentials` may race to create the file: the
  // first one's passwords win, and the other reads them back rather than keep its own.
  if (!writeAtomically(file, text, existing === null)) return loadOrCreateBrokerCredentials(dataDir, usernames);
  return { file, credentials, added };
}

/** Password check that takes the same time wherever the strings differ (and whatever their length). */
export function passwordMatches(credentials: BrokerCredentials, username: string, password: Buffer | string | undefined): boolean {
  const expected = Object.hasOwn(credentials, username) ? credentials[username]! : null;
  const given = password === undefined ? Buffer.alloc(0) : Buffer.from(password);
  const digest = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
  // Comparing digests keeps the comparison constant-time when the lengths differ too.
  const same = timingSafeEqual(digest(given), digest(expected ?? randomBytes(24)));
  return expected !== null && same;
}

function ensurePrivateDir(dir: string): void {
  try {
    preparePrivateDir(dir);
  } catch (error) {
    throw new CredentialsFileError(dir, `cannot prepare the MQTT credentials folder: ${(error as Error).message}`, { cause: error });
  }
}

/** The stored logins, or null when there is no file yet. A damaged file is left for a person. */
function readCredentials(file: string): Record<string, string> | null {
  let text: string;
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile()) throw new CredentialsFileError(file, 'exists but is not a regular file; it was left untouched');
    // Tighten rather than refuse: the file is ours, and refusing would stop the agent over a chmod.
    if ((stat.mode & 0o777) !== FILE_MODE) fs.chmodSync(file, FILE_MODE);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CredentialsFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialsFileError(file, `cannot read the MQTT credentials: ${(error as Error).message}`, { cause: error });
  }
  // Devices were set up with these passwords: a damaged file must not be silently replaced.
  const damaged = (detail: string): CredentialsFileError =>
    new CredentialsFileError(file, `not a JSON object of username to password (${detail}); it was left untouched: restore it, or move it away to have new passwords made for every device`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw damaged('not an object');
  for (const [user, password] of Object.entries(parsed)) {
    if (typeof password !== 'string' || password === '') throw damaged(`"${user}" has no password string`);
  }
  return parsed as Record<string, string>;
}

/**
 * Temp file, fsync, rename, fsync the folder: a power cut leaves the old file or the new one.
 * `create` links instead of renaming, which fails when the file appeared meanwhile: false then.
 */
function writeAtomically(file: string, text: string, create: boolean): boolean {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${CREDENTIALS_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE);
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, FILE_MODE);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (create) {
      try {
        fs.linkSync(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    } else {
      fs.renameSync(temp, file);
    }
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    return true;
  } catch (error) {
    throw new CredentialsFileError(file, `cannot write the MQTT credentials: ${(error as Error).message}`, { cause: error });
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
