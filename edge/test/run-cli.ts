/** Runs the real command line from source (through tsx) and collects its output. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`, when given, is piped to the command's standard input (e.g. a password). */
export function runCli(args: string[], timeoutMs = 120_000, input?: string): Promise<CliResult> {
  return runScript(MAIN, args, timeoutMs, input);
}

/** Any of the project's TypeScript entry points (`npm run eval`, `npm run train:phone`, …). */
export function runScript(script: string, args: string[], timeoutMs = 120_000, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    // Without input, stdin is closed at once, like a command run from a script with nothing piped in.
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
