/**
 * The frame of every scenario: a fresh site, the agent started and warmed up (analysing, at least
 * one event stored, segments recorded, a legal hold over the footage), the evidence snapshot taken
 * before the fault, and after the scenario's body the comparison, crash count and clean-up (agent
 * stopped, stray ffmpeg of the site killed, temp folder removed). A scenario body that throws is
 * a broken invariant ("aborted: …"), never a lost result.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/store.js';
import type { AgentProcess } from './agent-process.js';
import { cameraStatus } from './agent-status.js';
import { createChaosSite, CAMERA, type ChaosSite, type ChaosSiteOptions } from './chaos-site.js';
import { evidenceLoss, readEvidence, type EvidenceSnapshot } from './evidence-snapshot.js';
import { killAll, processesMentioning } from './process-tree.js';
import { Verdict, type ScenarioResult } from './verdict.js';

export interface WarmUp {
  /** Event rows to wait for before the fault (default 1). */
  readonly events?: number;
  /** Completed, indexed segments to wait for (default 1). */
  readonly segments?: number;
  readonly timeoutMs?: number;
}

export interface ChaosRun {
  readonly site: ChaosSite;
  readonly verdict: Verdict;
  /** The agent the scenario faults (replace it with restart() after a kill). */
  agent: AgentProcess;
  /** The evidence before the fault. */
  before: EvidenceSnapshot;
  /** logs.length of the current agent at the snapshot: what it logged since is the fault's. */
  logMark: number;
  /** Every agent process of this run, for crash counting and "event not recorded" lines. */
  readonly agents: AgentProcess[];
  /** Starts a new agent process on the same site (after a kill); with ready false, only spawns it. */
  restart(ready?: boolean): Promise<AgentProcess>;
  /** Takes the "before" snapshot again (scenarios that prepare more evidence first). */
  snapshot(): void;
}

export interface ScenarioSetup extends ChaosSiteOptions {
  readonly warmUp?: WarmUp;
  readonly nodeFlags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Runs before the agent's first start (e.g. mount a disk, seed footage). */
  readonly prepare?: (site: ChaosSite) => Promise<void> | void;
  /** Runs after everything else, even on failure (e.g. unmount). */
  readonly cleanup?: () => Promise<void> | void;
  /** Do not place the default hold (the scenario places its own). */
  readonly noHold?: boolean;
}

/** Waits for `n` event rows and `segments` completed segments, polling the database read-only. */
export async function awaitEvidence(run: Pick<ChaosRun, 'site' | 'agent'>, n: number, segments: number, timeoutMs: number): Promise<EvidenceSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = readEvidence(run.site.dataDir);
    const done = [...e.segments.values()].filter((b) => b !== null).length;
    if (e.eventIds.size >= n && done >= segments) return e;
    if (!run.agent.alive) throw new Error(`agent exited while warming up: ${run.agent.output}`);
    if (Date.now() > deadline) throw new Error(`warm-up: ${e.eventIds.size}/${n} events and ${done}/${segments} segments after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** A legal hold over everything recorded from an hour ago to a day ahead, as an officer's request would. */
export function placeHold(dataDir: string, fromMs = Date.now() - 3_600_000, toMs = Date.now() + 86_400_000, cameras: string[] = []): string {
  const store = openStore(dataDir);
  try {
    return store.holds.create({
      caseNumber: 'CHAOS-1', officer: 'Officer Sato', station: 'Chaos station', reason: 'chaos suite: footage that must survive every fault',
      fromMs, toMs, cameras, createdBy: 'chaos',
    }).id;
  } finally {
    store.close();
  }
}

export async function chaosRun(fault: string, setup: ScenarioSetup, body: (run: ChaosRun) => Promise<void>): Promise<ScenarioResult> {
  const verdict = new Verdict(fault);
  let site: ChaosSite | null = null;
  const agents: AgentProcess[] = [];
  try {
    site = await createChaosSite(setup);
    await setup.prepare?.(site);
    const s = site;
    const newAgent = (): AgentProcess => {
      const a = s.agent({ ...(setup.nodeFlags ? { nodeFlags: setup.nodeFlags } : {}), ...(setup.env ? { env: setup.env } : {}) });
      agents.push(a);
      return a;
    };
    const agent = newAgent();
    await agent.start();
    verdict.phase('start');
    const run: ChaosRun = {
      site: s, verdict, agent, agents, before: readEvidence(s.dataDir), logMark: 0,
      restart: async (ready = true) => {
        const a = newAgent();
        run.agent = a;
        if (ready) await a.start();
        else a.launch();
        return a;
      },
      snapshot: () => {
        run.before = readEvidence(s.dataDir);
        run.logMark = run.agent.logs.length;
      },
    };
    const warm = setup.warmUp ?? {};
    await awaitEvidence(run, warm.events ?? 1, warm.segments ?? 1, warm.timeoutMs ?? 120_000);
    if (!setup.noHold) placeHold(s.dataDir);
    const status = await agent.status();
    if (!(cameraStatus(status, CAMERA).analysedFrames > 0)) throw new Error('warm-up: the camera analysed no frame');
    run.snapshot();
    verdict.phase('warmUp');
    await body(run);
    verdict.phase('fault');
    // What every fault must leave: the evidence from before, and no event the agent failed to store.
    verdict.loss(evidenceLoss(run.before, readEvidence(s.dataDir), s.dataDir), 'after recovery');
    const unrecorded = agents.flatMap((a, i) => a.logged('event not recorded').filter((l) => l.type === 'start').map((l) => `${i}:${String(l.eventKey)}`));
    verdict.unrecorded(unrecorded.length, 'during the run');
  } catch (err) {
    verdict.fail(`aborted: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    const crashes = agents.flatMap((a) => a.crashes.map((c) => `code ${c.code} signal ${c.signal}: ${a.output.slice(-500)}`));
    verdict.crashed(crashes.length, crashes.join(' | '));
    for (const a of agents) await a.close().catch(() => undefined);
    // ffmpeg that outlived its agent (after a kill -9) would write into the next run's folders.
    // (A tmpfs data directory lives outside the site folder: look for both.)
    if (site) killAll([...processesMentioning(site.root), ...processesMentioning(site.dataDir)].map((p) => p.pid));
    await setup.cleanup?.();
    await site?.remove().catch(() => undefined);
    verdict.phase('cleanup');
  }
  return verdict.result();
}
