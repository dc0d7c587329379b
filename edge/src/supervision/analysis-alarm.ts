/**
 * The `analysis_stalled` alarm: every few seconds each camera's supervisor is asked how its
 * analysis is; while any camera is stalled the alarm is on. Like storage_full it is a retained MQTT
 * message on `mimamori/<site>/health/analysis_stalled`, queued through the outbox, published at the
 * first check after start (a retained `active: true` from before a restart must not outlive the
 * condition) and again whenever the set of stalled cameras changes.
 */
import type { Logger } from '../log/logger.js';
import { formatTimestamp } from '../store/store.js';
import type { Outbox } from '../mqtt/outbox.js';
import type { AnalysisStatus } from './camera-supervisor.js';

export interface StalledCamera {
  readonly camera: string;
  readonly reason: string | null;
  /** Epoch ms the camera's analysis stalled. */
  readonly since: number;
}

export interface AnalysisAlarmState {
  readonly active: boolean;
  /** When the alarm was raised (epoch ms); null while clear. */
  readonly since: number | null;
  readonly stalled: readonly StalledCamera[];
  /** Cameras whose analysis is running (analysing or waiting for frames). */
  readonly running: number;
  readonly cameras: number;
}

/** A camera as the alarm sees it: its supervisor. */
export interface AnalysedCamera {
  readonly cameraId: string;
  analysis(): AnalysisStatus;
}

export interface AnalysisAlarmOptions {
  readonly site: string;
  readonly outbox: Outbox;
  readonly log: Logger;
  readonly cameras: () => readonly AnalysedCamera[];
  /** How often the cameras are checked (default 2 s): a stall is seen within this of stallSeconds. */
  readonly checkEveryMs?: number;
  /** Told after every check, e.g. the systemd watchdog. */
  readonly onCheck?: (state: AnalysisAlarmState) => void;
  readonly now?: () => number;
}

const CHECK_EVERY_MS = 2000;

export class AnalysisAlarm {
  readonly #options: AnalysisAlarmOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #published: string | null = null;
  #queueFailing = false;
  #checkFailing = false;
  #state: AnalysisAlarmState = { active: false, since: null, stalled: [], running: 0, cameras: 0 };

  constructor(options: AnalysisAlarmOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#timer) return;
    this.check();
    this.#timer = setInterval(() => {
      try {
        this.check();
        this.#checkFailing = false;
      } catch (err) {
        // A throw from a timer would end the agent; the next check tries again (one line till then).
        if (!this.#checkFailing) this.#options.log.error('analysis check failed', { err });
        this.#checkFailing = true;
      }
    }, this.#options.checkEveryMs ?? CHECK_EVERY_MS);
    this.#timer.unref();
  }

  get state(): AnalysisAlarmState {
    return this.#state;
  }

  /** Asks every camera now, updates the alarm and publishes it when it changed. */
  check(): AnalysisAlarmState {
    const cameras = this.#options.cameras();
    const views = cameras.map((c) => ({ camera: c.cameraId, analysis: c.analysis() }));
    const stalled = views.filter((v) => v.analysis.state === 'stalled')
      .map((v) => ({ camera: v.camera, reason: v.analysis.reason, since: v.analysis.since }));
    const was = this.#state;
    const active = stalled.length > 0;
    this.#state = {
      active,
      since: active ? (was.since ?? this.#now()) : null,
      stalled,
      running: views.filter((v) => v.analysis.state === 'running').length,
      cameras: cameras.length,
    };
    if (active !== was.active) {
      if (active) this.#options.log.error('analysis_stalled', { cameras: stalled.map((c) => ({ ...c, since: new Date(c.since).toISOString() })) });
      else this.#options.log.info('analysis_stalled cleared: every camera is analysed again');
    }
    const key = JSON.stringify(stalled.map((s) => s.camera));
    if (key !== this.#published) this.#publish(this.#state, key);
    this.#options.onCheck?.(this.#state);
    return this.#state;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #publish(state: AnalysisAlarmState, key: string): void {
    try {
      this.#options.outbox.enqueue({
        topic: `mimamori/${this.#options.site}/health/analysis_stalled`,
        payload: {
          alarm: 'analysis_stalled', active: state.active, at: formatTimestamp(this.#now()),
          since: state.since === null ? null : formatTimestamp(state.since),
          cameras: state.stalled.map((s) => ({ camera: s.camera, reason: s.reason, since: formatTimestamp(s.since) })),
        },
        qos: 1,
        retain: true,
      });
      this.#published = key;
      this.#queueFailing = false;
    } catch (err) {
      // Tried again at every check: one line until it works again.
      if (!this.#queueFailing) this.#options.log.error('analysis_stalled alarm could not be queued', { err });
      this.#queueFailing = true;
    }
  }
}
