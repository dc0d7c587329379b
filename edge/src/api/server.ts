/**
 * The agent's HTTP API (fastify). Each group of routes is a small module under routes/ that
 * registers itself on the app; this file owns the listening socket, the error shape and the
 * shutdown. Bound to the configured host (loopback by default). Access is by role (auth/guard.ts):
 * clerk, bank, investigator, admin.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { HttpError } from './http-error.js';
import { registerSessionRoutes } from './auth/session-routes.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerStatusRoutes } from './routes/status-routes.js';

/** What routes may use. The store is a getter: it is opened and closed by the agent, not here. */
export interface ApiContext {
  readonly log: Logger;
  readonly site: string;
  status(): unknown;
  store(): Store;
}

export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void;

/**
 * Every route module guards its own routes with requireRole() (auth/guard.ts); only login and the
 * loopback status read are open.
 */
const ROUTES: readonly RouteModule[] = [registerSessionRoutes, registerStatusRoutes, registerEventRoutes, registerDashboardRoutes];

/** The app without a socket: tests drive it with app.inject(). */
export function buildApi(ctx: ApiContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    // fastify's own client errors (malformed JSON, unsupported media type, body too large).
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.message });
    }
    ctx.log.error('http request failed', { method: req.method, path: req.url, err });
    return reply.code(500).send({ error: 'Internal Server Error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
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
