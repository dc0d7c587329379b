/** GET /api/status: cameras, broker and agent state, as `mimamori status` shows it. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../server.js';

export function registerStatusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/status', () => ctx.status());
}
