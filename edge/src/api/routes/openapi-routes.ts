/**
 * `GET /api/openapi.json`: the API's contract (wire/api/index.ts) as an OpenAPI 3.1 document, for
 * client generators and integrators. For logged-in users only: it says nothing secret, but the
 * agent tells nobody on the network more about itself than a login page.
 */
import type { FastifyInstance } from 'fastify';
import { readPackageVersion } from '../../package/package-version.js';
import { openApiDocument } from '../../wire/api/openapi.js';
import type { OpenApiDocument } from '../../wire/api/openapi-shape.js';
import { requireRole } from '../auth/guard.js';
import type { ApiContext } from '../api-context.js';

export function registerOpenApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Built once, on first request: the contract does not change while the agent runs.
  let document: OpenApiDocument | null = null;
  app.get('/api/openapi.json', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, (): OpenApiDocument => {
    document ??= openApiDocument(readPackageVersion());
    return document;
  });
}
