/**
 * `POST /api/events/:id/ack`: a clerk taps "I'll handle it" on the dashboard. The ack is recorded
 * beside the event (source `dashboard`, by the logged-in user), the alert logic is told at once
 * (reminders stop, the relay and the interlock follow), and the ack is published on MQTT
 * (`mimamori/<site>/clerk/alerts/<eventId>/ack`, through the outbox) so other clerk devices see it.
 *
 * Recording first and publishing second means an ack counts even while the broker is down. The
 * agent's own AckListener receives the published ack back from the broker; it carries the same
 * event, name and time, and the ack repository stores an identical ack only once.
 */
import type { FastifyInstance } from 'fastify';
import { ackBody, eventIdParams, type AckResult } from '../../wire/api/events.js';
import { clerkAlertsTopic } from '../../alerts/alert-dispatcher.js';
import { rawMessage } from '../../mqtt/outbox-publisher.js';
import { formatTimestamp, UnknownEventError } from '../../store/store.js';
import { StoreWriteError } from '../../store/write-failure.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

export const ackTopic = (site: string, eventId: string): string => `${clerkAlertsTopic(site)}/${eventId}/ack`;

export function registerAckRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/events/:id/ack', { preHandler: requireRole(ctx, 'clerk') }, (req): AckResult => {
    const { id } = parseRequest(eventIdParams, req.params, 'params');
    parseRequest(ackBody, req.body, 'body');
    const live = ctx.live;
    if (!live) throw new HttpError(503, 'acknowledgements are not available: the alert service is not running');
    const by = currentUser(req).username;
    const store = ctx.store();
    const record = () => store.acks.record({ eventId: id, by, ackedAt: Date.now(), source: 'dashboard' });
    let ack;
    try {
      ack = ctx.writes ? ctx.writes.critical(`acks.record(${id})`, record) : record();
    } catch (err) {
      if (err instanceof UnknownEventError) throw new HttpError(404, `no event ${id}`);
      // Not recorded (disk full past the reserve, database locked): the clerk can tap again.
      if (err instanceof StoreWriteError) throw new HttpError(503, `acknowledgement not recorded: ${err.message}`);
      throw err;
    }
    // Raw, not a JSON payload: the outbox would add `seq`, which the ack format does not allow.
    // Published before the relay `off` and interlock `resume` it causes, so devices read the
    // reason first.
    live.enqueue(rawMessage(ackTopic(ctx.site, id), JSON.stringify({ by, at: formatTimestamp(ack.ackedAt) }), { qos: 1, retain: false }));
    live.acknowledged(id);
    ctx.log.info('event acknowledged', { event: id, by, source: 'dashboard' });
    return { eventId: id, by, ackedAt: new Date(ack.ackedAt).toISOString(), source: ack.source };
  });
}
