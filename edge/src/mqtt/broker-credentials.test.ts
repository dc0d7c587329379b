import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { thrown } from '../../test/temp-store.js';
import { configuredUsernames, credentialsFile, loadOrCreateBrokerCredentials, passwordMatches } from './broker-credentials.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-mqtt-creds-'));
  dirs.push(dir);
  return dir;
}

const atmZone = (id: string, atmId: string) => ({ id, kind: 'atm', atmId, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] });

describe('broker credentials', () => {
  it('names every user of the site, two per ATM of any camera (enabled or not), each once', () => {
    const config = parseConfig({
      site: 'store-9',
      cameras: [
        { id: 'a', source: 'x.mp4', zones: [atmZone('z1', 'atm1'), atmZone('z2', 'atm2')] },
        { id: 'b', source: 'y.mp4', enabled: false, zones: [atmZone('z3', 'atm3'), atmZone('z4', 'atm1')] },
      ],
    });
    expect(configuredUsernames(config).sort()).toEqual([
      'atm-atm1', 'atm-atm2', 'atm-atm3', 'atmctl-atm1', 'atmctl-atm2', 'atmctl-atm3',
      'clerk-store-9', 'dashboard-store-9', 'homeassistant', 'mimamori-agent', 'relay-store-9',
    ]);
  });

  it('creates random passwords once, 0600 in a 0700 folder, and keeps them; a new user is added', () => {
    const dataDir = tempDir();
    const first = loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent', 'atm-atm1']);
    expect(first.file).toBe(path.join(dataDir, 'mqtt', 'credentials.json'));
    expect(first.added).toEqual(['mimamori-agent', 'atm-atm1']);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(first.file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(fs.readFileSync(first.file, 'utf8'))).toEqual(first.credentials);
    expect(first.credentials['mimamori-agent']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.credentials['atm-atm1']).not.toBe(first.credentials['mimamori-agent']);

    const again = loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent', 'atm-atm1']);
    expect(again).toEqual({ file: first.file, credentials: first.credentials, added: [] });

    // A new ATM: its users get passwords, every existing one stays as the devices know it.
    const grown = loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent', 'atm-atm1', 'atm-atm2']);
    expect(grown.added).toEqual(['atm-atm2']);
    expect(grown.credentials).toMatchObject(first.credentials);
    expect(fs.readdirSync(path.dirname(first.file))).toEqual(['credentials.json']);
  });

  it('tightens a loosened file and folder', () => {
    const dataDir = tempDir();
    const { file } = loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent']);
    fs.chmodSync(file, 0o644);
    fs.chmodSync(path.dirname(file), 0o755);
    loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['not JSON', '{"mimamori-agent": '],
    ['an array', '["a"]'],
    ['a password that is no string', '{"mimamori-agent": 42}'],
  ])('refuses %s, naming the file, and leaves it untouched', (_name, text) => {
    const dataDir = tempDir();
    const file = credentialsFile(dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const error = thrown(() => loadOrCreateBrokerCredentials(dataDir, ['mimamori-agent']));
    expect(error.message).toContain(`${file}: not a JSON object of username to password`);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('matches only the exact password of that user', () => {
    const credentials = { 'clerk-s': 'right-password', other: 'x' };
    expect(passwordMatches(credentials, 'clerk-s', Buffer.from('right-password'))).toBe(true);
    expect(passwordMatches(credentials, 'clerk-s', 'right-passwor')).toBe(false);
    expect(passwordMatches(credentials, 'clerk-s', 'right-password!')).toBe(false);
    expect(passwordMatches(credentials, 'clerk-s', undefined)).toBe(false);
    expect(passwordMatches(credentials, 'other', 'right-password')).toBe(false);
    expect(passwordMatches(credentials, 'nobody', 'right-password')).toBe(false);
    expect(passwordMatches(credentials, 'toString', '')).toBe(false);
  });
});
