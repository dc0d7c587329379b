/** loginName() in processes of other accounts, started here as root: one with a passwd entry, one without. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loginName } from './login-name.js';

const MODULE = fileURLToPath(new URL('./login-name.ts', import.meta.url));

/** What loginName() says in a process running as `uid`. */
function loginNameAs(uid: number): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(MODULE)}).then((m) => process.stdout.write(m.loginName()))`], {
    uid, gid: uid, encoding: 'utf8', timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`as uid ${uid}: exit ${run.status ?? run.signal}: ${run.error?.message ?? run.stderr}`);
  return run.stdout;
}

describe('loginName', () => {
  it('is the account running the process', () => {
    expect(loginName()).toBe(userInfo().username);
    expect(loginNameAs(65534)).toBe('nobody');
  });

  it('is uid-<n> for a uid with no passwd entry (as in some containers)', () => {
    expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^[^:]*:[^:]*:54321:/m);
    expect(loginNameAs(54321)).toBe('uid-54321');
  });
});
