import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

let dir: string;
let config: string;
let file: string;

const site = (atmIds: string[]): string => `site: store-001
dataDir: ${JSON.stringify(path.join(dir, 'data'))}
cameras:
  - id: atmcam
    source: atm.mp4
    zones:
${atmIds.map((id) => `      - { id: front-${id}, kind: atm, atmId: ${id}, polygon: [[0, 0], [1, 0], [1, 1]] }`).join('\n')}
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-mqtt-cli-'));
  config = path.join(dir, 'site.yaml');
  file = path.join(dir, 'data', 'mqtt', 'credentials.json');
  fs.writeFileSync(config, site(['atm1']));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('mimamori mqtt credentials', () => {
  it('creates the logins before the agent ever ran, prints them, and prints the same ones again', async () => {
    const first = await runCli(['mqtt', 'credentials', '--config', config]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`added mimamori-agent, atm-atm1, atmctl-atm1, clerk-store-001, relay-store-001, homeassistant, dashboard-store-001 to ${file}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(first.stdout).toContain(`# ${file}\n# broker mqtt://127.0.0.1:1883, WebSocket ws://127.0.0.1:8083/mqtt\n`);
    for (const [user, password] of Object.entries(stored)) expect(first.stdout).toMatch(new RegExp(`^${user} +${password}$`, 'm'));

    const json = await runCli(['mqtt', 'credentials', '--config', config, '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(stored);
  });

  it('adds the users of a new ATM and keeps every existing password', async () => {
    const before = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    fs.writeFileSync(config, site(['atm1', 'atm2']));
    const r = await runCli(['mqtt', 'credentials', '--config', config, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('added atm-atm2, atmctl-atm2');
    const after = JSON.parse(r.stdout) as Record<string, string>;
    expect(after).toMatchObject(before);
    expect(Object.keys(after)).toEqual([...Object.keys(before), 'atm-atm2', 'atmctl-atm2']);
  });

  it('says so when the site uses an external broker, and without --config', async () => {
    const external = path.join(dir, 'external.yaml');
    fs.writeFileSync(external, `site: store-001\ndataDir: ${JSON.stringify(path.join(dir, 'ext-data'))}\nmqtt: { url: 'mqtts://broker.lan:8883' }\n`);
    const r = await runCli(['mqtt', 'credentials', '--config', external]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${external}: mqtt.url is set`);
    expect(fs.existsSync(path.join(dir, 'ext-data', 'mqtt'))).toBe(false);
    const missing = await runCli(['mqtt', 'credentials']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config is required');
  });
});
