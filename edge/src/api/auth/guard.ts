/**
 * Role checks for API routes. Every route that is not explicitly public declares the roles that
 * may call it; admin may call everything. The check runs before the handler and before the body is
 * looked at, so an unauthorised caller learns nothing from validation errors either.
 */
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Role, UserRecord } from '../../store/store.js';
import { HttpError } from '../http-error.js';
import type { ApiContext } from '../server.js';

export const SESSION_COOKIE = 'mimamori_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireRole() for authorised requests. */
    user?: UserRecord;
  }
}

/**
 * The session token from the Cookie header, if any. Any request with headers: the embedded
 * broker reads it from the WebSocket upgrade too (cookies go to every port of the host).
 */
export function sessionToken(req: { readonly headers: { readonly cookie?: string | undefined } }): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) {
      const token = value.join('=');
      return /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : null;
    }
  }
  return null;
}

export function requireRole(ctx: ApiContext, ...roles: Role[]): preHandlerHookHandler {
  return (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const token = sessionToken(req);
    const session = token ? ctx.store().users.session(token) : null;
    if (!session) return done(new HttpError(401, 'log in first'));
    if (session.user.role !== 'admin' && !roles.includes(session.user.role)) {
      return done(new HttpError(403, `needs role ${roles.join(' or ')}`));
    }
    req.user = session.user;
    done();
  };
}

/** The authorised user of a guarded route (requireRole ran first). */
export function currentUser(req: FastifyRequest): UserRecord {
  if (!req.user) throw new Error('route is missing requireRole()');
  return req.user;
}

/** Loopback callers: the agent's own CLI (`mimamori status`) on the device itself. */
export function fromLoopback(req: FastifyRequest): boolean {
  const ip = req.socket.remoteAddress ?? '';
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}
