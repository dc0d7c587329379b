/**
 * Serves the built dashboard (dist/dashboard, made by `npm run build`): each screen is one page,
 * `/login` → login.html, `/clerk` → clerk.html, `/atm/<atmId>` → atm.html, `/` → index.html.
 * Pages are public files (no data in them); every piece of data they show comes from a guarded
 * API route. A missing build is a clear 503, not a bare 404.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ifExistsSync } from '../../store/if-exists.js';
import { HttpError } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

// An unreadable build is an error to fix, not a "dashboard not built" to rebuild over.
const exists = (path: string): boolean => ifExistsSync(path, (p) => statSync(p)) !== null;

/** dist/dashboard beside the package.json this module belongs to (works from src via tsx and from dist). */
export function dashboardRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!exists(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, 'dist', 'dashboard');
}

/** Path parameters of page routes that take one (`/atm/:atmId`); validated by the page's API calls. */
const PAGE_ROUTES: Record<string, string> = { atm: '/atm/:atmId' };

export function registerDashboardRoutes(app: FastifyInstance, ctx: ApiContext, root = dashboardRoot()): void {
  if (!exists(join(root, 'index.html')) && !exists(join(root, 'login.html'))) {
    ctx.log.warn('dashboard not built; run npm run build', { root });
    app.get('/', () => {
      throw new HttpError(503, 'dashboard not built: run npm run build');
    });
    return;
  }
  void app.register(fastifyStatic, { root, prefix: '/', index: false, wildcard: false, serve: true, decorateReply: true });
  for (const file of readdirSync(root).filter((f) => f.endsWith('.html'))) {
    const page = file.slice(0, -'.html'.length);
    const url = page === 'index' ? '/' : PAGE_ROUTES[page] ?? `/${page}`;
    app.get(url, (_req, reply) => reply.header('content-security-policy', CSP).sendFile(file));
  }
}

// Same-origin scripts, styles and API calls only; media for the clerk's alert sound and snapshots.
const CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
