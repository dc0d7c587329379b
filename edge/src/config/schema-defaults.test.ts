/**
 * The defaults a minimal site file gets, written out once as they were when nested sections still
 * repeated their inner defaults in `.default({...})` literals (issue 12). Writing each default only
 * once in the schema must not change what any site ends up running with.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../models/src/index.js';
import { agentConfigSchema, configSchema, siteFileSchema } from './schema.js';

const FULL_DEFAULTS = {
  version: 1,
  site: 'store-001',
  dataDir: './data',
  ffmpeg: {},
  perception: {
    detector: { model: 'centernet', inputName: 'images', personThreshold: 0.4, objectThreshold: 0.3, phoneCandidateThreshold: 0.1, nmsIou: 0.5 },
    pose: { model: 'movenet-lightning' },
    phone: {
      minKeypointScore: 0.2,
      nearHead: 0.6,
      farFromHead: 2.2,
      phoneHeadRadius: 1.5,
      phoneHandRadius: 1.2,
      minPhoneScore: 0.1,
      phoneFullScore: 0.25,
      callThreshold: 0.5,
      handThreshold: 0.5,
      method: 'learned',
      head: { model: 'phone-head', requireHandAtHead: false },
    },
    closeUpFallback: true,
    maxPeople: 6,
    threads: 1,
    workers: 1,
    workerRespawn: { initialSeconds: 1, maxSeconds: 60 },
  },
  mqtt: {
    embedded: { host: '127.0.0.1', port: 1883, wsPort: 8083, allowedOrigins: [] },
    outboxRetentionDays: 7,
    homeAssistant: { enabled: false, discoveryPrefix: 'homeassistant' },
  },
  http: {
    host: '127.0.0.1',
    port: 8080,
    allowedOrigins: [],
    login: { userFailures: 5, addressFailures: 20, lockoutSeconds: 30, maxLockoutSeconds: 900 },
  },
  alerts: {
    atmLanguages: ['ja', 'ja-x-easy', 'en', 'zh-Hans', 'ko', 'vi', 'ne', 'id', 'tl', 'pt-BR'],
    clerkLanguage: 'ja',
    warningSeconds: 60,
    clerkResendSeconds: 30,
    clerkResendMax: 3,
    ackClockSkewSeconds: 120,
    interlock: { enabled: false, resumeOn: 'ack', maxSuspendSeconds: 300 },
  },
  retention: {
    continuous: { days: 14 },
    events: { days: 90, preSeconds: 30, postSeconds: 30, behaviours: {} },
    maxDiskPercent: 90,
    intervalMinutes: 10,
    minFreeBytes: 268435456,
    reserveBytes: 8388608,
  },
  supervisor: {
    analysisStallSeconds: 30,
    pipelineRestart: { initialSeconds: 1, maxSeconds: 60 },
    watchdog: true,
  },
  cameras: [],
};

const CAMERA_DEFAULTS = {
  loop: false,
  enabled: true,
  analysis: {
    fps: 5, width: 640, idleFps: 1,
    motion: { enabled: true, width: 64, pixelThreshold: 20, minArea: 0.002, resetShare: 0.5 },
  },
  record: { enabled: true, segmentSeconds: 60 },
  stallSeconds: 10,
};

const ZONE_DEFAULTS = { membership: 'foot', minOverlap: 0.3, minSeconds: 3, dwellSeconds: 60 };

describe('config defaults', () => {
  it('fills a site file that names only its site with every default', () => {
    expect(siteFileSchema.parse({ site: 'store-001' })).toEqual(FULL_DEFAULTS);
    expect(configSchema.parse({})).toEqual({ ...FULL_DEFAULTS, site: 'site' });
  });

  it('fills a camera and its zone in the smallest agent file', () => {
    const zone = { id: 'front', kind: 'atm', atmId: 'atm-1', polygon: [[0, 0], [1, 0], [1, 1]] };
    const parsed = agentConfigSchema.parse({ site: 'store-001', cameras: [{ id: 'atm1', source: 'rtsp://cam/1', zones: [zone] }] });
    expect(parsed).toEqual({
      ...FULL_DEFAULTS,
      cameras: [{ id: 'atm1', source: 'rtsp://cam/1', ...CAMERA_DEFAULTS, zones: [{ ...zone, ...ZONE_DEFAULTS }] }],
    });
  });

  it('fills the same defaults into sections given empty as into sections left out', () => {
    const empty = {
      site: 'store-001',
      perception: { detector: {}, pose: {}, phone: { head: {} }, workerRespawn: {} },
      mqtt: { embedded: {}, homeAssistant: {} },
      http: { login: {} },
      alerts: { interlock: {} },
      retention: { continuous: {}, events: { behaviours: {} } },
      supervisor: { pipelineRestart: {} },
    };
    expect(siteFileSchema.parse(empty)).toEqual(FULL_DEFAULTS);
  });

  it('keeps the other defaults of a section when one of its keys is set', () => {
    const parsed = siteFileSchema.parse({ site: 'store-001', perception: { phone: { head: { requireHandAtHead: true } } }, mqtt: { embedded: { port: 0 } } });
    expect(parsed.perception.phone.head).toEqual({ model: 'phone-head', requireHandAtHead: true });
    expect(parsed.mqtt.embedded).toEqual({ ...FULL_DEFAULTS.mqtt.embedded, port: 0 });
  });

  it('gives each parse its own nested defaults, so changing one config cannot change the next', () => {
    const first = siteFileSchema.parse({ site: 'store-001' });
    first.perception.detector.personThreshold = 0.9;
    first.perception.phone.head.requireHandAtHead = true;
    first.mqtt.embedded.allowedOrigins.push('https://x.example');
    first.retention.events.preSeconds = 1;
    expect(siteFileSchema.parse({ site: 'store-001' })).toEqual(FULL_DEFAULTS);
  });

  it('names default models that models/models.json ships, of the right kind', async () => {
    const manifest = await loadManifest();
    const { detector, pose, phone } = configSchema.parse({}).perception;
    expect(manifest.models[detector.model]?.kind).toBe('detector');
    expect(manifest.models[pose.model]?.kind).toBe('pose');
    expect(manifest.fitted[phone.head.model]?.kind).toBe('phone-head');
  });
});
