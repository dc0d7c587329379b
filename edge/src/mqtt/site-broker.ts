/**
 * The embedded broker as the agent runs it: the site's logins from the credentials file (created
 * at first start), dashboard sessions from the store for browser clients, and the agent's own
 * dashboard as the allowed Origin. Returns the login the agent itself connects with.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { UserRepository } from '../store/store.js';
import { AGENT_USER, usernameForSessionRole } from './broker-acl.js';
import { configuredUsernames, loadOrCreateBrokerCredentials } from './broker-credentials.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

export interface SiteBroker {
  readonly broker: EmbeddedBroker;
  readonly agentLogin: { readonly username: string; readonly password: string };
}

export interface SiteBrokerOptions {
  readonly config: Config;
  readonly dataDir: string;
  readonly users: () => UserRepository;
  /** The agent's HTTP URL once it listens (null before): the dashboard's own origin. */
  readonly httpUrl: () => string | null;
  readonly log: Logger;
}

/**
 * The origins the dashboard is opened from: the configured ones, alerts.dashboardUrl's, and the
 * agent's HTTP listener under the names a browser on the device itself uses for it.
 */
export function dashboardOrigins(config: Config, httpUrl: string | null): string[] {
  const origins = new Set(config.mqtt.embedded.allowedOrigins.map((o) => new URL(o).origin));
  if (config.alerts.dashboardUrl) origins.add(new URL(config.alerts.dashboardUrl).origin);
  if (httpUrl) {
    const url = new URL(httpUrl);
    const wildcard = url.hostname === '0.0.0.0' || url.hostname === '[::]';
    if (!wildcard) origins.add(url.origin);
    if (wildcard || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      for (const host of ['127.0.0.1', 'localhost', '[::1]']) origins.add(`${url.protocol}//${host}:${url.port}`);
    }
  }
  return [...origins];
}

export async function startSiteBroker(options: SiteBrokerOptions): Promise<SiteBroker> {
  const { config, log } = options;
  const loaded = loadOrCreateBrokerCredentials(options.dataDir, configuredUsernames(config));
  if (loaded.added.length > 0) log.info('mqtt credentials created', { file: loaded.file, users: loaded.added });
  const broker = await startEmbeddedBroker({
    ...config.mqtt.embedded,
    acl: { site: config.site, discoveryPrefix: config.mqtt.homeAssistant.discoveryPrefix },
    credentials: loaded.credentials,
    // Only reads: users are added by the agent's start and by `mimamori mqtt credentials`.
    reloadCredentials: () => loadOrCreateBrokerCredentials(options.dataDir, []).credentials,
    browser: {
      allowedOrigins: () => dashboardOrigins(config, options.httpUrl()),
      sessionUser: (token) => {
        const session = options.users().session(token);
        return session ? usernameForSessionRole(config.site, session.user.role) : null;
      },
    },
    log: log.child('broker'),
  });
  return { broker, agentLogin: { username: AGENT_USER, password: loaded.credentials[AGENT_USER]! } };
}
