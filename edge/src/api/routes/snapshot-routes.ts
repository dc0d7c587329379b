/**
 * `GET /api/events/:id/snapshot`: the JPEG stored for an event (the frame that started or
 * escalated it, with the person's box drawn), for the clerk's alert screen and investigators.
 * Banks see snapshots of `phone_at_atm` events only, as with the event list. Every view is an
 * entry in the hash-chained audit log (`snapshot.view`): a picture of a customer is personal
 * data, and who looked at it, and when, must be answerable. The entry is written before the
 * picture is sent; if it cannot be written the picture is not sent.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { eventIdParams } from '../../wire/api/events.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

export const SNAPSHOT_VIEW = 'snapshot.view';

export function registerSnapshotRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/events/:id/snapshot', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, async (req, reply) => {
    const { id } = parseRequest(eventIdParams, req.params, 'params');
    const user = currentUser(req);
    const store = ctx.store();
    const event = store.events.get(id);
    if (!event) throw new HttpError(404, `no event ${id}`);
    if (user.role === 'bank' && event.behaviour !== 'phone_at_atm') throw new HttpError(403, 'banks may see snapshots of phone_at_atm events only');
    if (!event.snapshotPath) throw new HttpError(404, `event ${id} has no snapshot`);
    let jpeg: Buffer;
    try {
      jpeg = await readFile(store.resolve(event.snapshotPath));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpError(404, `event ${id}: its snapshot file is gone`);
      throw err;
    }
    store.audit.append({
      actor: user.username,
      action: SNAPSHOT_VIEW,
      subject: id,
      details: { role: user.role, camera: event.camera, behaviour: event.behaviour, snapshot: event.snapshotPath },
    });
    return reply.type('image/jpeg').header('x-content-type-options', 'nosniff').send(jpeg);
  });
}
