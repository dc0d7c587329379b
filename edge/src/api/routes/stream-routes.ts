/**
 * Live updates for the dashboard's screens as Server-Sent Events (docs/dashboard.md says why SSE
 * rather than MQTT over WebSocket):
 *
 * - `GET /api/stream` for logged-in users, filtered by role: clerks get clerk alerts, acks, the
 *   relay signal and event steps; banks get ATM warnings, interlock advice and `phone_at_atm` event
 *   steps; investigators and admins everything.
 * - `GET /api/atm/:atmId/stream?token=…` for the ATM's kiosk page: that ATM's warnings only, with
 *   the read-only kiosk token of `mimamori users kiosk-token`. `GET /api/atm/:atmId/kiosk?token=…`
 *   answers whether a token is good, so a page whose stream was refused can tell a revoked token
 *   (show "not configured") from an agent that is restarting (keep retrying).
 *
 * Each stream starts with a `state` message (what is showing now, and the agent's clock) so a
 * screen that connects or reconnects catches up, then one JSON message per live update, and a
 * `ping` message every ~15 s: proxies see traffic, and the page, which cannot see SSE comments, can tell a dead link
 * from a quiet one. At each ping the session or kiosk token is checked again, so logging out,
 * disabling a user or revoking a token also ends their open streams.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../store/store.js';
import {
  atmParams, kioskQuery, type KioskCheck, type KioskState, type KioskStreamMessage, type StaffState, type StaffStreamMessage,
} from '../../wire/api/live.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { sessionToken } from '../../auth/session-cookie.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { LiveBus, LiveMessage, LiveState } from '../live/live-bus.js';
import type { RouteModule } from '../api-context.js';

export interface StreamRouteOptions {
  /** Time between pings (default 15 s). */
  readonly heartbeatMs?: number;
  /** A client this far behind (bytes not yet sent) is cut off; it reconnects and catches up. */
  readonly maxBufferedBytes?: number;
}

/** EventSource waits this long before reconnecting after a dropped connection. */
const RETRY_MS = 3000;

const CLERK_KINDS: ReadonlySet<LiveMessage['kind']> = new Set(['event', 'clerk_alert', 'ack', 'signal']);

/** Whether a role may see a live message; the same rule as the event list (banks: ATM matters only). */
export function visibleTo(role: Role, m: LiveMessage): boolean {
  switch (role) {
    case 'admin':
    case 'investigator':
      return true;
    case 'clerk':
      return CLERK_KINDS.has(m.kind);
    case 'bank':
      return m.kind === 'atm_warning' || m.kind === 'interlock' || (m.kind === 'event' && m.data.behaviour === 'phone_at_atm');
  }
}

/** The opening message for a role: the catch-up state it may see. */
export function stateFor(role: Role, s: LiveState, now: string): StaffState {
  const clerk = { clerkAlerts: s.clerkAlerts, signal: s.signal };
  const bank = { atmWarnings: s.atmWarnings, atmLanguages: s.atmLanguages };
  if (role === 'clerk') return { kind: 'state', role, now, ...clerk };
  if (role === 'bank') return { kind: 'state', role, now, ...bank };
  return { kind: 'state', role, now, ...clerk, ...bank };
}

interface StreamSpec {
  readonly bus: LiveBus;
  readonly first: StaffState | KioskState;
  readonly filter: (m: LiveMessage) => boolean;
  /** Re-checked at every ping; false ends the stream. */
  readonly stillAllowed: () => boolean;
}

export function streamRoutes(options: StreamRouteOptions = {}): RouteModule {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;

  return (app, ctx) => {
    /** Ends every open stream; run before the server closes so shutdown never waits on them. */
    const open = new Set<() => void>();
    app.addHook('preClose', (done) => {
      for (const end of [...open]) end();
      done();
    });

    const bus = (): LiveBus => {
      if (!ctx.live) throw new HttpError(503, 'live updates are not available');
      return ctx.live.bus;
    };

    const kioskAtm = (req: FastifyRequest): string => {
      const { atmId } = parseRequest(atmParams, req.params, 'params');
      const { token } = parseRequest(kioskQuery, req.query, 'query');
      if (ctx.store().users.kioskAtm(token) !== atmId) throw new HttpError(401, `query.token: not a kiosk token of ATM ${atmId}`);
      return atmId;
    };

    const stream = (req: FastifyRequest, reply: FastifyReply, spec: StreamSpec): void => {
      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      let ended = false;
      let unsubscribe = (): void => {};
      const allowed = (): boolean => {
        try {
          return spec.stillAllowed();
        } catch {
          return false; // the store is closing: the agent is stopping
        }
      };
      // Pings, and the re-check of the session or token (the callbacks run only after this setup).
      const timer = setInterval(() => {
        if (!allowed()) return end();
        send({ kind: 'ping', at: new Date().toISOString() });
      }, heartbeatMs);
      timer.unref();
      const send = (message: StaffStreamMessage | KioskStreamMessage, id?: number): void => {
        if (ended) return;
        if (res.writableLength > maxBufferedBytes) return end();
        res.write(`${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(message)}\n\n`);
      };
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        unsubscribe();
        open.delete(end);
        if (res.destroyed) return;
        res.end();
      };
      res.write(`retry: ${RETRY_MS}\n\n`);
      send(spec.first);
      unsubscribe = spec.bus.subscribe((m) => {
        if (spec.filter(m)) send({ ...m }, m.seq);
      });
      open.add(end);
      res.on('close', end);
      req.raw.on('close', end);
    };

    app.get('/api/stream', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, (req, reply) => {
      const live = bus();
      const user = currentUser(req);
      const token = sessionToken(req) ?? '';
      stream(req, reply, {
        bus: live,
        first: stateFor(user.role, live.state(), new Date().toISOString()),
        filter: (m) => visibleTo(user.role, m),
        stillAllowed: () => ctx.store().users.session(token)?.user.id === user.id,
      });
    });

    app.get('/api/atm/:atmId/kiosk', (req): KioskCheck => ({ atmId: kioskAtm(req), site: ctx.site }));

    app.get('/api/atm/:atmId/stream', (req, reply) => {
      const atmId = kioskAtm(req);
      const live = bus();
      const { token } = req.query as { token: string };
      const state = live.state();
      stream(req, reply, {
        bus: live,
        // `now` lets a kiosk whose clock drifts still take the warning down at the agent's `until`.
        first: { kind: 'state', atmId, now: new Date().toISOString(), warning: state.atmWarnings[atmId] ?? null, atmLanguages: state.atmLanguages },
        filter: (m) => m.kind === 'atm_warning' && m.atmId === atmId,
        stillAllowed: () => ctx.store().users.kioskAtm(token) === atmId,
      });
    });
  };
}

export const registerStreamRoutes: RouteModule = streamRoutes();
