/**
 * GET /api/events: stored events, newest first, filtered by camera, behaviour, severity and whether
 * someone has acknowledged them, each with its first ack (who, when). Banks see only
 * what happens at their ATMs; store staff and investigators see every behaviour.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { eventJsonLine } from '../../wire/event-json.js';
import { BEHAVIOURS, SEVERITIES } from '../../pipeline/behaviours/types.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

const eventQuery = z
  .object({
    camera: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a camera id').optional(),
    behaviour: z.enum(BEHAVIOURS, { message: `must be one of ${BEHAVIOURS.join(', ')}` }).optional(),
    severity: z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` }).optional(),
    // A query string has no booleans: only the two words are accepted, never "1" or "yes".
    acknowledged: z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true').optional(),
    limit: z.coerce.number({ message: 'must be a whole number from 1 to 1000' })
      .int('must be a whole number from 1 to 1000').min(1, 'must be a whole number from 1 to 1000')
      .max(1000, 'must be a whole number from 1 to 1000').default(100),
  })
  .strict();

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/events', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, (req) => {
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
