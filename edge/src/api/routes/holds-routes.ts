/**
 * Legal holds and the audit log over HTTP, for the dashboard:
 *
 * - `GET /api/holds?active=true|false`: holds, oldest first, as `mimamori hold list --json`.
 * - `POST /api/holds`: places a hold (201 with the hold). Body: caseNumber, officer, station,
 *   reason, from, to (ISO-8601 with offset), cameras (optional; absent or [] = every camera),
 *   expires (optional ISO-8601, null = until released).
 * - `POST /api/holds/:id/release`: body `{ reason? }`; 404 for an unknown hold, 409 when it was
 *   already released.
 * - `GET /api/audit?afterSeq=&limit=`: audit entries, oldest first, as `mimamori audit list --json`.
 * - `GET /api/audit/verify`: the chain verdict in the shape of `mimamori audit verify --json`, checked
 *   incrementally from the last intact verdict (the CLI always walks the whole chain).
 *
 * Access: investigators (who deal with police requests) and admins. The audit actor is always the
 * logged-in user, never a name from the body. Cameras must be cameras of this agent.
 */
import type { FastifyInstance } from 'fastify';
import { auditQuery, type AuditList, type AuditVerdict } from '../../wire/api/audit.js';
import { holdBody, holdIdParams, holdsQuery, releaseBody, type Hold, type HoldList } from '../../wire/api/holds.js';
import { auditJsonLine } from '../../wire/audit-json.js';
import { HoldRequestError, createHoldService, holdJson } from '../../evidence/holds.js';
import { HoldReleasedError, UnknownHoldError } from '../../store/store.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { knownCameraIds } from '../known-cameras.js';

/** The hold service's refusals are the caller's mistakes: a 400 naming the body field. */
function asHttpError(err: unknown): never {
  if (err instanceof HoldRequestError) throw new HttpError(400, err.problems.map((p) => `body.${p}`).join('; '));
  if (err instanceof UnknownHoldError) throw new HttpError(404, `no hold ${err.holdId}`);
  if (err instanceof HoldReleasedError) throw new HttpError(409, err.message.replace(/^holds\.release: /, ''));
  throw err;
}

export function registerHoldRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const guard = { preHandler: requireRole(ctx, 'investigator') };
  const service = () => {
    // Without running cameras (some API tests) a hold can still cover every camera, but no named one.
    const cameras = knownCameraIds(ctx);
    return createHoldService(ctx.store(), { cameras, log: ctx.log });
  };

  app.get('/api/holds', guard, (req): HoldList => {
    const q = parseRequest(holdsQuery, req.query, 'query');
    const now = Date.now();
    const holds = ctx.store().holds.list(q.active === undefined ? {} : { active: q.active === 'true', at: now });
    return holds.map((h) => holdJson(h, now));
  });

  app.post('/api/holds', guard, (req, reply) => {
    const body = parseRequest(holdBody, req.body, 'body');
    let hold;
    try {
      hold = service().create({ ...body, by: currentUser(req).username });
    } catch (err) {
      asHttpError(err);
    }
    const created: Hold = holdJson(hold, Date.now());
    return reply.code(201).send(created);
  });

  app.post('/api/holds/:id/release', guard, (req): Hold => {
    const { id } = parseRequest(holdIdParams, req.params, 'params');
    const body = parseRequest(releaseBody, req.body, 'body');
    let released;
    try {
      released = service().release(id, { by: currentUser(req).username, reason: body.reason ?? null });
    } catch (err) {
      asHttpError(err);
    }
    // Released footage may be what stands between a full disk and recording again.
    ctx.runRetention?.().catch((err: unknown) => ctx.log.error('retention run after hold release failed', { hold: id, err }));
    return holdJson(released, Date.now());
  });

  app.get('/api/audit', guard, (req): AuditList => {
    const q = parseRequest(auditQuery, req.query, 'query');
    return ctx.store().audit.list({ afterSeq: q.afterSeq, limit: q.limit }).map(auditJsonLine);
  });

  app.get('/api/audit/verify', guard, (): AuditVerdict => ctx.store().audit.verify());
}
