import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { publicKeyFingerprint } from '../evidence/device-keys.js';

let dir: string;
let config: string;
let keyFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-keys-cli-'));
  config = path.join(dir, 'site.yaml');
  keyFile = path.join(dir, 'data', 'keys', 'device-ed25519.pem');
  fs.writeFileSync(config, `site: store-001\ndataDir: ${JSON.stringify(path.join(dir, 'data'))}\ncameras: []\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('mimamori keys show', () => {
  it('creates the key when the agent never ran, then shows the same identity every time', async () => {
    const first = await runCli(['keys', 'show', '--config', config]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`created a new device key at ${keyFile}`);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const fingerprint = /^fingerprint {2}([0-9a-f]{64}) /m.exec(first.stdout)?.[1];
    const deviceId = /^device id {4}([0-9a-f]{16})$/m.exec(first.stdout)?.[1];
    const pem = /-----BEGIN PUBLIC KEY-----\n[\s\S]*?-----END PUBLIC KEY-----\n/.exec(first.stdout)?.[0];
    expect(fingerprint).toBeDefined();
    expect(deviceId).toBe(fingerprint!.slice(0, 16));
    // The printed PEM is the key the fingerprint describes.
    expect(publicKeyFingerprint(createPublicKey(pem!))).toBe(fingerprint);

    const second = await runCli(['keys', 'show', '--config', config, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ deviceId, fingerprint, algorithm: 'ed25519', publicKeyPem: pem, created: false });
  });

  it('fails naming a damaged key file and leaves it as it was', async () => {
    fs.writeFileSync(keyFile, 'garbage\n');
    const r = await runCli(['keys', 'show', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${keyFile}: not a usable Ed25519 private key`);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe('garbage\n');
  });
});
