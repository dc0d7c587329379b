/** `mimamori status`: asks the running agent for its cameras' state over its local HTTP endpoint. */
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig } from '../config/load.js';

export async function runStatusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const config = values.config ? await loadConfig(values.config) : parseConfig({});
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host}:${config.http.port}/api/status`;
  let body: { site: string; cameras: Record<string, unknown>[] };
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
  }
  return 0;
}
