/** `mimamori status`: asks the running agent for its cameras' state over its local HTTP endpoint. */
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig } from '../config/load.js';

export async function runStatusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const config = values.config ? await loadConfig(values.config) : parseConfig({});
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host}:${config.http.port}/api/status`;
  let body: { site: string; cameras: Record<string, unknown>[]; workers?: { size: number; running: number; respawns: number } | null };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    body = (await res.json()) as typeof body;
  } catch (err) {
    console.error(`mimamori status: no agent answering at ${url} (${(err as Error).message})`);
    return 1;
  }
  if (values.json) {
    console.log(JSON.stringify(body));
    return 0;
  }
  console.log(`site ${body.site}`);
  for (const c of body.cameras) {
    console.log(`  ${String(c.id).padEnd(12)} ${String(c.state).padEnd(10)} fps in ${c.fpsIn} out ${c.fpsOut}  dropped ${c.dropped}  restarts ${c.restarts}` +
      `  last frame ${c.lastFrameAt ?? '-'}${c.lastError ? `  error: ${c.lastError}` : ''}`);
    const a = c.analysis as { state: string; reason: string | null; frameErrors: number; restarts: number } | null | undefined;
    // The source can stream while nothing analyses its frames: say so on a line of its own.
    if (a) console.log(`  ${''.padEnd(12)} analysis ${a.state}${a.reason ? ` (${a.reason})` : ''}  failed frames ${a.frameErrors}  loop restarts ${a.restarts}`);
  }
  if (body.workers) console.log(`  inference workers ${body.workers.running}/${body.workers.size} running  respawns ${body.workers.respawns}`);
  return 0;
}
