/**
 * Logging in to the embedded broker in tests: a broker of fixed test passwords for tests that
 * start one themselves, and the agent's generated passwords (its credentials file) for tests that
 * run the agent. The broker takes no anonymous client, so every test client logs in as some role.
 */
import { readFileSync } from 'node:fs';
import { siteUsernames } from '../src/mqtt/broker-acl.js';
import { credentialsFile } from '../src/mqtt/broker-credentials.js';
import type { EmbeddedBrokerOptions } from '../src/mqtt/embedded-broker.js';

export interface BrokerLogin {
  readonly username: string;
  readonly password: string;
}

/** The password every user of testBrokerOptions() has. */
export const testPassword = (username: string): string => `${username}-secret`;

/** Options for startEmbeddedBroker on loopback, free ports, every user of `site` with testPassword(). */
export function testBrokerOptions(site: string, atmIds: readonly string[] = ['atm1']): EmbeddedBrokerOptions {
  const credentials = Object.fromEntries(siteUsernames(site, atmIds).map((u) => [u, testPassword(u)]));
  return { host: '127.0.0.1', port: 0, wsPort: 0, acl: { site, discoveryPrefix: 'homeassistant' }, credentials };
}

export function testLogin(username: string): BrokerLogin {
  return { username, password: testPassword(username) };
}

/** A login from the credentials file the agent created in `dataDir`. */
export function agentBrokerLogin(dataDir: string, username: string): BrokerLogin {
  const credentials = JSON.parse(readFileSync(credentialsFile(dataDir), 'utf8')) as Record<string, string>;
  const password = credentials[username];
  if (password === undefined) throw new Error(`${credentialsFile(dataDir)}: no user "${username}"`);
  return { username, password };
}
