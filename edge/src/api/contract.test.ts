/**
 * The API's contract (wire/api/index.ts) covers every route buildApi() registers, so a new route
 * cannot skip it; the OpenAPI document served at /api/openapi.json is built from it; and the
 * lists the wire spells out for the dashboard are the ones the agent runs with.
 */
import type { RouteOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectMatches } from '../../test/api-contract.js';
import { logInAs } from '../../test/api-session.js';
import { useTempStores } from '../../test/temp-store.js';
import { createLogger } from '../log/logger.js';
import { BEHAVIOURS as PIPELINE_BEHAVIOURS, SEVERITIES as PIPELINE_SEVERITIES } from '../pipeline/behaviours/types.js';
import { BEHAVIOURS as STORE_BEHAVIOURS, PHONE_STATES as STORE_PHONE_STATES, SEVERITIES as STORE_SEVERITIES } from '../store/validation.js';
import { ROLES as STORE_ROLES } from '../store/store.js';
import { BEHAVIOURS, PHONE_STATES, SEVERITIES } from '../wire/api/events.js';
import { API_ROUTES, routeContract } from '../wire/api/index.js';
import { jsonSchemaOf, openApiPath } from '../wire/api/openapi.js';
import { openApiDocumentShape } from '../wire/api/openapi-shape.js';
import { ROLES } from '../wire/api/sessions.js';
import { buildApi } from './server.js';

const newStore = useTempStores('mimamori-contract-');

function app(onRoute?: (route: RouteOptions) => void) {
  const store = newStore();
  const api = buildApi({ log: createLogger('http', { write: () => undefined }), site: 'store-001', status: () => ({}), store: () => store }, { onRoute });
  return { api, store };
}

describe('API contract', () => {
  it('has an entry for every /api route registered, and none for a route that is not', async () => {
    const registered: string[] = [];
    const { api } = app((r) => {
      for (const method of [r.method].flat()) if (r.url.startsWith('/api/') && method !== 'HEAD') registered.push(`${method} ${r.url}`);
    });
    await api.ready();
    const missing = registered.filter((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return routeContract(method, path) === undefined;
    });
    expect(missing, 'routes without a contract: add them to edge/src/wire/api/index.ts').toEqual([]);
    const stale = API_ROUTES.map((r) => `${r.method} ${r.path}`).filter((key) => !registered.includes(key));
    expect(stale, 'contract entries for routes that are not registered').toEqual([]);
    expect(new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(API_ROUTES.length);
    expect(registered.length).toBeGreaterThan(20);
    await api.close();
  });

  it('serves itself as an OpenAPI 3.1 document to logged-in users, every route with its schemas', async () => {
    const { api, store } = app();
    expect((await api.inject({ url: '/api/openapi.json', remoteAddress: '192.168.1.20' })).statusCode).toBe(401);
    const res = await api.inject({ url: '/api/openapi.json', headers: { cookie: await logInAs(api, store, 'bank') } });
    expect(res.statusCode).toBe(200);
    const doc = expectMatches(openApiDocumentShape, res);
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    const operations = Object.values(doc.paths).flatMap((p) => Object.keys(p));
    expect(operations).toHaveLength(API_ROUTES.length);

    const events = doc.paths['/api/events/{id}/ack']?.post as {
      parameters: { name: string; in: string; required: boolean }[]; security: unknown; 'x-roles': string[];
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
    };
    expect(events.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(events['x-roles']).toEqual(['clerk']);
    expect(events.security).toEqual([{ session: [] }]);
    const ack = routeContract('POST', '/api/events/:id/ack')!.response;
    expect(events.responses['200']!.content['application/json']!.schema).toEqual('json' in ack && jsonSchemaOf(ack.json, 'output'));
    expect(events.responses.default!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });

    const list = doc.paths['/api/events']?.get as { parameters: { name: string; required: boolean; schema: { default?: unknown } }[] };
    expect(list.parameters.map((p) => [p.name, p.required])).toEqual([
      ['camera', false], ['behaviour', false], ['severity', false], ['acknowledged', false], ['limit', false],
    ]);
    expect(list.parameters.at(-1)!.schema.default).toBe(100);
    expect((doc.paths['/api/login']?.post as { security: unknown }).security).toEqual([]);
    expect(Object.keys((doc.paths['/api/stream']?.get as { responses: Record<string, { content: object }> }).responses['200']!.content)).toEqual(['text/event-stream']);
    expect(Object.keys(doc.paths)).toContain(openApiPath('/api/exports/:name/download'));
    await api.close();
  });

  it('renders every request and response schema as JSON Schema: nothing the contract says is lost', () => {
    for (const route of API_ROUTES) {
      const schemas = [route.params, route.query, route.body && !('file' in route.body) ? route.body : undefined].filter((s) => s !== undefined);
      for (const s of schemas) expect(() => jsonSchemaOf(s as z.ZodType, 'input'), `${route.method} ${route.path}`).not.toThrow();
      const { response } = route;
      if ('json' in response) expect(jsonSchemaOf(response.json, 'output'), `${route.method} ${route.path}`).not.toEqual({});
    }
  });

  it('spells out the same roles, behaviours, severities and phone states the store and the pipeline use', () => {
    expect(ROLES).toEqual(STORE_ROLES);
    expect(BEHAVIOURS).toEqual(STORE_BEHAVIOURS);
    expect(BEHAVIOURS).toEqual(PIPELINE_BEHAVIOURS);
    expect(SEVERITIES).toEqual(STORE_SEVERITIES);
    expect(SEVERITIES).toEqual(PIPELINE_SEVERITIES);
    expect(PHONE_STATES).toEqual(STORE_PHONE_STATES);
  });
});
