/**
 * Role checks for API routes. Every route that is not explicitly public declares the roles that
 * may call it; admin may call everything. The check runs before the handler and before the body is
 * looked at, so an unauthorised caller learns nothing from validation errors either.
 */
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Role, UserRecord } from '../../store/store.js';
import { HttpError } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { sessionToken } from '../../auth/session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireRole() for authorised requests. */
    user?: UserRecord;
  }
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
