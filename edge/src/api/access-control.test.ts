/**
 * The access-control matrix: every route buildApi() registers (listed by fastify's onRoute hook,
 * so a new route cannot be forgotten), tried by each role and without a session, each time also
 * with a foreign Origin, against the one table below of who may call what. A route missing from
 * the table fails the test: a new route must be classified here.
 *
 * Ids in the paths name nothing that exists, so an accepted request ends in a 400/404/409/415/503
 * of the route itself and changes nothing; what is checked is that access control let it through
 * (neither 401 nor 403, and never a 500).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInAs } from '../../test/api-session.js';
import { useTempStores } from '../../test/temp-store.js';
import { createLogger } from '../log/logger.js';
import type { Role, Store } from '../store/store.js';
import { API_ROUTES } from '../wire/api/index.js';
import { buildApi } from './server.js';

type Caller = 'none' | Role;
const CALLERS: readonly Caller[] = ['none', 'clerk', 'bank', 'investigator', 'admin'];
const FOREIGN_ORIGIN = 'http://127.0.0.1:8081';

/**
 * Who passes access control. `roles`: a session with one of these roles (admin always); `session`:
 * any logged-in role; `public`: anyone; `kiosk`: only an ATM kiosk token, never a session.
 */
type Access = { roles: readonly Role[] } | 'session' | 'public' | 'kiosk';

const STAFF = { roles: ['clerk', 'bank', 'investigator'] } as const;
const INVESTIGATORS = { roles: ['investigator'] } as const;

/** Every /api route, by method and path pattern. HEAD routes follow their GET. */
const TABLE: Record<string, Access> = {
  'POST /api/login': 'public',
  'POST /api/logout': 'public',
  'GET /api/session': 'session',
  // Open from the device itself (loopback); these requests come from the network.
  'GET /api/status': 'session',
  'GET /api/events': STAFF,
  'GET /api/stream': STAFF,
  'GET /api/atm/:atmId/kiosk': 'kiosk',
  'GET /api/atm/:atmId/stream': 'kiosk',
  'POST /api/events/:id/ack': { roles: ['clerk'] },
  'GET /api/events/:id/snapshot': STAFF,
  'GET /api/events/:id/clip': STAFF,
  'GET /api/events/:id/clip.mp4': STAFF,
  'GET /api/cameras': STAFF,
  'GET /api/cameras/:id/live.jpg': { roles: ['clerk', 'bank'] },
  'PUT /api/cameras/:id/zones': { roles: ['admin'] },
  'GET /api/holds': INVESTIGATORS,
  'POST /api/holds': INVESTIGATORS,
  'POST /api/holds/:id/release': INVESTIGATORS,
  'GET /api/audit': INVESTIGATORS,
  'GET /api/audit/verify': INVESTIGATORS,
  'POST /api/holds/:id/exports': INVESTIGATORS,
  'GET /api/exports': INVESTIGATORS,
  'GET /api/exports/:name/download': INVESTIGATORS,
  'POST /api/verify': INVESTIGATORS,
  'POST /api/verify/bundle': INVESTIGATORS,
  'GET /api/openapi.json': 'session',
};

/** Dashboard pages and their assets (whatever dist/dashboard holds): public files, no data. */
const isPage = (method: string, url: string): boolean => !url.startsWith('/api/') && (method === 'GET' || method === 'HEAD');

const PARAMS: Record<string, string> = { id: '0190b1a0-0000-7000-8000-000000000000', name: 'no-such-export.zip', atmId: 'atm1' };
const KIOSK_QUERY = `?token=${'x'.repeat(43)}`;

interface Route { method: string; url: string }

function accessOf(route: Route): Access | undefined {
  if (isPage(route.method, route.url)) return 'public';
  return TABLE[`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`];
}

/** 'pass' or the exact refusal expected from `caller` without a foreign Origin. */
function expected(access: Access, caller: Caller): 'pass' | 401 | 403 {
  if (access === 'public') return 'pass';
  if (access === 'kiosk') return 401;
  if (caller === 'none') return 401;
  if (access === 'session' || caller === 'admin') return 'pass';
  return access.roles.includes(caller) ? 'pass' : 403;
}

const STATE_CHANGING = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method);

const newStore = useTempStores('mimamori-acl-');

describe('access-control matrix', () => {

  let app: FastifyInstance;
  let store: Store;
  const routes: Route[] = [];
  const cookies = new Map<Caller, string>();

  beforeAll(async () => {
    store = newStore();
    const onRoute = (r: RouteOptions): void => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    };
    app = buildApi({
      log: createLogger('http', { write: () => undefined }), site: 'store-001', status: () => ({ ok: true }), store: () => store,
      configuredCameras: ['atm1'],
    }, { onRoute });
    await app.ready();
    for (const role of CALLERS) if (role !== 'none') cookies.set(role, await logInAs(app, store, role));
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses or accepts every route for every role exactly as the table says, and refuses a foreign Origin on every state change', async () => {
    const unclassified = routes.filter((r) => accessOf(r) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(unclassified, 'routes missing from the access table: classify them').toEqual([]);
    const stale = Object.keys(TABLE).filter((k) => !routes.some((r) => `${r.method} ${r.url}` === k));
    expect(stale, 'table entries for routes that no longer exist').toEqual([]);

    // Logout ends the session it is sent with: it goes last, so every other route sees live sessions.
    const ordered = [...routes].sort((a, b) => Number(a.url === '/api/logout') - Number(b.url === '/api/logout'));
    const mismatches: string[] = [];
    let tried = 0;
    let refusedAsExpected = 0;
    let acceptedAsExpected = 0;
    const api = { requests: 0, refusedAsExpected: 0, crossOriginRefused: 0 };
    for (const route of ordered) {
      const access = accessOf(route)!;
      const url = route.url.replace(/:(\w+)/g, (_m, p: string) => encodeURIComponent(PARAMS[p] ?? 'x')) + (access === 'kiosk' ? KIOSK_QUERY : '');
      // Foreign-Origin requests first: they must change nothing, so the plain request after still finds the session.
      for (const origin of [FOREIGN_ORIGIN, undefined]) {
        for (const caller of CALLERS) {
          const cookie = cookies.get(caller);
          const res = await app.inject({
            method: route.method as 'GET',
            url,
            remoteAddress: '192.168.1.20',
            headers: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}), ...(STATE_CHANGING(route.method) ? { 'content-type': 'application/json' } : {}) },
            ...(STATE_CHANGING(route.method) ? { payload: '{}' } : {}),
          });
          tried += 1;
          const isApi = route.url.startsWith('/api/');
          if (isApi) api.requests += 1;
          const crossSite = origin !== undefined && STATE_CHANGING(route.method);
          const want = crossSite ? 403 : expected(access, caller);
          const what = `${route.method} ${route.url} as ${caller}${origin ? ` from ${origin}` : ''}`;
          if (want === 'pass') {
            if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500 && res.statusCode !== 503) {
              mismatches.push(`${what}: expected to pass access control, got ${res.statusCode} ${res.body.slice(0, 120)}`);
            } else {
              acceptedAsExpected += 1;
            }
          } else if (res.statusCode !== want) {
            mismatches.push(`${what}: expected ${want}, got ${res.statusCode} ${res.body.slice(0, 120)}`);
          } else if (crossSite && !res.body.startsWith('{"error":"cross-origin request refused')) {
            mismatches.push(`${what}: refused, but not for its Origin: ${res.body.slice(0, 120)}`);
          } else {
            refusedAsExpected += 1;
            if (isApi) api.refusedAsExpected += 1;
            if (isApi && crossSite) api.crossOriginRefused += 1;
          }
        }
      }
    }
    const apiRoutes = routes.filter((r) => r.url.startsWith('/api/')).length;
    // The figures for docs/reliability.md (page routes vary with what dist/dashboard holds).
    console.log(JSON.stringify({
      accessMatrix: {
        routes: routes.length, apiRoutes, pageRoutes: routes.length - apiRoutes, callers: CALLERS.length, originVariants: 2,
        requests: tried, refusedAsExpected, acceptedAsExpected, mismatches: mismatches.length, api,
      },
    }));
    for (const m of mismatches) console.log(m);
    expect(mismatches).toEqual([]);
    expect(refusedAsExpected + acceptedAsExpected).toBe(tried);
    expect(refusedAsExpected).toBeGreaterThan(0);
  });
});

describe('the API contract', () => {
  it('gives each route the access this table does, so /api/openapi.json and docs/api.md tell the truth', () => {
    const contract = Object.fromEntries(API_ROUTES.map((r) => [`${r.method} ${r.path}`, r.access]));
    expect(contract).toEqual(TABLE);
  });
});
