/**
 * The agent's HTTP API (fastify). Each group of routes is a small module under routes/ that
 * registers itself on the app; this file owns the listening socket, the error shape and the
 * shutdown. Bound to the configured host (loopback by default). Access is by role (auth/guard.ts):
 * clerk, bank, investigator, admin.
 */
import Fastify, { type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ApiContext, RouteModule } from './api-context.js';
import { HttpError } from './http-error.js';
import { registerSessionRoutes } from './auth/session-routes.js';
import { allowedOriginSet, crossSiteRefusal } from './auth/origin-check.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerStatusRoutes } from './routes/status-routes.js';
import { registerAckRoutes } from './routes/ack-routes.js';
import { registerSnapshotRoutes } from './routes/snapshot-routes.js';
import { registerStreamRoutes } from './routes/stream-routes.js';
import { registerCameraRoutes } from './routes/camera-routes.js';
import { registerClipRoutes } from './routes/clip-routes.js';
import { registerZoneRoutes } from './routes/zone-routes.js';
import { registerHoldRoutes } from './routes/holds-routes.js';
import { registerExportRoutes } from './routes/export-routes.js';
import { registerOpenApiRoutes } from './routes/openapi-routes.js';

/**
 * Every route module guards its own routes with requireRole() (auth/guard.ts); only login and the
 * loopback status read are open, and the ATM kiosk routes check their own read-only token.
 */
const ROUTES: readonly RouteModule[] = [
  registerSessionRoutes, registerStatusRoutes, registerEventRoutes, registerStreamRoutes, registerAckRoutes, registerSnapshotRoutes,
  registerCameraRoutes, registerZoneRoutes, registerClipRoutes, registerHoldRoutes, registerExportRoutes, registerOpenApiRoutes,
  registerDashboardRoutes,
];

export interface BuildOptions {
  /** Called for every route as it is registered (the access-control test lists them all this way). */
  readonly onRoute?: (route: RouteOptions) => void;
}

/** The app without a socket: tests drive it with app.inject(). */
export function buildApi(ctx: ApiContext, options: BuildOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    // fastify's own client errors (malformed JSON, unsupported media type, body too large).
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.message });
    }
    // The path without its query: kiosk routes carry their token there, and logs are kept for months.
    ctx.log.error('http request failed', { method: req.method, path: req.url.split('?')[0], err });
    return reply.code(500).send({ error: 'Internal Server Error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });
  // Before any route's own checks and before the body is read: a cross-site page gets nothing done.
  const allowedOrigins = allowedOriginSet(ctx.http?.allowedOrigins ?? []);
  app.addHook('onRequest', (req, _reply, done) => {
    const refusal = crossSiteRefusal(req, allowedOrigins);
    done(refusal === null ? undefined : new HttpError(403, refusal));
  });
  for (const register of ROUTES) register(app, ctx);
  return app;
}

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startApi(host: string, port: number, ctx: ApiContext): Promise<ApiServer> {
  const app = buildApi(ctx);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => {
      // Long-lived connections (a dashboard's keep-alive) must not hold shutdown open.
      closing ??= (async () => {
        app.server.closeAllConnections();
        await app.close();
      })();
      return closing;
    },
  };
}
