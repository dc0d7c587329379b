/**
 * Who gets into the embedded broker and what they may do there. Every client logs in: with a
 * username and password from the credentials file, or, for the dashboard in a browser, with its
 * login session (the session cookie on the WebSocket upgrade, from a page of an allowed Origin).
 * Each user then has the rights of its role in broker-acl.ts, checked on every publish, every
 * subscription and every message delivered.
 */
import type { IncomingMessage } from 'node:http';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { sessionToken } from '../auth/session-cookie.js';
import type { Logger } from '../log/logger.js';
import { aclFor, mayPublish, mayReceive, maySubscribe, type AclContext, type AclRule } from './broker-acl.js';
import { passwordMatches, type BrokerCredentials } from './broker-credentials.js';
import { RefusalLog } from './refusal-log.js';

export interface BrowserAccess {
  /**
   * Origins (`http://host:port`) whose pages may open the WebSocket: the agent's own dashboard.
   * Asked at every upgrade, because the HTTP port is bound after the broker starts.
   */
  allowedOrigins(): readonly string[];
  /** The broker user a live dashboard session acts as (broker-acl.ts), or null. */
  sessionUser(token: string): string | null;
}

export interface BrokerGuardOptions {
  readonly acl: AclContext;
  readonly credentials: BrokerCredentials;
  /**
   * Reads the logins again (the credentials file): asked when someone logs in as a user the broker
   * does not know yet, e.g. a new ATM's display after `mimamori mqtt credentials` added it.
   */
  readonly reloadCredentials?: () => BrokerCredentials;
  /** Without it the WebSocket takes no browser (Origin-bearing) client at all. */
  readonly browser?: BrowserAccess;
  readonly log: Logger;
}

/** Unknown names reload the credentials at most this often, so a scan of names cannot hammer the disk. */
const RELOAD_EVERY_MS = 10_000;

export type UpgradeVerdict = { readonly ok: true } | { readonly ok: false; readonly code: number; readonly reason: string };

interface Identity {
  readonly user: string;
  readonly rules: readonly AclRule[];
  /** For a browser client: the session it acts under, which must stay live. */
  readonly session: string | null;
}

type AuthHooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;

// MQTT 3.1.1 CONNACK codes.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

function remoteAddress(client: Client): string | undefined {
  return client.req?.socket.remoteAddress ?? (client.conn as { remoteAddress?: string }).remoteAddress;
}

export class BrokerGuard {
  /** Browser upgrades that passed verifyUpgrade, with the user their session acts as. */
  private readonly sessions = new WeakMap<IncomingMessage, { token: string; user: string }>();
  private readonly identities = new WeakMap<Client, Identity>();
  /** Who holds each client id now: a device must not take over the agent's connection by its id. */
  private readonly owners = new Map<string, { readonly user: string; readonly client: Client }>();
  private readonly refusals: RefusalLog;
  private credentials: BrokerCredentials;
  private reloadedAt = 0;

  constructor(private readonly options: BrokerGuardOptions) {
    this.refusals = new RefusalLog(options.log);
    this.credentials = options.credentials;
  }

  /**
   * A WebSocket upgrade. Without an Origin header it is no browser: it may go on and must log in
   * with a password like a TCP client. A browser page must come from an allowed origin (another
   * site's page could otherwise use the visitor's cookie) and bring a live dashboard session.
   */
  verifyUpgrade(req: IncomingMessage): UpgradeVerdict {
    const header = req.headers.origin;
    if (header === undefined) return { ok: true };
    const origin = originOf(header);
    const browser = this.options.browser;
    const allowed = browser?.allowedOrigins().map(originOf) ?? [];
    const ip = req.socket.remoteAddress;
    if (origin === null || !allowed.includes(origin)) {
      this.refusals.refused('mqtt websocket refused: origin not allowed', ip ?? '', { origin: header, allowed, ip });
      return { ok: false, code: 403, reason: 'origin not allowed' };
    }
    const token = sessionToken(req);
    const user = token && browser ? browser.sessionUser(token) : null;
    if (!token || !user) {
      this.refusals.refused('mqtt websocket refused: no dashboard session with MQTT rights', origin, { origin, ip });
      return { ok: false, code: 401, reason: 'log in to the dashboard as clerk or admin first' };
    }
    this.sessions.set(req, { token, user });
    return { ok: true };
  }

  hooks(): AuthHooks {
    return {
      authenticate: (client, username, password, done) => {
        const login = this.login(client, username, password);
        if ('error' in login) {
          const ip = remoteAddress(client);
          // Keyed by the site's own users (a device with an old password), or else by address: a
          // scan of made-up names must not be one line per name.
          const key = username !== undefined && Object.hasOwn(this.credentials, username) ? username : `unknown user from ${ip}`;
          this.refusals.refused('mqtt login refused', key, { user: username ?? null, clientId: client.id, ip, reason: login.error.message });
          done(login.error, false);
          return;
        }
        // MQTT hands a client id to the newest connection and drops the old one: taking the
        // agent's id would cut it off again and again, so only the same user may take an id over.
        const owner = this.owners.get(client.id);
        if (owner && owner.user !== login.user && !owner.client.closed) {
          this.refusals.refused('mqtt login refused', login.user, { user: login.user, clientId: client.id, ip: remoteAddress(client), reason: `client id in use by ${owner.user}` });
          done(authError(`client id ${client.id} is in use by another user`, IDENTIFIER_REJECTED), false);
          return;
        }
        this.owners.set(client.id, { user: login.user, client });
        this.identities.set(client, login);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        // Aedes itself (no client) publishes only $SYS housekeeping, which no role may read.
        if (client === null) return done(null);
        const identity = this.current(client);
        if (!identity || !mayPublish(identity.rules, packet.topic)) {
          // Keyed by user only: the topics are the client's choice, the users are the site's few.
          this.refusals.refused('mqtt publish refused', identity?.user ?? '', { user: identity?.user ?? null, clientId: client.id, topic: packet.topic });
          return done(new Error(`not authorized to publish to ${packet.topic}`));
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const identity = this.current(client);
        if (!identity || !maySubscribe(identity.rules, sub.topic)) {
          this.refusals.refused('mqtt subscription refused', identity?.user ?? '', { user: identity?.user ?? null, clientId: client.id, topic: sub.topic });
          // A null subscription is a failure code (0x80) in the SUBACK; the connection stays.
          return done(null, null);
        }
        done(null, sub);
      },
      authorizeForward: (client, packet) => {
        const identity = this.current(client);
        return identity && mayReceive(identity.rules, packet.topic) ? packet : null;
      },
    };
  }

  /** A client has gone: its id is free for anyone again. */
  released(client: Client): void {
    if (this.owners.get(client.id)?.client === client) this.owners.delete(client.id);
  }

  private login(client: Client, username: string | undefined, password: Buffer | undefined): Identity | { error: AuthenticateError } {
    const { acl } = this.options;
    const session = client.req ? this.sessions.get(client.req) : undefined;
    // A browser is who its session says, whatever name it sends in CONNECT.
    const user = session?.user ?? username;
    if (user === undefined || user === '') return { error: authError('a username and password are required', NOT_AUTHORIZED) };
    if (!session && !Object.hasOwn(this.credentials, user)) this.reload();
    if (!session && !passwordMatches(this.credentials, user, password)) return { error: authError('bad username or password', BAD_USERNAME_OR_PASSWORD) };
    const rules = aclFor(acl, user);
    if (!rules) return { error: authError(`"${user}" has no role on site ${acl.site}`, NOT_AUTHORIZED) };
    return { user, rules, session: session?.token ?? null };
  }

  private reload(): void {
    const reload = this.options.reloadCredentials;
    const now = Date.now();
    if (!reload || now - this.reloadedAt < RELOAD_EVERY_MS) return;
    this.reloadedAt = now;
    try {
      const before = Object.keys(this.credentials).length;
      this.credentials = reload();
      const added = Object.keys(this.credentials).length - before;
      if (added > 0) this.options.log.info('mqtt credentials reloaded', { users: Object.keys(this.credentials).length, added });
    } catch (err) {
      // The logins in memory stay valid; a damaged file is for a person to fix.
      this.options.log.error('mqtt credentials not reloaded', { err });
    }
  }

  /**
   * The client's identity while it is still valid: a browser client loses its rights when its
   * dashboard session ends (logout, expiry, user disabled), and is disconnected then.
   */
  private current(client: Client): Identity | null {
    const identity = this.identities.get(client);
    if (!identity) return null;
    if (identity.session !== null && this.options.browser?.sessionUser(identity.session) !== identity.user) {
      this.identities.delete(client);
      this.options.log.info('mqtt websocket closed: dashboard session ended', { user: identity.user, clientId: client.id });
      setImmediate(() => client.close());
      return null;
    }
    return identity;
  }
}
