/** `mimamori run`: the edge agent, until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { Agent } from '../agent.js';
import { loadConfig, SMALLEST_SITE_FILE } from '../config/load.js';
import { createLogger } from '../log/logger.js';

const HELP = `usage: mimamori run --config <site.yaml>

Starts one pipeline per configured camera and the local HTTP status endpoint; stops cleanly on
SIGINT or SIGTERM. The site file names the site and at least one camera; the smallest one:

${SMALLEST_SITE_FILE.replace(/^/gm, '  ')}`;

export async function runRunCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', default: false } } });
  } catch (err) {
    console.error(`mimamori run: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    console.log(HELP);
    return 0;
  }
  // Without a file there is nothing to watch: an agent on the defaults would look healthy and
  // protect no one.
  const file = args.values.config;
  if (!file) {
    console.error(`mimamori run: --config <site.yaml> is required\n${HELP}`);
    return 2;
  }
  // A bad config fails here, before any camera is opened, with every problem listed by path.
  const config = await loadConfig(file, 'agent');
  const log = createLogger('mimamori');
  const agent = new Agent(config, { log, configFile: file });
  let stopping: Promise<void> | null = null;
  const stop = (signal: string): void => {
    if (stopping) return;
    log.info('stopping', { signal });
    stopping = agent.close();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await agent.start();
  } catch (err) {
    await agent.close();
    throw err;
  }
  console.log(`mimamori: site ${config.site} running; dashboard ${agent.url} (status ${agent.url}api/status)`);
  if (!agent.hasUsers()) {
    // Nobody can log in to a fresh install until the first admin exists; say how, once.
    console.log(`mimamori: no dashboard users yet: npx mimamori users add admin --role admin --config ${file}`);
  }
  // Keep running until a signal, even when every file camera has ended.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stopping) {
        clearInterval(check);
        void stopping.then(resolve);
      }
    }, 200);
  });
  return 0;
}
