import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { verifyPassword } from '../auth/password.js';
import { openStore } from '../store/store.js';

let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-users-'));
  config = join(dir, 'site.yaml');
  await writeFile(config, [
    'site: store-001',
    `dataDir: ${join(dir, 'data')}`,
    'cameras:',
    '  - id: atm1',
    '    source: /dev/null',
    '    zones:',
    '      - { id: front, kind: atm, atmId: atm-a, polygon: [[0,0],[1,0],[1,1]] }',
    '',
  ].join('\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mimamori users', () => {
  it('adds the first admin from a piped password, stores only its scrypt hash, and lists users', async () => {
    const added = await runCli(['users', 'add', 'admin', '--role', 'admin', '--config', config], 60_000, 'a long enough password\n');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout.trim()).toBe('added admin (admin)');
    const file = join(dir, 'pw.txt');
    await writeFile(file, 'clerk password 1\n');
    expect((await runCli(['users', 'add', 'clerk1', '--role', 'clerk', '--config', config, '--password-file', file])).code).toBe(0);

    const store = openStore(join(dir, 'data'));
    try {
      const creds = store.users.credentials('admin')!;
      expect(creds.user.role).toBe('admin');
      expect(creds.passwordHash).not.toContain('long enough');
      expect(await verifyPassword('a long enough password', creds.passwordHash)).toBe(true);
      expect(await verifyPassword('clerk password 1', store.users.credentials('clerk1')!.passwordHash)).toBe(true);
    } finally {
      store.close();
    }
    const list = await runCli(['users', 'list', '--config', config, '--json']);
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { username: string; role: string; disabled: boolean }))
      .toEqual([
        expect.objectContaining({ username: 'admin', role: 'admin', disabled: false }),
        expect.objectContaining({ username: 'clerk1', role: 'clerk', disabled: false }),
      ]);
  });

  it('refuses bad input by name: role, short password, duplicate user, bad username', async () => {
    const role = await runCli(['users', 'add', 'x', '--role', 'superuser', '--config', config], 60_000, 'a long enough password\n');
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of clerk, bank, investigator, admin');
    const short = await runCli(['users', 'add', 'shorty', '--role', 'clerk', '--config', config], 60_000, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('password: must be at least 10 characters');
    const dup = await runCli(['users', 'add', 'admin', '--role', 'clerk', '--config', config], 60_000, 'a long enough password\n');
    expect(dup.stderr).toContain('user "admin" already exists');
    const bad = await runCli(['users', 'add', '../Root', '--role', 'clerk', '--config', config], 60_000, 'a long enough password\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('username');
  });

  it('makes kiosk tokens only for ATMs the config knows, and revokes them', async () => {
    const unknown = await runCli(['users', 'kiosk-token', '--atm', 'atm-z', '--config', config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no atm zone in the config has atmId "atm-z" (known: atm-a)');
    const made = await runCli(['users', 'kiosk-token', '--atm', 'atm-a', '--config', config]);
    expect(made.code).toBe(0);
    const token = /^\/atm\/atm-a\?token=([\w-]{43})$/.exec(made.stdout.trim())?.[1];
    expect(token).toBeDefined();
    const store = openStore(join(dir, 'data'));
    try {
      expect(store.users.kioskAtm(token!)).toBe('atm-a');
      expect(store.users.kioskAtm('not-a-token')).toBeNull();
    } finally {
      store.close();
    }
    const revoked = await runCli(['users', 'kiosk-revoke', '--atm', 'atm-a', '--config', config]);
    expect(revoked.stdout).toContain('revoked 1 token(s) of atm-a');
    const after = openStore(join(dir, 'data'));
    try {
      expect(after.users.kioskAtm(token!)).toBeNull();
    } finally {
      after.close();
    }
  });

  it('passwd changes the password and ends every session of that user, and only of that user', async () => {
    const before = openStore(join(dir, 'data'));
    try {
      const admin = before.users.credentials('admin')!.user;
      const clerk = before.users.credentials('clerk1')!.user;
      before.users.createSession(admin.id, 'admin-session-token-one-aaaaaaaa', 3600_000);
      before.users.createSession(admin.id, 'admin-session-token-two-bbbbbbbb', 3600_000);
      before.users.createSession(clerk.id, 'clerk-session-token-one-cccccccc', 3600_000);
    } finally {
      before.close();
    }
    const res = await runCli(['users', 'passwd', 'admin', '--config', config], 60_000, 'a new long password\n');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('password of admin changed; their sessions are ended');
    const after = openStore(join(dir, 'data'));
    try {
      expect(await verifyPassword('a new long password', after.users.credentials('admin')!.passwordHash)).toBe(true);
      expect(after.users.session('admin-session-token-one-aaaaaaaa')).toBeNull();
      expect(after.users.session('admin-session-token-two-bbbbbbbb')).toBeNull();
      expect(after.users.session('clerk-session-token-one-cccccccc')?.user.username).toBe('clerk1');
    } finally {
      after.close();
    }
  });

  it('disables a user', async () => {
    const res = await runCli(['users', 'disable', 'clerk1', '--config', config]);
    expect(res.code).toBe(0);
    const store = openStore(join(dir, 'data'));
    try {
      expect(store.users.credentials('clerk1')!.user.disabledAt).not.toBeNull();
    } finally {
      store.close();
    }
  });
});
