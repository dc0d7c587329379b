/**
 * The agent's watch over analysis, in one owner: a supervisor per camera (restarts its loop), the
 * analysis_stalled alarm over all of them, and the systemd watchdog fed by that alarm. The agent
 * adds cameras, starts it after them and closes it after their sources.
 */
import type { CameraAnalysisStatus } from '../wire/api/status.js';
import type { SupervisorConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../mqtt/outbox.js';
import { analysisWatchdogFromEnv, type AnalysisWatchdog } from './analysis-watchdog.js';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import { AnalysisAlarm } from './analysis-alarm.js';
import type { CameraPipeline } from '../pipeline/camera-pipeline.js';
import { CameraSupervisor, type AnalysisStatus, type SupervisedSource } from './camera-supervisor.js';

export interface AnalysisSupervisionOptions {
  readonly site: string;
  readonly config: SupervisorConfig;
  readonly pool: Pick<AnalyzerPool, 'size' | 'running' | 'respawns'>;
  readonly outbox: Outbox;
  readonly log: Logger;
  /** Where NOTIFY_SOCKET and WATCHDOG_USEC are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export class AnalysisSupervision {
  readonly #options: AnalysisSupervisionOptions;
  readonly #cameras = new Map<string, CameraSupervisor>();
  readonly alarm: AnalysisAlarm;
  #watchdog: AnalysisWatchdog | null = null;

  constructor(options: AnalysisSupervisionOptions) {
    this.#options = options;
    this.alarm = new AnalysisAlarm({ site: options.site, outbox: options.outbox, log: options.log, cameras: () => [...this.#cameras.values()] });
  }

  /** Starts the camera's analysis loop on the source's frames, under supervision. */
  add(pipeline: CameraPipeline, source: SupervisedSource): CameraSupervisor {
    const { config, pool, log } = this.#options;
    const supervisor = new CameraSupervisor(pipeline, source, {
      log,
      workersRunning: () => pool.running(),
      stallMs: config.analysisStallSeconds * 1000,
      restart: { initialMs: config.pipelineRestart.initialSeconds * 1000, maxMs: config.pipelineRestart.maxSeconds * 1000 },
    });
    this.#cameras.set(pipeline.camera.id, supervisor);
    supervisor.start();
    return supervisor;
  }

  /** The alarm's checks and, under systemd, the watchdog. */
  start(): void {
    this.alarm.start();
    if (!this.#options.config.watchdog) return;
    this.#watchdog = analysisWatchdogFromEnv(this.#options.env ?? process.env, () => this.alarm.state, this.#options.log.child('systemd'));
    this.#watchdog?.start();
  }

  /** `analysis` of one camera in /api/status. */
  cameraStatus(cameraId: string): CameraAnalysisStatus | null {
    const a: AnalysisStatus | undefined = this.#cameras.get(cameraId)?.analysis();
    return a ? { ...a, since: new Date(a.since).toISOString() } : null;
  }

  /** `workers` in /api/status. */
  workersStatus(): { size: number; running: number; respawns: number } {
    const { pool } = this.#options;
    return { size: pool.size, running: pool.running(), respawns: pool.respawns() };
  }

  /** Settles once every camera's frames have ended for good. */
  async idle(): Promise<void> {
    await Promise.all([...this.#cameras.values()].map((c) => c.done));
  }

  /** After the sources are closed: waits for the loops (their open events end), stops alarm and watchdog. */
  async close(): Promise<void> {
    this.alarm.close();
    await Promise.all([...this.#cameras.values()].map((c) => c.close()));
    await this.#watchdog?.close();
    this.#watchdog = null;
  }
}
