/**
 * The embedded broker as the agent runs it, with dashboard sessions from a real store: a browser
 * page gets in over the WebSocket only from the dashboard's own origin and with a live login
 * session, and then has its role's rights; everything else logs in with a password.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { parseConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import type { Role, Store } from '../store/store.js';
import { useTempStores } from '../../test/temp-store.js';
import { waitUntil } from '../../test/wait-until.js';
import { configuredUsernames, credentialsFile, loadOrCreateBrokerCredentials } from './broker-credentials.js';
import { dashboardOrigins, startSiteBroker, type SiteBroker } from './site-broker.js';

const SITE = 'store-7';
const S = (topic: string): string => `mimamori/${SITE}/${topic}`;
const EVENT = '019ab5c4-0000-7000-8000-0123456789ab';
/** Where the test pretends the agent's HTTP server (the dashboard) listens. */
const DASHBOARD = 'http://127.0.0.1:18080/';
const openStore = useTempStores('mimamori-site-broker-');
const log = createLogger('site-broker-test', { level: 'error', write: () => undefined });

const running: SiteBroker[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(running.splice(0).map((b) => b.broker.close()));
});

async function start(store: Store, config: Record<string, unknown> = {}): Promise<SiteBroker> {
  const site = await startSiteBroker({
    config: parseConfig({ site: SITE, mqtt: { embedded: { host: '127.0.0.1', port: 0, wsPort: 0 } }, ...config }),
    dataDir: store.dataDir,
    users: () => store.users,
    httpUrl: () => DASHBOARD,
    log,
  });
  running.push(site);
  return site;
}

/** A dashboard user of `role` with a live session; returns the session token (the cookie value). */
function session(store: Store, role: Role): string {
  const user = store.users.add({ username: `${role}-${randomBytes(3).toString('hex')}`, role, passwordHash: 'scrypt$test' });
  const token = randomBytes(32).toString('base64url');
  store.users.createSession(user.id, token, 60_000);
  return token;
}

async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(c);
  return c;
}

/** What a browser sends on the upgrade: its page's Origin, and the cookie of the agent's host. */
function browser(origin: string, token?: string): IClientOptions {
  return { wsOptions: { headers: { origin, ...(token ? { cookie: `theme=dark; ${SESSION_COOKIE}=${token}` } : {}) } } };
}

/** The HTTP status the WebSocket upgrade gets (101 when it is taken). */
function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['mqtt'], { headers });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));
}

describe('site broker', () => {
  it('creates the credentials file at first start and the agent logs in with it', async () => {
    const store = openStore();
    const site = await start(store);
    const file = credentialsFile(store.dataDir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(site.agentLogin).toEqual({ username: 'mimamori-agent', password: stored['mimamori-agent'] });
    const agent = await connect(site.broker.url, site.agentLogin);
    await agent.publishAsync(S('status'), 'online', { qos: 1 });
    await expect(connect(site.broker.url, {})).rejects.toThrow(/not authorized/i);
  });

  it('gives a clerk\'s dashboard session a clerk device\'s rights over the WebSocket, without a password', async () => {
    const store = openStore();
    const site = await start(store);
    const agent = await connect(site.broker.url, site.agentLogin);
    const acks: string[] = [];
    agent.on('message', (topic) => acks.push(topic));
    await agent.subscribeAsync(S('clerk/alerts/+/ack'), { qos: 1 });

    const page = await connect(site.broker.wsUrl, browser('http://127.0.0.1:18080', session(store, 'clerk')));
    const alerts: string[] = [];
    page.on('message', (topic) => alerts.push(topic));
    await page.subscribeAsync(S('#'), { qos: 1 });
    await agent.publishAsync(S('cam1/events'), '{}', { qos: 1 });
    await agent.publishAsync(S('clerk/alerts'), '{}', { qos: 1 });
    await waitUntil('the clerk alert', () => alerts.length > 0);
    expect(alerts).toEqual([S('clerk/alerts')]);
    await page.publishAsync(S(`clerk/alerts/${EVENT}/ack`), '{"by":"clerk"}', { qos: 1 });
    await waitUntil('the ack', () => acks.length === 1);

    // ... and no more than a clerk device: no warnings with its own text.
    const gone = closed(page);
    void page.publishAsync(S('atm/atm1/warning'), '{"action":"show","texts":{"en":"forged"}}', { qos: 1 }).catch(() => undefined);
    await gone;
  });

  it('gives an admin\'s session the dashboard\'s rights, from localhost too', async () => {
    const store = openStore();
    const site = await start(store);
    const agent = await connect(site.broker.url, site.agentLogin);
    const page = await connect(site.broker.wsUrl, browser('http://localhost:18080', session(store, 'admin')));
    const got: string[] = [];
    page.on('message', (topic) => got.push(topic));
    await page.subscribeAsync(S('#'), { qos: 1 });
    await agent.publishAsync(S('cam1/events'), '{}', { qos: 1 });
    await waitUntil('the event', () => got.length > 0);
    expect(got).toEqual([S('cam1/events')]);
  });

  it.each([
    ['another site\'s page, even with a valid session', 'https://evil.example', 'clerk', 403],
    ['a page on another port of the same host', 'http://127.0.0.1:9999', 'clerk', 403],
    ['a sandboxed page (Origin "null")', 'null', 'clerk', 403],
    ['the dashboard without a session cookie', 'http://127.0.0.1:18080', null, 401],
    ['a bank user\'s session (no MQTT rights)', 'http://127.0.0.1:18080', 'bank', 401],
    ['an investigator\'s session', 'http://127.0.0.1:18080', 'investigator', 401],
  ])('refuses the WebSocket upgrade from %s', async (_name, origin, role, status) => {
    const store = openStore();
    const site = await start(store);
    const token = role ? session(store, role as Role) : undefined;
    const headers = { origin, ...(token ? { cookie: `${SESSION_COOKIE}=${token}` } : {}) };
    expect(await upgrade(site.broker.wsUrl, headers)).toBe(status);
    // The same request from the dashboard's own page is taken: the refusal is about what differs.
    if (token && role === 'clerk') expect(await upgrade(site.broker.wsUrl, { ...headers, origin: 'http://127.0.0.1:18080' })).toBe(101);
  });

  it('refuses a session that was ended, and disconnects a page whose session ends', async () => {
    const store = openStore();
    const site = await start(store);
    const ended = session(store, 'clerk');
    store.users.endSession(ended);
    expect(await upgrade(site.broker.wsUrl, { origin: 'http://127.0.0.1:18080', cookie: `${SESSION_COOKIE}=${ended}` })).toBe(401);

    const token = session(store, 'clerk');
    const page = await connect(site.broker.wsUrl, browser('http://127.0.0.1:18080', token));
    await page.subscribeAsync(S('clerk/alerts'), { qos: 1 });
    const got: string[] = [];
    page.on('message', (topic) => got.push(topic));
    const gone = closed(page);
    store.users.endSession(token); // logout
    const agent = await connect(site.broker.url, site.agentLogin);
    await agent.publishAsync(S('clerk/alerts'), '{}', { qos: 1 });
    await gone;
    expect(got).toEqual([]);
  });

  it('lets a new ATM\'s display in once `mimamori mqtt credentials` has added it, without a restart', async () => {
    const store = openStore();
    const site = await start(store);
    // What the command does after atm9 was added to the config's zones.
    const { credentials, added } = loadOrCreateBrokerCredentials(store.dataDir, [...configuredUsernames(parseConfig({ site: SITE })), 'atm-atm9']);
    expect(added).toEqual(['atm-atm9']);
    const display = await connect(site.broker.url, { username: 'atm-atm9', password: credentials['atm-atm9']! });
    expect(display.connected).toBe(true);
    expect(credentials['mimamori-agent']).toBe(site.agentLogin.password);
    await expect(connect(site.broker.url, { username: 'atm-atm9', password: 'guess' })).rejects.toThrow(/bad user ?name or password/i);
  });

  it('takes a non-browser WebSocket client (no Origin) only with a password', async () => {
    const store = openStore();
    const site = await start(store);
    await expect(connect(site.broker.wsUrl, {})).rejects.toThrow(/not authorized/i);
    const stored = JSON.parse(fs.readFileSync(credentialsFile(store.dataDir), 'utf8')) as Record<string, string>;
    const relay = await connect(site.broker.wsUrl, { username: `relay-${SITE}`, password: stored[`relay-${SITE}`]! });
    expect(relay.connected).toBe(true);
  });
});

describe('dashboard origins', () => {
  const config = (extra: Record<string, unknown> = {}) => parseConfig({ site: SITE, ...extra });

  it('are the agent\'s listener under its loopback names, alerts.dashboardUrl and the configured ones', () => {
    expect(dashboardOrigins(config(), 'http://127.0.0.1:8080/').sort()).toEqual(['http://127.0.0.1:8080', 'http://[::1]:8080', 'http://localhost:8080']);
    expect(dashboardOrigins(config({
      alerts: { dashboardUrl: 'https://mimamori.store.lan/dash/' },
      mqtt: { embedded: { allowedOrigins: ['https://ops.example:8443'] } },
    }), 'http://192.168.1.20:8080/').sort()).toEqual(['http://192.168.1.20:8080', 'https://mimamori.store.lan', 'https://ops.example:8443']);
    expect(dashboardOrigins(config(), null)).toEqual([]);
    // Listening on every address: its LAN names are unknown here (configure them), loopback is not.
    expect(dashboardOrigins(config(), 'http://0.0.0.0:8080/')).not.toContain('http://0.0.0.0:8080');
  });

  it('refuses a configured origin with a path, naming the field', () => {
    expect(() => config({ mqtt: { embedded: { allowedOrigins: ['https://x.example/dash'] } } })).toThrow('mqtt.embedded.allowedOrigins[0]: an origin only');
  });
});
