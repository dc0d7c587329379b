/**
 * End-to-end tests of the dashboard in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core through executablePath: no browser download). Each test file builds the
 * dashboard, runs a real agent (embedded broker, SQLite, free ports) and drives pages in a browser.
 * Screenshots go to artifacts/screenshots/ for a person to look at; they are not committed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { Agent, type AgentOptions } from '../../edge/src/agent.js';
import { hashPassword } from '../../edge/src/auth/password.js';
import { parseConfig } from '../../edge/src/config/load.js';
import { createLogger } from '../../edge/src/log/logger.js';
import { openStore, type Role } from '../../edge/src/store/store.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
export const PASSWORD = 'e2e password 123';

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
}

let built: Promise<unknown> | null = null;
/**
 * Builds the dashboard into dist/dashboard once per test file, so the agent serves current code.
 * Test files run in parallel processes: each builds into a folder of its own and swaps it in
 * whole, so no agent ever serves a dist/dashboard another file's build has just emptied.
 */
export function buildDashboard(): Promise<unknown> {
  built ??= (async () => {
    const target = join(ROOT, 'dist', 'dashboard');
    const out = `${target}.build-${process.pid}`;
    await build({ configFile: join(ROOT, 'dashboard', 'vite.config.ts'), logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    const old = `${target}.old-${process.pid}`;
    await rename(target, old).catch(() => undefined); // absent, or another file's swap moved it
    // Another file may have swapped its build in meanwhile: the same sources, so that one serves.
    await rename(out, target).catch(() => undefined);
    await Promise.all([rm(old, { recursive: true, force: true }), rm(out, { recursive: true, force: true })]);
  })();
  return built;
}

export interface E2eSite {
  readonly agent: Agent;
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * A running agent with one user per role (username = role name, password PASSWORD). `config`
 * is merged over the defaults: free ports, a temp data folder, no cameras unless given.
 * `configFile` is handed to the agent as the file it was started from (the zones editor saves
 * into it); the caller writes it with the same cameras as `config`.
 */
export async function startSite(config: Record<string, unknown> = {}, options: Pick<AgentOptions, 'configFile' | 'onWorkerReady'> = {}): Promise<E2eSite> {
  await buildDashboard();
  const dir = await mkdtemp(join(tmpdir(), 'mimamori-e2e-'));
  const dataDir = join(dir, 'data');
  const parsed = parseConfig({
    site: 'e2e-store',
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } },
    ...config,
  });
  const store = openStore(dataDir);
  try {
    const hash = await hashPassword(PASSWORD);
    for (const role of ['clerk', 'bank', 'investigator', 'admin'] as Role[]) store.users.add({ username: role, role, passwordHash: hash });
  } finally {
    store.close();
  }
  const agent = new Agent(parsed, { log: createLogger('e2e', { level: 'warn' }), ...options });
  await agent.start();
  return {
    agent,
    url: agent.url!,
    dataDir,
    close: async () => {
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
}

/** Logs in through the real login page as the user named after `role`. */
export async function logIn(page: Page, site: E2eSite, role: Role, next = ''): Promise<void> {
  await page.goto(`${site.url}login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel(/User name/).fill(role);
  await page.getByLabel(/Password/).fill(PASSWORD);
  await page.getByRole('button', { name: /Log in/ }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
