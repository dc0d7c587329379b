/** `mimamori events list`: stored events as JSON lines or a table, for scripts and quick checks. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { BEHAVIOURS } from '../pipeline/behaviours/types.js';
import { openStore } from '../store/store.js';
import { eventJsonLine } from '../wire/event-json.js';

const HELP = `usage: mimamori events list --config <site.yaml> [--json] [--camera <id>] [--behaviour <name>] [--limit <n>]`;

export async function runEventsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') {
    console.error(`mimamori events: unknown subcommand "${sub ?? ''}"\n${HELP}`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        camera: { type: 'string' },
        behaviour: { type: 'string' },
        limit: { type: 'string', default: '100' },
      },
    });
  } catch (err) {
    console.error(`mimamori events list: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  const { values } = args;
  if (!values.config) {
    console.error(`mimamori events list: --config is required\n${HELP}`);
    return 2;
  }
  const behaviour = values.behaviour;
  if (behaviour !== undefined && !(BEHAVIOURS as readonly string[]).includes(behaviour)) {
    console.error(`mimamori events list: --behaviour must be one of ${BEHAVIOURS.join(', ')}`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    console.error('mimamori events list: --limit must be a whole number from 1 to 10000');
    return 2;
  }
  const config = await loadConfig(values.config);
  const store = openStore(resolve(config.dataDir));
  try {
    const events = store.events.list({
      camera: values.camera,
      behaviour: behaviour as (typeof BEHAVIOURS)[number] | undefined,
      limit,
    });
    for (const e of events) {
      const line = eventJsonLine(e);
      console.log(values.json
        ? JSON.stringify(line)
        : `${line.startedAt}  ${e.camera}/${e.zone}  ${e.behaviour}  ${e.severity}  track ${e.trackId}  ${e.dwellSeconds.toFixed(0)} s  ${line.endedAt ? 'ended' : 'open'}  ${e.id}`);
    }
  } finally {
    store.close();
  }
  return 0;
}
