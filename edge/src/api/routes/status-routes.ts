/**
 * GET /api/status: cameras, broker and agent state, as `mimamori status` shows it. Open to the
 * device itself (the CLI has no session); from elsewhere any logged-in role may read it. It holds
 * no images and no personal data.
 */
import type { FastifyInstance } from 'fastify';
import { fromLoopback, requireRole } from '../auth/guard.js';
import type { ApiContext } from '../api-context.js';

export function registerStatusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const anyRole = requireRole(ctx, 'clerk', 'bank', 'investigator');
  app.get('/api/status', {
    preHandler: (req, reply, done) => (fromLoopback(req) ? done() : anyRole.call(app, req, reply, done)),
  // The contract is wire/api/status.ts: agent.ts status() is typed as its AgentStatus. Route
  // tests give their own small status objects, so the context keeps it as unknown here.
  }, (): unknown => ctx.status());
}
