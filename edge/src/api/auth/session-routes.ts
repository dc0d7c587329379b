/**
 * Login, logout and "who am I". A session is a random token in an HttpOnly, SameSite=Strict cookie;
 * the store keeps only its hash. Failed logins answer the same way for an unknown user and a wrong
 * password, after the same scrypt work, so the answer does not tell which names exist. Guessing and
 * floods are braked by login-throttle.ts: 429 with Retry-After, without hashing.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loginBody, type LoggedOut, type Session } from '../../wire/api/sessions.js';
import type { SessionRecord } from '../../store/store.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { loginLimitsSchema } from '../../config/schema.js';
import { hashPassword, verifyPassword } from '../../auth/password.js';
import { LoginThrottle } from './login-throttle.js';
import { SESSION_COOKIE, sessionToken } from '../../auth/session-cookie.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000; // one shift

// Spent on unknown users so their failed login costs the same time as a wrong password.
const decoy = hashPassword('decoy-password-never-matches');

function setCookie(reply: FastifyReply, token: string, maxAgeSeconds: number, secure: boolean): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`);
}

/** Refused-as-throttled logins are counted and logged at most this often: a flood must not flood the log. */
const THROTTLE_LOG_MS = 60_000;

export function registerSessionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const throttle = new LoginThrottle(ctx.http?.login ?? loginLimitsSchema.parse({}));
  let throttled = 0;
  let throttleLoggedAt = 0;

  app.post('/api/login', async (req, reply): Promise<Session> => {
    const body = parseRequest(loginBody, req.body, 'body');
    const users = ctx.store().users;
    const refusal = throttle.begin(body.username, req.ip);
    if (refusal) {
      throttled += 1;
      if (Date.now() - throttleLoggedAt >= THROTTLE_LOG_MS) {
        ctx.log.warn('logins throttled', { refused: throttled, last: { reason: refusal.reason, username: body.username, ip: req.ip } });
        [throttled, throttleLoggedAt] = [0, Date.now()];
      }
      reply.header('retry-after', String(refusal.retryAfterSeconds));
      throw new HttpError(429, refusal.reason === 'busy'
        ? 'another login is being checked; try again in a moment'
        : `too many wrong logins; try again in ${refusal.retryAfterSeconds} s`);
    }
    let found;
    let ok: boolean;
    try {
      found = users.credentials(body.username);
      ok = await verifyPassword(body.password, found?.passwordHash ?? (await decoy));
    } finally {
      throttle.release();
    }
    if (!found || !ok || found.user.disabledAt !== null) {
      const { userLocked, addressLocked } = throttle.failed(body.username, req.ip);
      ctx.log.warn('login refused', { username: body.username, ip: req.ip });
      if (userLocked) ctx.log.warn('login backoff started', { username: body.username, after: throttle.limits.userFailures });
      if (addressLocked) ctx.log.warn('login backoff started', { ip: req.ip, after: throttle.limits.addressFailures });
      throw new HttpError(401, 'wrong username or password');
    }
    throttle.succeeded(body.username);
    const token = randomBytes(32).toString('base64url');
    const session = users.createSession(found.user.id, token, SESSION_TTL_MS);
    setCookie(reply, token, Math.floor(SESSION_TTL_MS / 1000), req.protocol === 'https');
    ctx.log.info('login', { username: found.user.username, role: found.user.role, ip: req.ip });
    return sessionJson(session);
  });

  app.post('/api/logout', (req, reply): LoggedOut => {
    const token = sessionToken(req);
    if (token) ctx.store().users.endSession(token);
    setCookie(reply, '', 0, req.protocol === 'https');
    return { ok: true };
  });

  app.get('/api/session', (req): Session => {
    const token = sessionToken(req);
    const session = token ? ctx.store().users.session(token) : null;
    if (!session) throw new HttpError(401, 'not logged in');
    return sessionJson(session);
  });
}

function sessionJson(session: SessionRecord): Session {
  return { username: session.user.username, role: session.user.role, expiresAt: new Date(session.expiresAt).toISOString() };
}
