/**
 * One scenario run's outcome: the invariants that broke (each a sentence saying what held not),
 * and the figures of the reliability table.
 */
import type { EvidenceLoss } from './evidence-snapshot.js';

export interface ScenarioResult {
  readonly fault: string;
  /** No unexpected agent exit and every invariant held. */
  readonly survived: boolean;
  readonly crashes: number;
  readonly eventsLost: number;
  readonly heldFilesLost: number;
  /** Seconds from the fault's end to analysis running again; null when it did not recover. */
  readonly recoveryS: number | null;
  readonly broken: readonly string[];
  /** Seconds spent per phase of the run (start, warmUp, fault, cleanup), for the suite's time budget. */
  readonly phases: Readonly<Record<string, number>>;
}

export class Verdict {
  readonly broken: string[] = [];
  private eventsLost = 0;
  private heldFilesLost = 0;
  private recoveryS: number | null = null;
  private crashes = 0;
  private readonly phases: Record<string, number> = {};
  private phaseStart = Date.now();

  constructor(readonly fault: string) {}

  /** Records `message` as broken unless `ok`. */
  check(ok: boolean, message: string): boolean {
    if (!ok) this.broken.push(message);
    return ok;
  }

  fail(message: string): void {
    this.broken.push(message);
  }

  loss(loss: EvidenceLoss, when: string): void {
    this.eventsLost += loss.lostEvents.length;
    this.heldFilesLost += loss.lostHeld.length;
    if (loss.lostEvents.length) this.fail(`${when}: ${loss.lostEvents.length} event row(s) present before the fault are gone: ${loss.lostEvents.slice(0, 5).join(', ')}`);
    if (loss.lostHeld.length) this.fail(`${when}: ${loss.lostHeld.length} held segment(s) lost: ${loss.lostHeld.slice(0, 5).join('; ')}`);
  }

  /** Events the agent itself says it could not store ("event not recorded" start steps). */
  unrecorded(count: number, when: string): void {
    this.eventsLost += count;
    if (count) this.fail(`${when}: the agent logged ${count} event start(s) as "event not recorded": lost events`);
  }

  recovered(seconds: number | null): void {
    this.recoveryS = seconds;
  }

  crashed(count: number, detail: string): void {
    this.crashes += count;
    if (count) this.fail(`the agent crashed ${count} time(s) (exited without being told to): ${detail}`);
  }

  /** Ends the current phase under `name` and starts the next. */
  phase(name: string): void {
    const now = Date.now();
    this.phases[name] = (now - this.phaseStart) / 1000;
    this.phaseStart = now;
  }

  result(): ScenarioResult {
    return {
      fault: this.fault,
      survived: this.broken.length === 0,
      crashes: this.crashes,
      eventsLost: this.eventsLost,
      heldFilesLost: this.heldFilesLost,
      recoveryS: this.recoveryS,
      broken: [...this.broken],
      phases: { ...this.phases },
    };
  }
}

/** The failure message of a test: the fault and every broken invariant, one per line. */
export function describeBroken(result: ScenarioResult): string {
  return `${result.fault}: ${result.broken.length} invariant(s) broken\n  - ${result.broken.join('\n  - ')}`;
}
