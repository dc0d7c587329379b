/**
 * The composition root: opens the store, starts perception, one pipeline per camera (source,
 * analysis loop, recorder) and the HTTP status endpoint. Constructors only assign; start() does the
 * work and adds each part to a ServiceStack as it starts; close() stops them in reverse order of
 * start, by construction (a start that failed half way stops what had started).
 */
import { statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { startApi, type ApiServer } from './api/server.js';
import { LiveBus } from './api/live/live-bus.js';
import { HttpError } from './api/http-error.js';
import { ensureDataDir } from './config/data-dir.js';
import type { CameraConfig, Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import { redactCredentials } from './log/redact-url.js';
import type { AnalyzerPool, AnalyzerPoolRuntime } from './pipeline/analyze/analyzer-pool.js';
import { createPerception } from './pipeline/analyze/perception.js';
import { CameraPipeline } from './pipeline/camera-pipeline.js';
import { AnalysisSupervision } from './supervision/analysis-supervision.js';
import { EventRecorder, type RecordedEvent } from './pipeline/events/event-recorder.js';
import type { BehaviourEvent } from './pipeline/behaviours/types.js';
import type { CameraFrame } from './pipeline/camera-pipeline.js';
import { SegmentRecorder, recorderStatus, type RecordedSegment } from './recording/segment-recorder.js';
import { RetentionCleaner, type RetentionRunReport } from './retention/retention-cleaner.js';
import { CameraSource, type StateChange } from './pipeline/source/camera-source.js';
import { openStore, type EventRecord, type Store } from './store/store.js';
import { DiskReserve, restoreReserve } from './store/disk-reserve.js';
import { classifyWriteFailure } from './store/write-failure.js';
import { WriteGuard } from './store/write-guard.js';
import { AckListener } from './alerts/ack-listener.js';
import { AlertDispatcher } from './alerts/alert-dispatcher.js';
import { HomeAssistantDiscovery } from './alerts/home-assistant.js';
import type { EmbeddedBroker } from './mqtt/embedded-broker.js';
import { startSiteBroker } from './mqtt/site-broker.js';
import { connectMqtt, type MqttConnection } from './mqtt/mqtt-connection.js';
import { OutboxPublisher } from './mqtt/outbox-publisher.js';
import { DAY_MS, OutboxPruner } from './mqtt/outbox-pruner.js';
import { readPackageVersion } from './package/package-version.js';
import { loadOrCreateDeviceKeys } from './evidence/device-keys.js';
import { EXPORT_LIMITS, ExportService } from './evidence/export-service.js';
import { locateFfmpeg } from './ffmpeg/ffmpeg-binaries.js';
import { clearLeftovers, runDir } from './clear-leftovers.js';
import { ServiceStack } from './lifecycle/service-stack.js';
import type { AgentStatus, StorageStatus } from './wire/api/status.js';

interface CameraRuntime {
  config: CameraConfig;
  source: CameraSource;
  recorder: SegmentRecorder | null;
  pipeline: CameraPipeline;
}

export interface AgentOptions {
  log: Logger;
  /** Called for every stored event step (the MQTT issue publishes from here). */
  onEvent?: (e: RecordedEvent) => void;
  /**
   * The YAML file the config was loaded from: the dashboard's zones editor saves into it. Without
   * one (inline config, tests) zones can be viewed but not saved.
   */
  configFile?: string;
  /** How often streaming cameras' health is sampled (default 30 s). */
  healthSampleMs?: number;
  /** Told when an inference process is ready (start and respawn): tests kill one for real through it. */
  onWorkerReady?: AnalyzerPoolRuntime['onWorkerReady'];
}

const HEALTH_SAMPLE_MS = 30_000;
/**
 * How long one write of the agent waits inside SQLite for another process's lock. better-sqlite3
 * waits synchronously, so this is how long the event loop (ATM warnings, clerk alerts, the API)
 * can stand still per attempt: short, because the write guard retries refused writes between
 * turns of the loop. Opening and migrating still wait the store's 5 s default, as the CLI always does.
 */
const AGENT_BUSY_TIMEOUT_MS = 50;
/** Longest wait between tries of a refused write: an alert written during a lock leaves within a second of its release. */
const WRITE_RETRY_MAX_MS = 1000;
/** How long close() lets writes the disk or a lock refuses keep trying before giving them up. */
const SHUTDOWN_WRITES_MS = 10_000;
/** How long close() waits for the last MQTT messages to leave before disconnecting. */
const SHUTDOWN_FLUSH_MS = 2000;

export class Agent {
  private store: Store | null = null;
  /** Every write to the store that must survive a full disk or a locked database goes through it. */
  private writes: WriteGuard | null = null;
  private perception: AnalyzerPool | null = null;
  private http: ApiServer | null = null;
  private broker: EmbeddedBroker | null = null;
  private mqtt: MqttConnection | null = null;
  private publisher: OutboxPublisher | null = null;
  private pruner: OutboxPruner | null = null;
  private alerts: AlertDispatcher | null = null;
  private acks: AckListener | null = null;
  private recorder: EventRecorder | null = null;
  private homeAssistant: HomeAssistantDiscovery | null = null;
  private retention: RetentionCleaner | null = null;
  private supervision: AnalysisSupervision | null = null;
  private exports: ExportService | null = null;
  /** storage_full: the recorders are stopped until the cleaner finds room again. */
  private recordingPaused = false;
  private recordingChange: Promise<void> = Promise.resolve();
  private readonly cameras: CameraRuntime[] = [];
  private startedAt = 0;
  private readonly services: ServiceStack;
  /** Set when close() begins: then writes still refused get SHUTDOWN_WRITES_MS before they are given up. */
  private writesDeadline: NodeJS.Timeout | null = null;

  constructor(
    readonly config: Config,
    private readonly options: AgentOptions,
  ) {
    this.services = new ServiceStack(options.log);
  }

  get url(): string | null {
    return this.http?.url ?? null;
  }

  async start(): Promise<void> {
    const { config, options } = this;
    const log = options.log;
    this.startedAt = Date.now();
    const dataDir = await ensureDataDir(config.dataDir);
    // Before the sweep reads the recordings: a leftover recorder would still be writing them.
    await clearLeftovers(dataDir, log);
    const { services } = this;
    const reserve = new DiskReserve(dataDir, config.retention.reserveBytes);
    const writes = this.writes = services.add('write guard', new WriteGuard({ log: log.child('store'), reserve, onNoSpace: () => this.retention?.nudge(), maxRetryMs: WRITE_RETRY_MAX_MS }));
    // On a full disk even opening needs room (the WAL index file): the reserve gives it.
    const store = this.store = services.add('store', writes.critical(`open ${dataDir}`, () => openStore(dataDir, { busyTimeoutAfterOpenMs: AGENT_BUSY_TIMEOUT_MS })));
    restoreReserve(reserve, config.retention.minFreeBytes, log.child('store'));
    // The evidence signing key exists from the first start, so its fingerprint can be published
    // (`mimamori keys show`) before the first export is ever needed.
    const keys = loadOrCreateDeviceKeys(dataDir);
    log.info(keys.created ? 'device key created' : 'device key loaded', { deviceId: keys.deviceId, fingerprint: keys.fingerprint, file: keys.file });
    const leftOpen = this.closeEventsLeftOpen(this.store);
    await this.startMqtt(log.child('mqtt'));
    // The dashboard's live screens see every message the alerts enqueue: a tee on the outbox.
    const live = new LiveBus(config.site, { atmLanguages: config.alerts.atmLanguages, log: log.child('live') });
    const outbox = live.tee(this.publisher!);
    const alerts = this.alerts = services.add('alerts', new AlertDispatcher(config.site, outbox, config.alerts, log.child('alerts')));
    alerts.start();
    alerts.resumeAfterRestart(leftOpen);
    // Not awaited: with the broker down the subscription completes when it comes back, and the
    // cameras must not wait for that.
    const acked = (id: string): void => {
      alerts.acknowledged(id);
      const ack = this.store?.acks.forEvent(id).at(-1);
      if (ack) live.acknowledged(ack);
    };
    this.acks = services.add('acks', new AckListener(config.site, store, this.mqtt!, acked, log.child('acks'), { clockSkewMs: config.alerts.ackClockSkewSeconds * 1000, writes }));
    this.acks
      .start()
      .catch((err: unknown) => log.error('ack subscription failed', { err }));
    if (config.mqtt.homeAssistant.enabled) {
      this.homeAssistant = services.add('home assistant', new HomeAssistantDiscovery(
        config.site, config.cameras.filter((c) => c.enabled), this.publisher!,
        { discoveryPrefix: config.mqtt.homeAssistant.discoveryPrefix, swVersion: readPackageVersion() },
        log.child('homeassistant'), this.mqtt!,
      ));
      this.homeAssistant.start().catch((err: unknown) => log.error('home assistant subscription failed', { err }));
    }
    const homeAssistant = this.homeAssistant;
    // Retention: the index is made to match the recordings folder before any recorder writes.
    const retention = this.retention = new RetentionCleaner(store, {
      config: config.retention, log: log.child('retention'), site: config.site, outbox, ffprobePath: config.ffmpeg.ffprobePath,
      onStorageFull: (state) => this.pauseRecording(state.active), reserve,
    });
    // The sweep walks the recordings folder once: while the models load, and before any recorder starts.
    const [swept, perception] = await Promise.allSettled([retention.sweep(), createPerception(config.perception, { log: log.child('inference'), onWorkerReady: options.onWorkerReady })]);
    // Kept even when the sweep failed, so close() releases it.
    if (perception.status === 'fulfilled') this.perception = services.add('inference', perception.value);
    if (swept.status === 'rejected') {
      if (classifyWriteFailure(swept.reason) === null) throw swept.reason;
      // A full or locked disk must not keep the alerts from starting; the next start sweeps again.
      log.error('recordings sweep not finished: the data disk refused a write', { err: swept.reason });
    }
    if (perception.status === 'rejected') throw perception.reason;
    const analyzer = perception.value;
    const sink = this.recorder = new EventRecorder(store, log.child('events'), (e) => {
      alerts.handle(e);
      homeAssistant?.handle(e);
      options.onEvent?.(e);
    }, writes);

    const supervision = this.supervision = services.add('analysis supervision', new AnalysisSupervision({
      site: config.site, config: config.supervisor, pool: analyzer, outbox, log: log.child('analysis'),
    }));
    for (const camera of config.cameras.filter((c) => c.enabled)) {
      const camLog = log.child('camera');
      const onStateChange = (change: StateChange): void => this.recordState(change, camLog);
      const source = new CameraSource(camera, { ffmpegPath: config.ffmpeg.ffmpegPath, onStateChange, runDir: runDir(dataDir), log: camLog });
      const recorder = camera.record.enabled ? this.createRecorder(camera) : null;
      const pipeline = new CameraPipeline(camera, { perception: analyzer, sink, log: camLog });
      supervision.add(pipeline, source);
      this.cameras.push({ config: camera, source, recorder, pipeline });
      source.start();
      recorder?.start();
    }
    // Recorders are replaced while storage_full comes and goes: whichever run then are stopped,
    // after the sources (so each pipeline sees its frames end and closes its open events).
    services.defer('recorders', async () => {
      await this.recordingChange;
      await Promise.all(this.cameras.map((c) => c.recorder?.close()));
    });
    services.defer('camera sources', () => Promise.all(this.cameras.map((c) => c.source.close())).then(() => undefined));

    // Added here, not where it was made (the sweep needs no stopping): so it stops before the
    // cameras, and neither deletes nor pauses or resumes recorders while they stop.
    services.add('retention', retention).start();
    const healthTimer = setInterval(() => this.sampleHealth(), options.healthSampleMs ?? HEALTH_SAMPLE_MS);
    healthTimer.unref();
    services.defer('health sampler', () => clearInterval(healthTimer));
    // Stopped after the API: running exports are aborted (ffmpeg killed, staging removed) before the store closes.
    this.exports = services.add('exports', new ExportService({
      store: () => this.store!, site: config.site, ffmpegPath: () => locateFfmpeg(config.ffmpeg.ffmpegPath).path,
      cameras: () => config.cameras.map((c) => c.id), log: log.child('export'), ...EXPORT_LIMITS,
    }));
    this.http = services.add('http', await startApi(config.http.host, config.http.port, {
      log: log.child('http'),
      site: config.site,
      status: () => this.status(),
      store: () => {
        if (!this.store) throw new HttpError(503, 'store not open');
        return this.store;
      },
      live: { bus: live, enqueue: (m) => outbox.enqueue(m), acknowledged: (id) => alerts.acknowledged(id) },
      cameras: {
        configFile: options.configFile ?? null,
        list: () => this.cameras.map((c) => ({
          id: c.config.id,
          state: () => c.source.status().state,
          zones: () => c.pipeline.zones,
          liveFrame: () => c.pipeline.liveFrame(),
          setZones: (zones) => c.pipeline.setZones(zones),
        })),
      },
      ffmpegPath: config.ffmpeg.ffmpegPath,
      exports: this.exports,
      runRetention: () => this.runRetention(),
      writes,
      configuredCameras: config.cameras.map((c) => c.id),
      http: config.http,
    }));
    // Last: under systemd this says READY=1, which should mean the API answers too.
    supervision.start();
    log.info('agent started', { site: config.site, cameras: this.cameras.length, dataDir, url: this.http.url });
  }

  status(): AgentStatus {
    return {
      site: this.config.site,
      startedAt: new Date(this.startedAt).toISOString(),
      mqtt: {
        url: redactCredentials(this.config.mqtt.url ?? this.broker?.url ?? ''),
        embedded: this.broker !== null,
        connected: this.mqtt?.connected ?? false,
        pending: this.store?.outbox.pendingCount() ?? 0,
      },
      cameras: this.cameras.map((c) => {
        const s = c.source.status();
        return {
          id: c.config.id,
          state: s.state,
          since: new Date(s.since).toISOString(),
          lastFrameAt: s.lastFrameAt === null ? null : new Date(s.lastFrameAt).toISOString(),
          fpsIn: round1(s.fpsIn),
          fpsOut: round1(s.fpsOut),
          dropped: s.dropped,
          restarts: s.restarts,
          lastError: s.lastError,
          analysedFrames: c.pipeline.stats.frames,
          gated: c.pipeline.stats.gated,
          events: c.pipeline.stats.events,
          analyseMs: round1(c.pipeline.stats.analyseMs),
          trackMs: round1(c.pipeline.stats.trackMs),
          analysis: this.supervision?.cameraStatus(c.config.id) ?? null,
          recorder: c.recorder
            ? recorderStatus(c.recorder.status())
            : c.config.record.enabled && this.recordingPaused ? { state: 'paused', reason: 'storage_full' } : null,
        };
      }),
      workers: this.supervision?.workersStatus() ?? null,
      storage: this.storageStatus(),
    };
  }

  /** Retention's view for /api/status: the storage_full alarm and the last cleaner run. */
  private storageStatus(): StorageStatus | null {
    if (!this.retention) return null;
    const { storageFull: full, lastRun } = this.retention.status();
    return {
      storageFull: full.active,
      since: full.since === null ? null : new Date(full.since).toISOString(),
      recordingPaused: this.recordingPaused,
      usedBytes: full.usedBytes,
      budgetBytes: full.budgetBytes,
      measure: full.measure,
      disk: {
        freeBytes: freeBytes(this.store?.dataDir) ?? full.freeBytes ?? 0,
        reserveBytes: this.writes?.reserveBytes ?? 0,
        writeFailures: this.writes?.writeFailures ?? 0,
      },
      lastRun: lastRun && {
        at: new Date(lastRun.at).toISOString(), deleted: lastRun.deleted, bytesFreed: lastRun.bytesFreed, ms: lastRun.ms, complete: lastRun.complete,
      },
    };
  }

  private createRecorder(camera: CameraConfig): SegmentRecorder {
    const camLog = this.options.log.child('camera');
    return new SegmentRecorder(camera, {
      dataDir: this.store!.dataDir,
      ffmpegPath: this.config.ffmpeg.ffmpegPath,
      ffprobePath: this.config.ffmpeg.ffprobePath,
      log: camLog,
      onStateChange: (change) => this.recordState(change, camLog),
      onSegment: (segment) => this.indexSegment(segment),
      onSegmentError: (err, segment) => camLog.error('segment not indexed', { camera: camera.id, path: segment.path, err }),
    });
  }

  /**
   * storage_full stops every recorder (its last segment finalised and indexed) so no new footage
   * needs room that only held footage holds; they start again once the cleaner clears the alarm.
   * Analysis and alerts go on either way. Changes are applied one after another, in order.
   */
  private pauseRecording(paused: boolean): Promise<void> {
    this.recordingChange = this.recordingChange.then(async () => {
      if (this.recordingPaused === paused) return;
      this.recordingPaused = paused;
      const affected = this.cameras.filter((c) => c.config.record.enabled);
      for (const c of affected) {
        if (paused && c.recorder) {
          const recorder = c.recorder;
          c.recorder = null;
          await recorder.close();
        } else if (!paused && !c.recorder) {
          c.recorder = this.createRecorder(c.config);
          c.recorder.start();
        }
      }
      this.options.log.warn(paused ? 'recording paused: storage_full' : 'recording resumed: room again', { cameras: affected.map((c) => c.config.id) });
    });
    return this.recordingChange;
  }

  /** The broker (embedded unless mqtt.url is set), the connection, and the outbox publisher. */
  private async startMqtt(log: Logger): Promise<void> {
    const { mqtt, site } = this.config;
    let username = mqtt.username;
    let password = mqtt.password;
    if (!mqtt.url) {
      const embedded = await startSiteBroker({
        config: this.config, dataDir: this.store!.dataDir, users: () => this.store!.users, httpUrl: () => this.url, log,
      });
      this.broker = this.services.add('mqtt broker', embedded.broker);
      ({ username, password } = embedded.agentLogin);
      log.info('embedded broker started', { url: this.broker.url, wsUrl: this.broker.wsUrl });
    } else if (mqtt.passwordFile) {
      try {
        password = (await readFile(mqtt.passwordFile, 'utf8')).split('\n')[0]?.trim();
      } catch (err) {
        throw new Error(`mqtt.passwordFile: cannot read ${mqtt.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
    this.mqtt = this.services.add('mqtt connection', connectMqtt({
      url: mqtt.url ?? this.broker!.url,
      clientId: mqtt.clientId ?? `mimamori-${site}`,
      username,
      password,
      tls: mqtt.tls,
      statusTopic: `mimamori/${site}/status`,
      log,
    }));
    const publisher = this.publisher = this.services.add('outbox publisher', new OutboxPublisher(this.store!, this.mqtt, log, { writes: this.writes ?? undefined }));
    // Stopping: the cameras' last event ends turned the relay off and resumed ATMs, so those get a
    // moment to leave; whatever is not yet published stays in the outbox for the next start.
    this.services.defer('outbox flush', () => publisher.flush(SHUTDOWN_FLUSH_MS).then(() => undefined));
    publisher.start();
    this.pruner = this.services.add('outbox pruner', new OutboxPruner(this.store!.outbox, log, { retentionMs: mqtt.outboxRetentionDays * DAY_MS }));
    this.pruner.start();
  }

  /**
   * Hands one behaviour step to the recorder the cameras use (event row, snapshot, MQTT alerts,
   * live screens): for end-to-end tests of the screens, which have no camera showing a phone call.
   */
  recordStep(step: BehaviourEvent, frame: CameraFrame | null = null): Promise<void> {
    if (!this.recorder) throw new Error('agent not started');
    return this.recorder.handle(step, frame);
  }

  /**
   * Runs the retention cleaner now rather than at its next interval: after a hold is released its
   * footage becomes deletable, and a storage_full alarm can clear at once. Concurrent calls share one run.
   */
  runRetention(): Promise<RetentionRunReport> {
    if (!this.retention) return Promise.reject(new Error('agent not started'));
    return this.retention.runOnce();
  }

  /** Whether any dashboard account exists (a fresh install has none until `mimamori users add`). */
  hasUsers(): boolean {
    return (this.store?.users.list().length ?? 0) > 0;
  }

  get mqttUrl(): string | null {
    return this.config.mqtt.url ?? this.broker?.url ?? null;
  }

  /** The embedded broker's WebSocket for browser clients (null with an external broker). */
  get mqttWsUrl(): string | null {
    return this.broker?.wsUrl ?? null;
  }

  /** Waits until every camera's frames have ended (file sources without loop). */
  async idle(): Promise<void> {
    await this.supervision?.idle();
  }

  async close(): Promise<void> {
    this.writesDeadline ??= setTimeout(() => this.writes?.close(), SHUTDOWN_WRITES_MS);
    await this.services.close();
    clearTimeout(this.writesDeadline);
    this.cameras.length = 0;
    this.options.log.info('agent stopped', { site: this.config.site });
  }

  /**
   * Events left open by a crash or power cut are ended at their last update, marked as such: an
   * episode cannot continue across a restart (track ids and presences are gone).
   */
  private closeEventsLeftOpen(store: Store): EventRecord[] {
    const leftOpen = store.events.list({ open: true, limit: 10_000 });
    for (const e of leftOpen) {
      try {
        this.writes!.critical(`events.end(${e.id})`, () => store.events.end(e.id, e.updatedAt, { details: { ...e.details, endedBy: 'agent restart' } }));
      } catch (err) {
        // Still open in the store: the next start ends it. Starting (and alerting) matters more.
        this.options.log.error('event left open by a previous run not ended', { event: e.id, camera: e.camera, err });
        continue;
      }
      this.options.log.warn('event left open by a previous run ended', { event: e.id, camera: e.camera });
    }
    return leftOpen;
  }

  private recordState(change: StateChange, log: Logger): void {
    log.info('camera state', {
      camera: change.camera, role: change.role, state: change.state, previous: change.previous,
      restarts: change.restarts, ...(change.retryInMs !== undefined ? { retryInMs: change.retryInMs } : {}),
      ...(change.lastError ? { lastError: change.lastError } : {}),
    });
    const store = this.store;
    if (change.role !== 'source' || !store) return;
    this.writes?.bestEffort(`health.record(${change.camera})`, () => store.health.record({
      camera: change.camera,
      at: change.at,
      state: change.state === 'ended' ? 'stopped' : change.state,
      detail: change.lastError,
    }));
  }

  private sampleHealth(): void {
    const store = this.store;
    if (!store) return;
    for (const c of this.cameras) {
      const s = c.source.status();
      if (s.state !== 'streaming') continue;
      this.writes?.bestEffort(`health.record(${c.config.id})`, () => store.health.record({
        camera: c.config.id, state: 'streaming', fpsIn: s.fpsIn, fpsOut: s.fpsOut, dropped: s.dropped,
      }));
    }
  }

  private indexSegment(segment: RecordedSegment): void {
    if (!this.store) return;
    const dataDir = this.store.dataDir;
    const path = isAbsolute(segment.path) ? relative(dataDir, segment.path) : segment.path;
    const store = this.store;
    // Tried even while short of space: an unindexed file is one the cleaner cannot delete (the next
    // start's sweep indexes it if this fails). A bad row still goes to the recorder's onSegmentError.
    this.writes?.bestEffort(`segments.add(${path})`, () => store.segments.add({
      camera: segment.camera, path, startMs: segment.startMs, endMs: segment.endMs, bytes: segment.bytes, container: 'mpegts', transcodedFrom: segment.transcodedFrom,
    }), { whileShort: true, onlyDiskFailures: true });
    // The disk is watched as segments close, not only on the cleaner's interval.
    this.retention?.nudge();
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

function freeBytes(dir: string | undefined): number | null {
  if (!dir) return null;
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
