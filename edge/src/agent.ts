/**
 * The composition root: opens the store, starts perception, one pipeline per camera (source,
 * analysis loop, recorder) and the HTTP status endpoint, and stops them in reverse order.
 * Constructors only assign; start() does the work; close() undoes it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { startApi, type ApiServer } from './api/server.js';
import { HttpError } from './api/http-error.js';
import type { CameraConfig, Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import type { AnalyzerPool } from './pipeline/analyze/analyzer-pool.js';
import { createPerception } from './pipeline/analyze/perception.js';
import { CameraPipeline } from './pipeline/camera-pipeline.js';
import { EventRecorder, type RecordedEvent } from './pipeline/events/event-recorder.js';
import { SegmentRecorder, type RecordedSegment } from './pipeline/record/segment-recorder.js';
import { CameraSource, type StateChange } from './pipeline/source/camera-source.js';
import { openStore, type Store } from './store/store.js';
import { AckListener } from './pipeline/actions/ack-listener.js';
import { AlertDispatcher } from './pipeline/actions/alert-dispatcher.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './pipeline/actions/mqtt/embedded-broker.js';
import { connectMqtt, redactUrl, type MqttConnection } from './pipeline/actions/mqtt/mqtt-connection.js';
import { OutboxPublisher } from './pipeline/actions/mqtt/outbox-publisher.js';

interface CameraRuntime {
  config: CameraConfig;
  source: CameraSource;
  recorder: SegmentRecorder | null;
  pipeline: CameraPipeline;
  running: Promise<void>;
}

export interface AgentOptions {
  log: Logger;
  /** Called for every stored event step (the MQTT issue publishes from here). */
  onEvent?: (e: RecordedEvent) => void;
}

const HEALTH_SAMPLE_MS = 30_000;

export class Agent {
  private store: Store | null = null;
  private perception: AnalyzerPool | null = null;
  private http: ApiServer | null = null;
  private broker: EmbeddedBroker | null = null;
  private mqtt: MqttConnection | null = null;
  private publisher: OutboxPublisher | null = null;
  private readonly cameras: CameraRuntime[] = [];
  private healthTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;

  constructor(
    readonly config: Config,
    private readonly options: AgentOptions,
  ) {}

  get url(): string | null {
    return this.http?.url ?? null;
  }

  async start(): Promise<void> {
    const { config, options } = this;
    const log = options.log;
    this.startedAt = Date.now();
    const dataDir = resolve(config.dataDir);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    this.store = openStore(dataDir);
    this.closeEventsLeftOpen(this.store);
    await this.startMqtt(log.child('mqtt'));
    const alerts = new AlertDispatcher(config.site, this.publisher!, config.alerts, log.child('alerts'));
    // Not awaited: with the broker down the subscription completes when it comes back, and the
    // cameras must not wait for that.
    new AckListener(config.site, this.store, this.mqtt!, (id) => alerts.acknowledged(id), log.child('acks'))
      .start()
      .catch((err: unknown) => log.error('ack subscription failed', { err }));
    this.perception = await createPerception(config.perception);
    const sink = new EventRecorder(this.store, log.child('events'), (e) => {
      alerts.handle(e);
      options.onEvent?.(e);
    });

    for (const camera of config.cameras.filter((c) => c.enabled)) {
      const camLog = log.child('camera');
      const onStateChange = (change: StateChange): void => this.recordState(change, camLog);
      const source = new CameraSource(camera, { ffmpegPath: config.ffmpeg.ffmpegPath, onStateChange });
      const recorder = camera.record.enabled
        ? new SegmentRecorder(camera, {
          dataDir,
          ffmpegPath: config.ffmpeg.ffmpegPath,
          onStateChange,
          onSegment: (segment) => this.indexSegment(segment),
          onSegmentError: (err, segment) => camLog.error('segment not indexed', { camera: camera.id, path: segment.path, err }),
        })
        : null;
      const pipeline = new CameraPipeline(camera, { perception: this.perception, sink, log: camLog });
      const running = pipeline.run(source.frames()).catch((err: unknown) => {
        camLog.error('camera pipeline stopped', { camera: camera.id, err });
      });
      this.cameras.push({ config: camera, source, recorder, pipeline, running });
      source.start();
      recorder?.start();
    }

    this.healthTimer = setInterval(() => this.sampleHealth(), HEALTH_SAMPLE_MS);
    this.healthTimer.unref();
    this.http = await startApi(config.http.host, config.http.port, {
      log: log.child('http'),
      site: config.site,
      status: () => this.status(),
      store: () => {
        if (!this.store) throw new HttpError(503, 'store not open');
        return this.store;
      },
    });
    log.info('agent started', { site: config.site, cameras: this.cameras.length, dataDir, url: this.http.url });
  }

  status(): Record<string, unknown> {
    return {
      site: this.config.site,
      startedAt: new Date(this.startedAt).toISOString(),
      mqtt: {
        url: redactUrl(this.config.mqtt.url ?? this.broker?.url ?? ''),
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
          events: c.pipeline.stats.events,
          analyseMs: round1(c.pipeline.stats.analyseMs),
          trackMs: round1(c.pipeline.stats.trackMs),
          recorder: c.recorder ? { state: c.recorder.status().state, segments: c.recorder.status().segments } : null,
        };
      }),
    };
  }

  /** The broker (embedded unless mqtt.url is set), the connection, and the outbox publisher. */
  private async startMqtt(log: Logger): Promise<void> {
    const { mqtt, site } = this.config;
    if (!mqtt.url) {
      this.broker = await startEmbeddedBroker(mqtt.embedded);
      log.info('embedded broker started', { url: this.broker.url, wsUrl: this.broker.wsUrl });
    }
    let password = mqtt.password;
    if (mqtt.passwordFile) {
      try {
        password = (await readFile(mqtt.passwordFile, 'utf8')).split('\n')[0]?.trim();
      } catch (err) {
        throw new Error(`mqtt.passwordFile: cannot read ${mqtt.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
    this.mqtt = connectMqtt({
      url: mqtt.url ?? this.broker!.url,
      clientId: mqtt.clientId ?? `mimamori-${site}`,
      username: mqtt.username,
      password,
      tls: mqtt.tls,
      statusTopic: `mimamori/${site}/status`,
      log,
    });
    this.publisher = new OutboxPublisher(this.store!, this.mqtt, log);
    this.publisher.start();
  }

  get mqttUrl(): string | null {
    return this.config.mqtt.url ?? this.broker?.url ?? null;
  }

  /** Waits until every camera's frames have ended (file sources without loop). */
  async idle(): Promise<void> {
    await Promise.all(this.cameras.map((c) => c.running));
  }

  async close(): Promise<void> {
    const log = this.options.log;
    if (this.healthTimer) clearInterval(this.healthTimer);
    await this.http?.close();
    // Sources first so each pipeline sees its frames end and closes its open events.
    await Promise.all(this.cameras.map((c) => c.source.close()));
    await Promise.all(this.cameras.map((c) => c.running));
    await Promise.all(this.cameras.map((c) => c.recorder?.close()));
    // Whatever is not yet published stays in the outbox for the next start.
    await this.publisher?.close();
    await this.mqtt?.close();
    await this.broker?.close();
    await this.perception?.close();
    this.store?.close();
    this.cameras.length = 0;
    log.info('agent stopped', { site: this.config.site });
  }

  /**
   * Events left open by a crash or power cut are ended at their last update, marked as such: an
   * episode cannot continue across a restart (track ids and presences are gone).
   */
  private closeEventsLeftOpen(store: Store): void {
    for (const e of store.events.list({ open: true, limit: 10_000 })) {
      store.events.end(e.id, e.updatedAt, { details: { ...e.details, endedBy: 'agent restart' } });
      this.options.log.warn('event left open by a previous run ended', { event: e.id, camera: e.camera });
    }
  }

  private recordState(change: StateChange, log: Logger): void {
    log.info('camera state', {
      camera: change.camera, role: change.role, state: change.state, previous: change.previous,
      restarts: change.restarts, ...(change.retryInMs !== undefined ? { retryInMs: change.retryInMs } : {}),
      ...(change.lastError ? { lastError: change.lastError } : {}),
    });
    if (change.role !== 'source' || !this.store) return;
    this.store.health.record({
      camera: change.camera,
      at: change.at,
      state: change.state === 'ended' ? 'stopped' : change.state,
      detail: change.lastError,
    });
  }

  private sampleHealth(): void {
    if (!this.store) return;
    for (const c of this.cameras) {
      const s = c.source.status();
      if (s.state !== 'streaming') continue;
      this.store.health.record({ camera: c.config.id, state: 'streaming', fpsIn: s.fpsIn, fpsOut: s.fpsOut, dropped: s.dropped });
    }
  }

  private indexSegment(segment: RecordedSegment): void {
    if (!this.store) return;
    const dataDir = this.store.dataDir;
    const path = isAbsolute(segment.path) ? relative(dataDir, segment.path) : segment.path;
    this.store.segments.add({ camera: segment.camera, path, startMs: segment.startMs, endMs: segment.endMs, bytes: segment.bytes, container: 'mpegts' });
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
