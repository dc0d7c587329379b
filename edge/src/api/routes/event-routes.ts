/**
 * GET /api/events: stored events, newest first, filtered by camera, behaviour, severity and whether
 * someone has acknowledged them, each with its first ack (who, when). Banks see only
 * what happens at their ATMs; store staff and investigators see every behaviour.
 */
import type { FastifyInstance } from 'fastify';
import { eventQuery, type EventList } from '../../wire/api/events.js';
import { eventJsonLine } from '../../wire/event-json.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/events', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, (req): EventList => {
    const q = parseRequest(eventQuery, req.query, 'query');
    const bank = currentUser(req).role === 'bank';
    if (bank && q.behaviour !== undefined && q.behaviour !== 'phone_at_atm') return [];
    return ctx.store()
      .events.list({
        camera: q.camera, behaviour: bank ? 'phone_at_atm' : q.behaviour, severity: q.severity, acknowledged: q.acknowledged, limit: q.limit,
      })
      .map((e) => {
        const ack = ctx.store().acks.forEvent(e.id)[0];
        return {
          ...eventJsonLine(e), phone: e.phone, snapshot: e.snapshotPath !== null,
          ack: ack ? { by: ack.by, at: new Date(ack.ackedAt).toISOString() } : null,
        };
      });
  });
}
