/**
 * Tells systemd whether the agent is doing its job: READY=1 and WATCHDOG=1 only while no camera's
 * analysis is stalled, STATUS= a one-line summary always. With `WatchdogSec=` in the unit, systemd
 * restarts the agent when the pings stop: analysis stalled for longer than that, or the event loop
 * hung. READY=1 is repeated with each ping: it is idempotent, so one lost (systemd busy reloading)
 * cannot leave the unit stuck in "activating".
 */
import type { Logger } from '../log/logger.js';
import type { AnalysisAlarmState } from './analysis-alarm.js';
import { SdNotifier } from '../systemd/sd-notify.js';

export interface AnalysisWatchdogOptions {
  /** The analysis alarm's latest check. */
  readonly state: () => AnalysisAlarmState;
  readonly notifier: Pick<SdNotifier, 'notify' | 'close'>;
  readonly log: Logger;
  /** Ping interval: half of $WATCHDOG_USEC by default, else 10 s. */
  readonly everyMs: number;
}

/** The watchdog for this process's environment, or null when not started by systemd with Type=notify. */
export function analysisWatchdogFromEnv(
  env: NodeJS.ProcessEnv,
  state: () => AnalysisAlarmState,
  log: Logger,
): AnalysisWatchdog | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process the watchdog is for; another pid means it is not ours.
  const ours = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  const everyMs = ours && Number.isFinite(usec) && usec > 0 ? Math.max(500, Math.floor(usec / 1000 / 2)) : 10_000;
  return new AnalysisWatchdog({ state, notifier: new SdNotifier({ socket, log }), log, everyMs });
}

export class AnalysisWatchdog {
  readonly #options: AnalysisWatchdogOptions;
  #timer: NodeJS.Timeout | null = null;
  #healthy: boolean | null = null;

  constructor(options: AnalysisWatchdogOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    void this.tick();
    this.#timer = setInterval(() => void this.tick(), this.#options.everyMs);
    this.#timer.unref();
  }

  /** One notification for the state now. */
  tick(): Promise<void> {
    const state = this.#options.state();
    const healthy = !state.active;
    if (healthy !== this.#healthy) {
      this.#options.log[healthy ? 'info' : 'warn'](healthy ? 'systemd watchdog: pinging' : 'systemd watchdog: pings withheld while analysis is stalled', { status: summary(state) });
      this.#healthy = healthy;
    }
    const fields: Record<string, string> = healthy ? { READY: '1', WATCHDOG: '1', STATUS: summary(state) } : { STATUS: summary(state) };
    return this.#options.notifier.notify(fields);
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#options.notifier.notify({ STOPPING: '1', STATUS: 'stopping' });
    await this.#options.notifier.close();
  }
}

export function summary(state: AnalysisAlarmState): string {
  if (state.active) {
    return `analysis stalled: ${state.stalled.map((s) => `${s.camera} (${s.reason ?? 'stalled'})`).join(', ')}`;
  }
  return `${state.running}/${state.cameras} cameras analysed`;
}
