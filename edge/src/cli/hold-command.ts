/**
 * `mimamori hold create|list|release`: legal holds placed on the device itself, e.g. by the store
 * manager with the officer's request in hand. Each create and release is in the audit log.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loginName } from '../auth/login-name.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { HoldRequestError, createHoldService, holdJson } from '../evidence/holds.js';
import { HoldReleasedError, UnknownHoldError, formatTimestamp, openStore, type HoldRecord } from '../store/store.js';

const HELP = `usage:
  mimamori hold create --config <site.yaml> --case <number> --from <time> --to <time> --reason <text>
                       --officer <name> --station <name> [--cameras <id,id>] [--expires <time>] [--by <you>] [--json]
  mimamori hold list --config <site.yaml> [--active] [--json]
  mimamori hold release <hold-id> --config <site.yaml> --by <you> [--reason <text>] [--json]

Times are ISO-8601 with a UTC offset, e.g. 2026-03-02T10:00:00+09:00. Without --cameras the hold
covers every camera; without --expires it lasts until released. --by defaults to your login name.
Exit status: 0 done, 1 refused (no such hold, already released), 2 bad options.`;

/** Request field → the option that supplies it, so errors name what the user typed. */
const OPTION: Readonly<Record<string, string>> = {
  caseNumber: '--case', officer: '--officer', station: '--station', reason: '--reason', from: '--from', to: '--to',
  cameras: '--cameras', expires: '--expires', by: '--by',
};
const optionOf = (field: string): string => OPTION[/^[A-Za-z]+/.exec(field)?.[0] ?? ''] ?? field;

class UsageError extends Error {}

export async function runHoldCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const prefix = `mimamori hold${sub ? ` ${sub}` : ''}`;
  if (sub === '--help' || sub === 'help' || sub === '-h') {
    console.log(HELP);
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'release') {
    console.error(`mimamori hold: unknown subcommand "${sub ?? ''}"\n${HELP}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: sub === 'release',
      options: {
        config: { type: 'string' },
        case: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        cameras: { type: 'string' },
        reason: { type: 'string' },
        officer: { type: 'string' },
        station: { type: 'string' },
        expires: { type: 'string' },
        by: { type: 'string' },
        active: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    console.error(`${prefix}: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!values.config) {
    console.error(`${prefix}: --config is required\n${HELP}`);
    return 2;
  }
  const config = await loadConfig(values.config);
  const store = openStore(resolve(config.dataDir));
  const holds = createHoldService(store, { cameras: config.cameras.map((c) => c.id), log: createLogger('hold') });
  try {
    const print = (hold: HoldRecord, verb: string): void => {
      if (values.json) console.log(JSON.stringify(holdJson(hold, Date.now())));
      else console.log(`hold ${hold.id} ${verb}\n${describe(hold)}`);
    };
    switch (sub) {
      case 'create': {
        const required = { case: values.case, from: values.from, to: values.to, reason: values.reason, officer: values.officer, station: values.station };
        const missing = Object.entries(required).filter(([, v]) => v === undefined).map(([k]) => `--${k}`);
        if (missing.length > 0) throw new UsageError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required`);
        print(holds.create({
          caseNumber: values.case!, officer: values.officer!, station: values.station!, reason: values.reason!,
          from: values.from!, to: values.to!,
          cameras: values.cameras === undefined ? [] : values.cameras.split(',').map((c) => c.trim()),
          expires: values.expires ?? null,
          by: values.by ?? loginName(),
        }), 'created');
        return 0;
      }
      case 'release': {
        const [id, ...extra] = positionals;
        if (!id) throw new UsageError('the hold id is required');
        if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
        if (values.by === undefined) throw new UsageError('--by is required: say who releases the hold');
        print(holds.release(id, { by: values.by, reason: values.reason ?? null }), 'released');
        return 0;
      }
      case 'list': {
        const now = Date.now();
        for (const hold of store.holds.list(values.active ? { active: true, at: now } : {})) {
          console.log(values.json ? JSON.stringify(holdJson(hold, now)) : listLine(hold, now));
        }
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${prefix}: ${err.message}\n${HELP}`);
      return 2;
    }
    if (err instanceof HoldRequestError) {
      for (const problem of err.problems) {
        const colon = problem.indexOf(': ');
        console.error(`${prefix}: ${colon < 0 ? problem : `${optionOf(problem.slice(0, colon))}${problem.slice(colon)}`}`);
      }
      return 2;
    }
    if (err instanceof UnknownHoldError || err instanceof HoldReleasedError) {
      console.error(`${prefix}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    store.close();
  }
}

function describe(h: HoldRecord): string {
  const rows: [string, string][] = [
    ['case', h.caseNumber],
    ['range', `${formatTimestamp(h.fromMs)} → ${formatTimestamp(h.toMs)}`],
    ['cameras', h.cameras.length === 0 ? 'all cameras' : h.cameras.join(', ')],
    ['officer', `${h.officer} (${h.station})`],
    ['reason', h.reason],
    ['created', `${formatTimestamp(h.createdAt)} by ${h.createdBy}`],
    ['expires', h.expiresAt === null ? 'never (held until released)' : formatTimestamp(h.expiresAt)],
  ];
  if (h.releasedAt !== null) {
    rows.push(['released', `${formatTimestamp(h.releasedAt)} by ${h.releasedBy ?? '?'}${h.releaseReason ? `: ${h.releaseReason}` : ''}`]);
  }
  return rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`).join('\n');
}

function listLine(h: HoldRecord, now: number): string {
  const json = holdJson(h, now);
  const state = json.active ? 'active' : h.releasedAt !== null && h.releasedAt <= now ? 'released' : 'expired';
  const cameras = h.cameras.length === 0 ? 'all cameras' : h.cameras.join(',');
  return `${h.id}  ${state.padEnd(8)}  ${h.caseNumber}  ${formatTimestamp(h.fromMs)} → ${formatTimestamp(h.toMs)}  ${cameras}  ${h.officer} (${h.station})`;
}
