/**
 * The real agent as a child process, started from source the way an operator runs it
 * (`node --import tsx edge/src/cli/main.ts run --config <site.yaml>`), watched from outside: its
 * JSON-lines log, its exit, and `GET /api/status` on loopback. kill() is the fault injector for
 * SIGKILL/SIGTERM; close() always leaves no agent behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AgentStatus } from './agent-status.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly level?: string;
  readonly [field: string]: unknown;
}

export interface AgentProcessOptions {
  readonly configFile: string;
  /** The agent's http port (site.yaml's http.port), for /api/status. */
  readonly httpPort: number;
  /** Extra environment (e.g. libfaketime's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags before --import tsx (e.g. --inspect=127.0.0.1:port). */
  readonly nodeFlags?: readonly string[];
}

export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class AgentProcess {
  readonly logs: LogLine[] = [];
  /** Non-JSON output (the run command's banner, a crash's stack trace), last 20 kB. */
  private text = '';
  private child: ChildProcess | null = null;
  private exitInfo: AgentExit | null = null;
  private exited: Promise<AgentExit> | null = null;
  /** Set by kill(): an exit we caused is not a crash. */
  private expectExit = false;
  /** Exits we did not cause: each one is a crash. */
  readonly crashes: AgentExit[] = [];

  constructor(private readonly options: AgentProcessOptions) {}

  get pid(): number {
    if (!this.child?.pid) throw new Error('agent not started');
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.httpPort}/`;
  }

  /** Recent non-JSON output, for failure messages. */
  get output(): string {
    return this.text.slice(-3000);
  }

  /** Spawns the agent and resolves once /api/status answers (or rejects with its output). */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    this.launch();
    await this.ready(readyTimeoutMs);
  }

  /** Spawns the agent without waiting for it (faults that must land during its start-up). */
  launch(): void {
    if (this.alive) throw new Error('agent already running');
    this.exitInfo = null;
    this.expectExit = false;
    const child = spawn(process.execPath, [...(this.options.nodeFlags ?? []), '--import', 'tsx', MAIN, 'run', '--config', this.options.configFile], {
      cwd: REPO,
      env: { ...process.env, MIMAMORI_LOG_LEVEL: 'info', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const onLines = (buffered: { rest: string }) => (chunk: Buffer): void => {
      const lines = (buffered.rest + chunk.toString()).split('\n');
      buffered.rest = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    };
    child.stdout?.on('data', onLines({ rest: '' }));
    child.stderr?.on('data', onLines({ rest: '' }));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        if (!this.expectExit) this.crashes.push(this.exitInfo);
        resolve(this.exitInfo);
      });
    });
  }

  /** Resolves once /api/status answers; rejects with the agent's output if it exits or times out. */
  async ready(readyTimeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      // Set by the exit listener while this loop awaits.
      const exit = this.exitInfo as AgentExit | null;
      if (exit) throw new Error(`agent exited during start (code ${exit.code}, signal ${exit.signal}): ${this.output}`);
      if (await this.status().then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`agent did not answer /api/status within ${readyTimeoutMs / 1000} s: ${this.output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private take(line: string): void {
    if (line.startsWith('{')) {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
        return;
      } catch {
        // Not a log line after all (a stack trace's object literal): kept as text below.
      }
    }
    if (line.trim()) this.text = `${this.text}${line}\n`.slice(-20_000);
  }

  /** GET /api/status; rejects when the agent does not answer within 3 s or answers non-200. */
  async status(): Promise<AgentStatus> {
    const res = await fetch(`${this.url}api/status`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`/api/status answered ${res.status}`);
    return (await res.json()) as AgentStatus;
  }

  /** The status, or null while the agent does not answer (for polling during a fault). */
  statusOrNull(): Promise<AgentStatus | null> {
    return this.status().catch(() => null);
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` for a polite signal). */
  async kill(signal: NodeJS.Signals, graceMs = 20_000): Promise<AgentExit> {
    if (!this.child || !this.exited) throw new Error('agent not started');
    if (this.exitInfo) return this.exitInfo;
    this.expectExit = true;
    this.child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Log lines with this message since index `from` (see logs.length before a fault). */
  logged(msg: string, from = 0): LogLine[] {
    return this.logs.slice(from).filter((l) => l.msg === msg);
  }

  /** Stops the agent if it still runs (SIGTERM, then SIGKILL); idempotent. */
  async close(): Promise<void> {
    if (this.alive) await this.kill('SIGTERM');
  }
}
