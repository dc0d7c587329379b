/**
 * The one config schema: defaults, validation, types and documentation come from here.
 * Parsing does no I/O; probing cameras and loading models belong to runtime.
 */
import { z } from 'zod';
import { MAX_CHECKED_POINTS, polygonShapeProblem } from './polygon-shape.js';

const score = z.number().min(0).max(1);

export const phoneRuleSchema = z
  .object({
    minKeypointScore: score.default(0.2)
      .describe('Pose keypoints below this score are ignored'),
    nearHead: z.number().positive().default(0.6)
      .describe('A wrist this close to the head (head sizes) counts fully towards a call'),
    farFromHead: z.number().positive().default(2.2)
      .describe('A wrist farther than this from the head (head sizes) counts nothing towards a call; must be greater than nearHead'),
    phoneHeadRadius: z.number().positive().default(1.5)
      .describe('A phone box within this many head sizes of the head is at the head'),
    phoneHandRadius: z.number().positive().default(1.2)
      .describe('A phone box within this many head sizes of a wrist is in the hand'),
    minPhoneScore: score.default(0.1)
      .describe('Detector score a phone box needs to count as evidence'),
    phoneFullScore: score.default(0.25)
      .describe('A phone box with this detector score counts fully (phones at the ear rarely score higher)'),
    callThreshold: score.default(0.5).describe('Call score that means "on a call"'),
    handThreshold: score.default(0.5).describe('Hand score that means "handling a phone"'),
    method: z.enum(['learned', 'rule']).default('learned')
      .describe('Who decides the phone state: the learned phone head (fitted by npm run train:phone) or the geometry rule above'),
    head: z
      .object({
        model: z.string().min(1).default('phone-head')
          .describe('A fitted model name from models/models.json, or a path to your own phone-head .onnx (its .json card beside it)'),
        callThreshold: score.optional().describe("p(call) that means \"on a call\"; default: the head card's cross-validated threshold"),
        handThreshold: score.optional().describe("p(hand) that means \"handling a phone\"; default: the head card's cross-validated threshold"),
        requireHandAtHead: z.boolean().default(false)
          .describe('Never say "call" when every seen wrist is farther than farFromHead from the head. Off by default: it also drops phones cradled on the shoulder while both hands work the ATM, and wrists the pose model misplaces (14% of real calls in cross-validation)'),
      })
      .strict()
      .prefault({})
      .describe('The learned phone head (method: learned)'),
  })
  .strict()
  .refine((r) => r.farFromHead > r.nearHead, { message: 'farFromHead must be greater than nearHead', path: ['farFromHead'] });

export const detectorSchema = z
  .object({
    model: z.string().min(1).default('centernet')
      .describe('A model name from models/models.json, or a path to your own .onnx file'),
    decoder: z.enum(['centernet', 'yolo']).optional()
      .describe('Output decoder; required for your own .onnx file (YOLOv8/YOLO11 layout [1, 4+C, N] is "yolo")'),
    labels: z.array(z.string().min(1)).min(1).optional()
      .describe('Class names in output order, for your own .onnx file; must include "person"'),
    inputSize: z.int().min(32).max(4096).optional().describe('Square input size of your own .onnx file; required for one'),
    inputName: z.string().min(1).default('images').describe('Input tensor name of your own .onnx file (Ultralytics exports use "images")'),
    personThreshold: score.default(0.4).describe('Minimum score of a person box'),
    objectThreshold: score.default(0.3).describe('Minimum score of other objects reported in output'),
    phoneCandidateThreshold: score.default(0.1)
      .describe('Minimum score of a "cell phone" box passed to the phone rule (phones at the ear are small and half hidden)'),
    nmsIou: score.default(0.5).describe('IoU above which overlapping boxes of one class are merged'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!d.model.endsWith('.onnx')) return;
    if (!d.decoder) ctx.addIssue({ code: 'custom', path: ['decoder'], message: 'required when model is an .onnx file' });
    if (!d.labels) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'required when model is an .onnx file' });
    else if (!d.labels.includes('person')) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'must include "person"' });
    if (!d.inputSize) ctx.addIssue({ code: 'custom', path: ['inputSize'], message: 'required when model is an .onnx file' });
  });

export const perceptionSchema = z
  .object({
    detector: detectorSchema.prefault({}).describe('The object detector that finds people and phones in each frame'),
    pose: z
      .object({ model: z.string().min(1).default('movenet-lightning').describe('A pose model name from models/models.json') })
      .strict()
      .prefault({})
      .describe('The pose model run on the largest people of each frame'),
    phone: phoneRuleSchema.prefault({})
      .describe('Whether each person is on a call, handling a phone, or neither: the geometry rule\'s settings, then the learned head\'s'),
    closeUpFallback: z.boolean().default(true)
      .describe('When the detector finds nobody, look for one person filling the frame by pose alone (customers close to an ATM camera)'),
    maxPeople: z.int().min(1).max(50).default(6).describe('Pose is run on at most this many people per frame, largest first; on a camera with zones only people near its atm and emoney_rack zones count (the others get no pose)'),
    threads: z.int().min(1).max(64).default(1).describe('onnxruntime intra-op threads per inference process'),
    workers: z.int().min(1).max(16).default(1).describe('Inference processes, each with its own onnxruntime sessions'),
    workerRespawn: respawnSchema('A crashed inference worker')
      .prefault({})
      .describe('A worker that dies is started again after a wait that doubles while it keeps dying'),
  })
  .strict();

/** Capped, doubling waits before something that died is started again. */
function respawnSchema(what: string) {
  return z
    .object({
      initialSeconds: z.number().positive().max(600).default(1).describe(`${what} is started again after this long the first time`),
      maxSeconds: z.number().positive().max(3600).default(60).describe('The wait doubles per failure up to this; at least initialSeconds'),
    })
    .strict()
    .refine((r) => r.maxSeconds >= r.initialSeconds, { message: 'maxSeconds must be at least initialSeconds', path: ['maxSeconds'] });
}

/**
 * Cross-field checks also run when other fields of the same object are invalid, so one run lists
 * every problem; their callbacks must therefore cope with values that failed their own checks.
 */
const EVEN_WITH_OTHER_ISSUES = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

/** Ids name MQTT topics, files and events: each must be unique in its list. */
function reportDuplicateIds(items: readonly { id: string }[], key: string, what: string, ctx: z.RefinementCtx): void {
  if (!Array.isArray(items)) return;
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `duplicate ${what} id "${item.id}"` });
    seen.add(item.id);
  });
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ID_RULE = 'letters, digits, "-" and "_" only (used in MQTT topics and file names)';
const id = z.string().regex(ID_PATTERN, ID_RULE);
const unit = z.number().min(0).max(1);
const point = z.tuple([unit, unit]);

export const ZONE_KINDS = ['atm', 'emoney_rack', 'register', 'entrance'] as const;

export const zoneSchema = z
  .object({
    id: id.describe('Names the zone in events; unique within its camera'),
    kind: z.enum(ZONE_KINDS).describe('atm: space in front of an ATM; emoney_rack: prepaid/e-money card shelf'),
    polygon: z.array(point).min(3, 'needs at least 3 points').max(MAX_CHECKED_POINTS, `at most ${MAX_CHECKED_POINTS} points`)
      .superRefine((points, ctx) => {
        const problem = polygonShapeProblem(points);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('Corners in normalised coordinates [x, y], 0..1 of the frame, in order around the zone: each once, edges not crossing'),
    atmId: id.optional().describe('ATM this zone is in front of: names its warning topic and display; required for an atm zone'),
    membership: z.enum(['foot', 'overlap']).default('foot')
      .describe('A person is in the zone by the bottom-centre of their box (foot), or by box overlap'),
    minOverlap: unit.default(0.3).describe('With membership "overlap": share of the person box inside the zone'),
    minSeconds: z.number().positive().max(600).default(3).describe('phone_at_atm: seconds on the phone in the zone before an event'),
    dwellSeconds: z.number().positive().max(3600).default(60).describe('emoney_lingering: seconds in the zone before an event'),
  })
  .strict()
  .superRefine((z0, ctx) => {
    if (z0.kind === 'atm' && !z0.atmId) ctx.addIssue({ code: 'custom', path: ['atmId'], message: 'required for an atm zone' });
  }, EVEN_WITH_OTHER_ISSUES);

export const cameraSchema = z
  .object({
    id: id.describe('Names the camera in events, recordings and MQTT topics; unique in the site'),
    source: z.string().min(1).describe('rtsp://, http(s)://, file:// or a path, or a V4L2 device /dev/videoN'),
    loop: z.boolean().default(false).describe('Loop a file source (demos); without it the camera ends with the file'),
    enabled: z.boolean().default(true).describe('A disabled camera is neither analysed nor recorded, and not offered to Home Assistant'),
    analysis: z
      .object({
        fps: z.number().positive().max(30).default(5).describe('Frames analysed per second'),
        width: z.int().min(160).max(3840).default(640).describe('Analysis width in pixels; aspect kept'),
        // At least one sweep per 10 s: the sweeps are what keeps a quiet camera's stall clock
        // (supervisor.analysisStallSeconds, 30 s by default) from running out.
        idleFps: z.number().min(0.1).max(30).default(1)
          .describe('With motion gating: frames per second still sent to the detector while nothing moves and nobody is tracked (idle sweeps), so a person who comes in without being seen to move is found within 1/idleFps s'),
        motion: z
          .object({
            enabled: z.boolean().default(true)
              .describe('Skip the detector on frames with no motion while nobody is tracked (counted as gated, apart from the idle sweeps); off: every frame is analysed'),
            width: z.int().min(16).max(160).default(64).describe('Width in pixels of the greyscale copy motion is measured on'),
            pixelThreshold: z.int().min(1).max(255).default(20)
              .describe('Grey levels (of 255) a pixel must differ from the running background, once the whole frame\'s change of brightness and contrast is taken out, to count as changed; lighting that jumps by half this between two frames (lights switched) makes the frame the new background, analysed once'),
            minArea: z.number().positive().max(1).default(0.002)
              .describe('Share of the frame the largest connected patch of changed pixels must cover to be motion; smaller patches are noise and flicker'),
            resetShare: z.number().gt(0).max(1).default(0.5)
              .describe('A frame where more than this share of pixels changed at once (camera knocked, a blind drawn) becomes the new background: analysed once, not motion from then on'),
          })
          .strict()
          .prefault({})
          .describe('Motion gating: a cheap motion check on every frame decides whether the detector needs to see it'),
      })
      .strict()
      .prefault({})
      .describe('How the camera\'s frames are sampled for analysis'),
    record: z
      .object({
        enabled: z.boolean().default(true).describe('Record the camera\'s stream to disk, in segments'),
        segmentSeconds: z.int().min(5).max(3600).default(60).describe('Seconds of one recorded segment file'),
      })
      .strict()
      .prefault({})
      .describe('Continuous recording of the camera\'s stream'),
    stallSeconds: z.number().positive().max(600).default(10).describe('No frame for this long counts as a stalled stream'),
    zones: z.array(zoneSchema).default([]).describe('Areas of the frame the behaviours watch, e.g. the space in front of an ATM'),
  })
  .strict()
  .superRefine((c, ctx) => reportDuplicateIds(c.zones, 'zones', 'zone', ctx), EVEN_WITH_OTHER_ISSUES);

export const mqttSchema = z
  .object({
    url: z.string().regex(/^(mqtts?|wss?):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').optional()
      .describe('External broker (mosquitto is the reference); omitted → the embedded broker'),
    username: z.string().min(1).optional().describe('User name on the external broker'),
    password: z.string().min(1).optional().describe('Password on the external broker; give this or passwordFile, not both. Prefer passwordFile: a config file is often readable by more people'),
    passwordFile: z.string().min(1).optional().describe('File holding the MQTT password (first line)'),
    clientId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional().describe('Default mimamori-<site>'),
    tls: z
      .object({
        ca: z.string().min(1).optional().describe('CA certificate file (PEM) for mqtts:// or wss://'),
        cert: z.string().min(1).optional().describe('Client certificate file (PEM); needs key'),
        key: z.string().min(1).optional().describe('Client key file (PEM)'),
        rejectUnauthorized: z.boolean().default(true)
          .describe('Refuse a broker whose certificate does not verify against ca (or the system\'s CAs without one)'),
      })
      .strict()
      .optional()
      .describe('TLS to the external broker'),
    embedded: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address the embedded broker listens on'),
        port: z.int().min(0).max(65535).default(1883).describe('MQTT port of the embedded broker; 0: any free port'),
        wsPort: z.int().min(0).max(65535).default(8083).describe('MQTT over WebSocket for the dashboard'),
        allowedOrigins: z.array(z.url().refine((u) => new URL(u).origin === u.replace(/\/$/, ''), 'an origin only: scheme://host[:port], no path'))
          .default([])
          .describe('Web pages (origins) besides the agent\'s own dashboard whose logged-in users may use the WebSocket, e.g. https://mimamori.store.lan'),
      })
      .strict()
      .prefault({})
      .describe('The broker the agent runs itself when mqtt.url is not set'),
    outboxRetentionDays: z.number().positive().max(365).default(7)
      .describe('Published outbox messages older than this are deleted (hourly); unpublished ones never are'),
    homeAssistant: z
      .object({
        enabled: z.boolean().default(false)
          .describe('Publish Home Assistant MQTT discovery: a binary sensor per camera and behaviour, on while an event is open'),
        discoveryPrefix: z.string().regex(/^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64})*$/, 'topic levels of letters, digits, "-" and "_"')
          .default('homeassistant').describe('Home Assistant\'s discovery prefix (its MQTT integration setting)'),
      })
      .strict()
      .prefault({})
      .describe('Home Assistant MQTT discovery (docs/mqtt.md)'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.password && m.passwordFile) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
    if (m.tls?.cert && !m.tls.key) ctx.addIssue({ code: 'custom', path: ['tls', 'key'], message: 'required with tls.cert' });
  }, EVEN_WITH_OTHER_ISSUES);

export const alertsSchema = z
  .object({
    atmLanguages: z.array(z.string().min(2)).min(1)
      .default(['ja', 'ja-x-easy', 'en', 'zh-Hans', 'ko', 'vi', 'ne', 'id', 'tl', 'pt-BR'])
      .describe('Languages an ATM warning cycles through, first shown first (Japan\'s foreign residents are targeted too)'),
    clerkLanguage: z.string().min(2).default('ja').describe('Language of clerk alerts'),
    warningSeconds: z.int().min(5).max(600).default(60).describe('A shown ATM warning expires after this long unless cleared sooner'),
    dashboardUrl: z.url().optional().describe('Base URL of the local dashboard, for snapshot links in clerk alerts'),
    clerkResendSeconds: z.int().min(5).max(3600).default(30)
      .describe('An unacknowledged clerk alert is sent again this often while its event lasts'),
    clerkResendMax: z.int().min(0).max(20).default(3)
      .describe('At most this many re-sends per clerk alert (0: never); a few reach a busy clerk, endless ones get ignored'),
    ackClockSkewSeconds: z.number().min(0).max(3600).default(120)
      .describe('An ack whose `at` is further ahead of the agent\'s clock than this is refused (device clocks drift a little; forged acks are dated anywhere)'),
    interlock: z
      .object({
        enabled: z.boolean().default(false)
          .describe('Advise the bank\'s ATM controller to suspend a transaction while the customer at it is on a call; the controller decides'),
        resumeOn: z.enum(['ack', 'end']).default('ack')
          .describe('ack: resume when staff acknowledge the event, at the latest when it ends; end: resume only when the event ends'),
        maxSuspendSeconds: z.int().min(10).max(1800).default(300)
          .describe('Resume after this long whatever else happens, so a stuck or false detection cannot hold an ATM'),
      })
      .strict()
      .prefault({})
      .describe('Advice to the bank\'s ATM controller to hold a transaction during a call (docs/mqtt.md)'),
  })
  .strict();

const retentionDays = z.number().positive().max(3650);

/** Days of event footage for one behaviour; overrides retention.events.days. */
const behaviourRetentionSchema = z
  .object({ days: retentionDays.describe('Days this behaviour\'s event footage is kept after the event ends') })
  .strict();

/**
 * Footage retention tiers and the disk budget. Held footage (legal holds) is outside these rules:
 * it is kept until the hold is released, whatever the days or the budget say.
 */
export const retentionSchema = z
  .object({
    continuous: z
      .object({
        days: retentionDays.default(14)
          .describe('Days every recorded segment is kept, or less when the disk budget needs the room'),
      })
      .strict()
      .prefault({})
      .describe('All recorded footage'),
    events: z
      .object({
        days: retentionDays.default(90)
          .describe('Days footage around an event is kept after the event ends; open events keep theirs'),
        preSeconds: z.number().min(0).max(3600).default(30)
          .describe('Seconds of footage kept before an event (before its zone entry when that is earlier)'),
        postSeconds: z.number().min(0).max(3600).default(30).describe('Seconds of footage kept after an event ends'),
        behaviours: z
          .object({
            phone_at_atm: behaviourRetentionSchema.optional().describe('Footage of phone_at_atm events'),
            emoney_lingering: behaviourRetentionSchema.optional().describe('Footage of emoney_lingering events'),
          })
          .strict()
          .prefault({})
          .describe('Per-behaviour override of days, e.g. { phone_at_atm: { days: 180 } }'),
      })
      .strict()
      .prefault({})
      .describe('Footage around events, kept longer than the continuous tier'),
    maxDiskPercent: z.number().min(1).max(99).default(90)
      .describe('Keep the data directory\'s filesystem at most this full, in percent (the default leaves room for the OS, the database and a day\'s recording)'),
    maxBytes: z.int().positive().optional()
      .describe('Also keep the recorded segments (by the index) at most this many bytes; unset: only maxDiskPercent applies'),
    intervalMinutes: z.number().min(1).max(1440).default(10)
      .describe('Minutes between cleaner runs (every minute while storage is full)'),
    minFreeBytes: z.int().min(0).default(256 * 1024 * 1024)
      .describe('Keep at least this many bytes free on the data filesystem; less raises storage_full and pauses recording'),
    reserveBytes: z.int().min(0).max(1024 * 1024 * 1024).default(8 * 1024 * 1024)
      .describe('Bytes held back in <dataDir>/.reserve and given back so events, acks and alerts still commit on a full disk; 0: none'),
  })
  .strict();

/** An origin as browsers send it in the Origin header: scheme://host[:port], nothing after. */
const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.toLowerCase();
  } catch {
    return false;
  }
}, 'must be an origin like https://dashboard.example:8443 (scheme, host and port only, no path or trailing /)');

export const loginLimitsSchema = z
  .object({
    userFailures: z.int().min(1).max(1000).default(5)
      .describe('Wrong logins in a row for one username before it has to wait'),
    addressFailures: z.int().min(1).max(10_000).default(20)
      .describe('Wrong logins in a row from one address before it has to wait'),
    lockoutSeconds: z.int().min(1).max(3600).default(30)
      .describe('The first wait; it doubles with each further wrong login'),
    maxLockoutSeconds: z.int().min(1).max(86_400).default(900)
      .describe('The longest wait, at least lockoutSeconds; after this long without a wrong login, the count starts again'),
  })
  .strict()
  .refine((l) => l.maxLockoutSeconds >= l.lockoutSeconds, { message: 'must be at least lockoutSeconds', path: ['maxLockoutSeconds'] });

export const httpSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Address the API and dashboard listen on'),
    port: z.int().min(0).max(65535).default(8080).describe('Port of the API and dashboard; 0: any free port'),
    allowedOrigins: z.array(origin).default([])
      .describe('Origins besides the agent\'s own address allowed to send state-changing requests (e.g. a TLS proxy in front of it)'),
    login: loginLimitsSchema.prefault({}).describe('Waits after wrong logins, against password guessing'),
  })
  .strict();

/** Watching the cameras' analysis: when it counts as stalled, restarting it, telling systemd. */
export const supervisorSchema = z
  .object({
    analysisStallSeconds: z.number().positive().max(3600).default(30)
      .describe('A camera whose frames arrive but none is analysed for this long is stalled (analysis_stalled alarm)'),
    pipelineRestart: respawnSchema("A camera's analysis loop that ended while its camera still streams")
      .prefault({})
      .describe('A camera\'s analysis loop that ends is started again after a wait that doubles while it keeps ending'),
    watchdog: z.boolean().default(true)
      .describe('Under systemd (NOTIFY_SOCKET set): READY=1 once analysing, WATCHDOG=1 only while no camera is stalled, STATUS= a summary'),
  })
  .strict();

const SITE = 'The store\'s id: names its MQTT topics, broker users and evidence bundles, so each store on one broker needs its own';

const configShape = {
  version: z.literal(1).default(1).describe('Config format version'),
  site: id.default('site').describe(SITE),
  dataDir: z.string().min(1).default('./data').describe('Database, snapshots, recordings and keys; relative to the working directory'),
  ffmpeg: z
    .object({
      ffmpegPath: z.string().min(1).optional().describe('ffmpeg binary; default FFMPEG_PATH, then PATH, then the npm package'),
      ffprobePath: z.string().min(1).optional().describe('ffprobe binary; default FFPROBE_PATH, then PATH, then the npm package'),
    })
    .strict()
    .prefault({})
    .describe('The ffmpeg and ffprobe binaries that read cameras and video files and write recordings'),
  perception: perceptionSchema.prefault({})
    .describe('What the agent sees in a frame: people, their pose, and whether each is on a phone; shared by every camera'),
  mqtt: mqttSchema.prefault({}).describe('The MQTT broker that carries ATM warnings, clerk alerts and acks (topics: docs/mqtt.md)'),
  http: httpSchema.prefault({}).describe('The local API and dashboard'),
  alerts: alertsSchema.prefault({}).describe('What an event makes happen: ATM warnings, clerk alerts, the ATM interlock'),
  retention: retentionSchema.prefault({}).describe('How long footage is kept, and the disk budget it is kept within'),
  supervisor: supervisorSchema.prefault({}).describe('Keeping each camera\'s analysis running, and saying when it is not'),
  cameras: z.array(cameraSchema).default([]).describe('The cameras to analyse and record; mimamori run needs at least one'),
};

function configObject<S extends z.ZodRawShape>(shape: S) {
  return z
    .object(shape)
    .strict()
    .superRefine((c, ctx) => reportDuplicateIds((c as { cameras: { id: string }[] }).cameras, 'cameras', 'camera', ctx), EVEN_WITH_OTHER_ISSUES);
}

/** Every key with its default: for tools that need perception settings without a site (analyze, eval, train) and for tests. */
export const configSchema = configObject(configShape);

const missing = (what: string) => (issue: { input: unknown }): string | undefined => (issue.input === undefined ? `required: ${what}` : undefined);

/**
 * A site's config file, as every command that takes `--config` reads it. The site id has no
 * default here: it names the MQTT topics, broker users and evidence bundles, and two stores left
 * on a default id would mix their alerts on a shared broker.
 */
export const siteFileSchema = configObject({
  ...configShape,
  site: z.string({ error: missing('the store\'s id, e.g. "site: store-001" (it names MQTT topics and files)') })
    .regex(ID_PATTERN, ID_RULE)
    .describe(SITE),
});

/**
 * What `mimamori run` starts: a site file with at least one camera. An agent with nothing to
 * watch is a mistake (an empty or wrong file), not a mode: it would sit on the default ports
 * looking healthy while protecting no one.
 */
export const agentConfigSchema = configObject({
  ...configShape,
  site: siteFileSchema.shape.site,
  cameras: z.array(cameraSchema, { error: missing('at least one camera, each with an id and a source') })
    .min(1, 'at least one camera is required, each with an id and a source'),
});

export type Config = z.infer<typeof configSchema>;
export type PerceptionConfig = z.infer<typeof perceptionSchema>;
export type DetectorConfig = z.infer<typeof detectorSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
export type ZoneConfig = z.infer<typeof zoneSchema>;
export type ZoneKind = (typeof ZONE_KINDS)[number];
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type MqttConfig = z.infer<typeof mqttSchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;
export type LoginLimits = z.infer<typeof loginLimitsSchema>;
export type SupervisorConfig = z.infer<typeof supervisorSchema>;
