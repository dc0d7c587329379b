/**
 * `mimamori users`: dashboard accounts and ATM kiosk tokens, managed on the device itself (the
 * first admin cannot be created through a dashboard nobody can log in to yet). Passwords come from
 * a file, a pipe, or a prompt that does not echo; never from the command line, where `ps` and the
 * shell history would keep them.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../auth/password.js';
import { loadConfig } from '../config/load.js';
import { ROLES, openStore, type Role, type Store } from '../store/store.js';

const HELP = `usage:
  mimamori users add <username> --role <${ROLES.join('|')}> --config <site.yaml> [--password-file <file>]
  mimamori users passwd <username> --config <site.yaml> [--password-file <file>]
  mimamori users disable <username> --config <site.yaml>
  mimamori users list --config <site.yaml> [--json]
  mimamori users kiosk-token --atm <atmId> --config <site.yaml>   (prints a new read-only token for /atm/<atmId>)
  mimamori users kiosk-revoke --atm <atmId> --config <site.yaml>

Without --password-file the password is read from standard input (first line), or asked for
without echo on a terminal.`;

class UsageError extends Error {}

export async function runUsersCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        role: { type: 'string' },
        atm: { type: 'string' },
        'password-file': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    console.error(`mimamori users: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!values.config) {
    console.error(`mimamori users: --config is required\n${HELP}`);
    return 2;
  }
  const config = await loadConfig(values.config);
  const store = openStore(resolve(config.dataDir));
  try {
    return await dispatch(sub, positionals[0], values, store, config.cameras.flatMap((c) => c.zones.flatMap((z) => (z.atmId ? [z.atmId] : []))));
  } catch (err) {
    console.error(`mimamori users ${sub ?? ''}: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    store.close();
  }
}

type Values = { role?: string; atm?: string; 'password-file'?: string; json?: boolean };

async function dispatch(sub: string | undefined, name: string | undefined, values: Values, store: Store, atmIds: string[]): Promise<number> {
  const needName = (): string => {
    if (!name) throw new UsageError(`a username is required\n${HELP}`);
    return name;
  };
  switch (sub) {
    case 'add': {
      const username = needName();
      const role = values.role;
      if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const passwordHash = await hashPassword(await readPassword(values['password-file']));
      const user = store.users.add({ username, role: role as Role, passwordHash });
      console.log(`added ${user.username} (${user.role})`);
      return 0;
    }
    case 'passwd': {
      const username = needName();
      store.users.setPassword(username, await hashPassword(await readPassword(values['password-file'])));
      console.log(`password of ${username} changed; their sessions are ended`);
      return 0;
    }
    case 'disable':
      store.users.disable(needName());
      console.log(`disabled ${name ?? ''}; their sessions are ended`);
      return 0;
    case 'list':
      for (const u of store.users.list()) {
        const row = { username: u.username, role: u.role, createdAt: new Date(u.createdAt).toISOString(), disabled: u.disabledAt !== null };
        console.log(values.json ? JSON.stringify(row) : `${u.username.padEnd(20)} ${u.role.padEnd(13)} ${row.disabled ? 'disabled' : 'active'}`);
      }
      return 0;
    case 'kiosk-token': {
      const atm = values.atm;
      if (!atm) throw new UsageError('--atm is required');
      // A token for an ATM no zone names would open a kiosk page that never shows anything.
      if (!atmIds.includes(atm)) throw new UsageError(`--atm: no atm zone in the config has atmId "${atm}" (known: ${atmIds.join(', ') || 'none'})`);
      const token = randomBytes(32).toString('base64url');
      store.users.addKioskToken(atm, token);
      console.log(`/atm/${atm}?token=${token}`);
      return 0;
    }
    case 'kiosk-revoke': {
      if (!values.atm) throw new UsageError('--atm is required');
      console.log(`revoked ${store.users.revokeKioskTokens(values.atm)} token(s) of ${values.atm}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown subcommand "${sub ?? ''}"\n${HELP}`);
  }
}

async function readPassword(file: string | undefined): Promise<string> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).split('\n')[0] ?? '';
    } catch (err) {
      throw new UsageError(`--password-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (process.stdin.isTTY) return promptHidden('password: ');
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split('\n')[0] ?? '';
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolvePassword, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolvePassword(value);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new UsageError('cancelled'));
        }
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
