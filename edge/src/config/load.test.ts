import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatPath, loadConfig, parseConfig, SMALLEST_SITE_FILE } from './load.js';

describe('config', () => {
  it('fills every default from the schema', () => {
    const c = parseConfig({});
    expect(c.perception.detector.model).toBe('centernet');
    expect(c.perception.detector.personThreshold).toBe(0.4);
    expect(c.perception.phone.callThreshold).toBe(0.5);
    expect(c.perception.threads).toBe(1);
  });

  it('lists every problem by path', () => {
    try {
      parseConfig({ site: 'a/b', perception: { detector: { model: 'mine.onnx', personThreshold: 2 }, bogus: 1 } }, 'site.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const { problems } = err as ConfigError;
      expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^site: /),
        expect.stringMatching(/^perception\.detector\.personThreshold: /),
        expect.stringMatching(/^perception: .*bogus/),
      ]));
      expect((err as Error).message).toMatch(/^site\.yaml: invalid config/);
    }
  });

  it('requires decoder, labels and input size for a user ONNX detector', () => {
    expect(() => parseConfig({ perception: { detector: { model: 'mine.onnx' } } })).toThrow(/perception\.detector\.decoder: required/);
    const c = parseConfig({ perception: { detector: { model: 'mine.onnx', decoder: 'yolo', labels: ['person', 'cell phone'], inputSize: 640 } } });
    expect(c.perception.detector.decoder).toBe('yolo');
  });

  it('defaults to the learned phone head and names bad phone settings by path', () => {
    const c = parseConfig({});
    expect(c.perception.phone.method).toBe('learned');
    expect(c.perception.phone.head).toEqual({ model: 'phone-head', requireHandAtHead: false });
    expect(() => parseConfig({ perception: { phone: { method: 'neural' } } })).toThrow(/perception\.phone\.method: /);
    expect(() => parseConfig({ perception: { phone: { head: { callThreshold: 1.5 } } } })).toThrow(/perception\.phone\.head\.callThreshold: /);
    expect(() => parseConfig({ perception: { phone: { head: { modle: 'x' } } } })).toThrow(/perception\.phone\.head: .*modle/);
  });

  it('fills the HTTP login limits and allowed origins, and names bad ones by path', () => {
    const c = parseConfig({});
    expect(c.http).toEqual({
      host: '127.0.0.1', port: 8080, allowedOrigins: [], login: { userFailures: 5, addressFailures: 20, lockoutSeconds: 30, maxLockoutSeconds: 900 },
    });
    expect(parseConfig({ http: { port: 9090 } }).http.login.userFailures).toBe(5);
    expect(parseConfig({ http: { allowedOrigins: ['https://desk.example:8443'] } }).http.allowedOrigins).toEqual(['https://desk.example:8443']);
    expect(() => parseConfig({ http: { allowedOrigins: ['https://desk.example/'] } })).toThrow(/http\.allowedOrigins\[0\]: must be an origin like/);
    expect(() => parseConfig({ http: { allowedOrigins: ['desk.example'] } })).toThrow(/http\.allowedOrigins\[0\]: must be an origin/);
    expect(() => parseConfig({ http: { login: { userFailures: 0 } } })).toThrow(/http\.login\.userFailures: /);
    expect(() => parseConfig({ http: { login: { lockoutSeconds: 600, maxLockoutSeconds: 60 } } })).toThrow(/http\.login\.maxLockoutSeconds: must be at least lockoutSeconds/);
  });

  it('formats array paths like cameras[1].zones[0].polygon', () => {
    expect(formatPath(['cameras', 1, 'zones', 0, 'polygon'])).toBe('cameras[1].zones[0].polygon');
  });

  it('names the file for unreadable and malformed YAML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-config-'));
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: invalid config\n.*ENOENT/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'site: [unclosed\n');
    await expect(loadConfig(bad)).rejects.toThrow(/bad\.yaml: invalid config\n.*not valid YAML/);
    const good = join(dir, 'good.yaml');
    await writeFile(good, 'site: store-001\nperception:\n  threads: 2\n');
    expect((await loadConfig(good)).perception.threads).toBe(2);
  });
});

describe('cameras and zones', () => {
  const camera = (over: Record<string, unknown> = {}) => ({ id: 'atm1', source: 'rtsp://cam/1', ...over });

  it('accepts the documented site config shape and fills camera defaults', () => {
    const c = parseConfig({
      site: 'store-001', dataDir: './data', mqtt: { url: 'mqtt://127.0.0.1:1883' }, http: { port: 8080 },
      cameras: [camera({
        source: 'file:///videos/atm.mp4', loop: false, analysis: { fps: 5, width: 640 },
        zones: [
          { id: 'atm-front', kind: 'atm', atmId: 'atm1', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] },
          { id: 'cards', kind: 'emoney_rack', dwellSeconds: 60, polygon: [[0.1, 0.2], [0.5, 0.2], [0.5, 0.9], [0.1, 0.9]] },
        ],
      })],
    });
    const cam = c.cameras[0]!;
    expect(cam.record).toEqual({ enabled: true, segmentSeconds: 60 });
    expect(cam.zones[0]).toMatchObject({ membership: 'foot', minSeconds: 3 });
    expect(cam.zones[1]).toMatchObject({ dwellSeconds: 60 });
  });

  it('names every bad camera and zone field by path', () => {
    try {
      parseConfig({
        cameras: [
          camera(),
          camera({ id: 'atm1', analysis: { fps: 0 }, zones: [{ id: 'z', kind: 'atm', polygon: [[0, 0], [1, 0]] }, { id: 'z', kind: 'shelf', polygon: [[0, 0], [1, 0], [2, 1]] }] }),
        ],
      });
      expect.unreachable();
    } catch (err) {
      const { problems } = err as ConfigError;
      expect(problems).toEqual(expect.arrayContaining([
        'cameras[1].zones[0].polygon: needs at least 3 points',
        'cameras[1].zones[0].atmId: required for an atm zone',
        expect.stringMatching(/^cameras\[1\]\.zones\[1\]\.kind: /),
        expect.stringMatching(/^cameras\[1\]\.zones\[1\]\.polygon\[2\]\[0\]: /),
        expect.stringMatching(/^cameras\[1\]\.analysis\.fps: /),
        'cameras[1].id: duplicate camera id "atm1"',
      ]));
    }
  });
});

describe('what a site file must have', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function siteFile(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-config-site-'));
    dirs.push(dir);
    const file = join(dir, 'site.yaml');
    await writeFile(file, text);
    return file;
  }
  const refusal = (p: Promise<unknown>): Promise<ConfigError> => p.then(() => expect.unreachable('the file was accepted'), (e: unknown) => {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  });

  it('refuses an empty file, or one of comments only, showing the smallest valid site file', async () => {
    for (const text of ['', '\n', '# to do: cameras\n']) {
      const file = await siteFile(text);
      for (const use of ['site', 'agent'] as const) {
        const err = await refusal(loadConfig(file, use));
        expect(err.problems).toEqual(['the file is empty']);
        expect(err.message).toBe(`${file}: invalid config\n  the file is empty\nThe smallest site file (every other key has a default; see docs/configuration.md):\n${SMALLEST_SITE_FILE.replace(/^/gm, '  ')}`);
      }
    }
  });

  it('requires the site id, saying what it is for', async () => {
    const err = await refusal(loadConfig(await siteFile('cameras:\n  - { id: atm1, source: rtsp://cam/1 }\n')));
    expect(err.problems).toEqual(['site: required: the store\'s id, e.g. "site: store-001" (it names MQTT topics and files)']);
    expect(err.message).toContain(SMALLEST_SITE_FILE.replace(/^/gm, '  '));
    const notAMap = await refusal(loadConfig(await siteFile('- site: store-001\n')));
    expect(notAMap.problems).toEqual([expect.stringMatching(/^\(root\): .*object/)]);
    expect(notAMap.message).toContain('The smallest site file');
  });

  it('requires a camera to run the agent, and lets other commands read a site without cameras', async () => {
    const none = await siteFile('site: store-001\n');
    expect((await refusal(loadConfig(none, 'agent'))).problems).toEqual(['cameras: required: at least one camera, each with an id and a source']);
    const empty = await siteFile('site: store-001\ncameras: []\n');
    const err = await refusal(loadConfig(empty, 'agent'));
    expect(err.problems).toEqual(['cameras: at least one camera is required, each with an id and a source']);
    expect(err.message).toContain('The smallest site file');
    expect((await loadConfig(empty)).cameras).toEqual([]);
    expect((await loadConfig(none)).site).toBe('store-001');
    // The smallest file shown is itself accepted.
    const smallest = await loadConfig(await siteFile(`${SMALLEST_SITE_FILE}\n`), 'agent');
    expect(smallest).toMatchObject({ site: 'store-001', cameras: [{ id: 'atm1', enabled: true, zones: [] }] });
  });

  it('names dataDir and the path when it is a file, or under one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-config-datadir-'));
    dirs.push(dir);
    const notADir = join(dir, 'data');
    await writeFile(notADir, 'I am a file');
    const file = await siteFile(`site: store-001\ndataDir: ${notADir}\n`);
    const err = await refusal(loadConfig(file));
    expect(err.message).toBe(`${file}: invalid config\n  dataDir: ${notADir} is a file, not a directory`);
    const under = await siteFile(`site: store-001\ndataDir: ${join(notADir, 'more', 'data')}\n`);
    expect((await refusal(loadConfig(under))).problems).toEqual([`dataDir: ${join(notADir, 'more', 'data')} cannot be created: ${notADir} is a file, not a directory`]);
    expect(readFileSync(notADir, 'utf8')).toBe('I am a file');
    // Missing is fine: the agent creates it.
    expect((await loadConfig(await siteFile(`site: store-001\ndataDir: ${join(dir, 'new', 'data')}\n`))).dataDir).toBe(join(dir, 'new', 'data'));
  });
});

describe('zone outlines in a site file', () => {
  it('refuses self-crossing, zero-area and repeated-corner polygons, each named by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-config-zones-'));
    const file = join(dir, 'site.yaml');
    await writeFile(file, [
      'site: store-001',
      'cameras:',
      '  - id: atm1',
      '    source: rtsp://cam/1',
      '    zones:',
      '      - { id: ok, kind: register, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }',
      '  - id: rack1',
      '    source: rtsp://cam/2',
      '    zones:',
      '      - { id: bowtie, kind: emoney_rack, polygon: [[0, 0], [1, 1], [1, 0], [0, 1]] }',
      '      - { id: line, kind: emoney_rack, polygon: [[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]] }',
      '      - { id: twice, kind: atm, atmId: atm1, polygon: [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.2], [0.2, 0.8]] }',
      '',
    ].join('\n'));
    const err = await loadConfig(file).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'cameras[1].zones[0].polygon: crosses itself: the edge from point 0 to 1 meets the edge from point 2 to 3 (list the corners in order around the zone)',
      'cameras[1].zones[1].polygon: encloses no area: all its points lie on one line',
      'cameras[1].zones[2].polygon: point 3 repeats point 0 ([0.2, 0.2]): give each corner once',
    ]);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid config`));
  });
});

describe('alerts and mqtt options', () => {
  it('has the interlock, relay reminders, Home Assistant and outbox defaults off or conservative', () => {
    const c = parseConfig({});
    expect(c.alerts.interlock).toEqual({ enabled: false, resumeOn: 'ack', maxSuspendSeconds: 300 });
    expect(c.alerts).toMatchObject({ clerkResendSeconds: 30, clerkResendMax: 3 });
    expect(c.mqtt.homeAssistant).toEqual({ enabled: false, discoveryPrefix: 'homeassistant' });
    expect(c.mqtt.outboxRetentionDays).toBe(7);
    expect(parseConfig({ alerts: { interlock: { enabled: true } } }).alerts.interlock).toEqual({ enabled: true, resumeOn: 'ack', maxSuspendSeconds: 300 });
  });

  it('names each bad alerts and mqtt field by path', () => {
    try {
      parseConfig({
        alerts: { clerkResendSeconds: 1, clerkResendMax: -1, interlock: { enabled: true, resumeOn: 'never', maxSuspendSeconds: 0 } },
        mqtt: { outboxRetentionDays: 0, homeAssistant: { enabled: true, discoveryPrefix: 'home/+/x' } },
      });
      expect.unreachable();
    } catch (err) {
      const { problems } = err as ConfigError;
      expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^alerts\.clerkResendSeconds: /),
        expect.stringMatching(/^alerts\.clerkResendMax: /),
        expect.stringMatching(/^alerts\.interlock\.resumeOn: /),
        expect.stringMatching(/^alerts\.interlock\.maxSuspendSeconds: /),
        expect.stringMatching(/^mqtt\.outboxRetentionDays: /),
        'mqtt.homeAssistant.discoveryPrefix: topic levels of letters, digits, "-" and "_"',
      ]));
    }
  });
});
