/**
 * The contract (index.ts) as an OpenAPI 3.1 document, for `GET /api/openapi.json` and for tools
 * that generate clients or check traffic. Schemas are JSON Schema 2020-12 (OpenAPI 3.1's own
 * dialect) made by zod's z.toJSONSchema: requests as the caller sends them (defaults optional),
 * responses as the agent sends them.
 */
import { z } from 'zod';
import { SESSION_COOKIE } from '../../auth/session-cookie.js';
import { errorBody } from './error.js';
import { API_ROUTES, type Access, type RouteContract } from './index.js';
import type { OpenApiDocument } from './openapi-shape.js';

export type JsonSchema = z.core.JSONSchema.JSONSchema;

/** A schema of the contract as JSON Schema: what a caller sends (`input`) or what the agent answers (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, reused: 'inline', unrepresentable: 'throw' });
  return rest;
}

/** `/api/events/:id/ack` → `/api/events/{id}/ack`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** Who may call the route, in words (docs/api.md and each operation's description). */
export function accessText(access: Access): string {
  if (access === 'public') return 'anyone';
  if (access === 'session') return 'any logged-in user';
  if (access === 'kiosk') return "the ATM's kiosk token (`?token=`), never a session";
  if (access.roles.length === 1 && access.roles[0] === 'admin') return 'admin only';
  return `${access.roles.join(', ')} (and admin)`;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const binary = (type: string) => ({ [type]: { schema: { type: 'string', contentMediaType: type } } });

function parameters(route: RouteContract): Record<string, unknown>[] {
  const from = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return [];
    const object = jsonSchemaOf(schema, 'input');
    return Object.entries(object.properties ?? {}).map(([name, field]) => ({
      name, in: where, required: where === 'path' || (object.required?.includes(name) ?? false), schema: field,
    }));
  };
  return [...from(route.params, 'path'), ...from(route.query, 'query')];
}

function operation(route: RouteContract): Record<string, unknown> {
  const { response } = route;
  const content = 'json' in response
    ? { 'application/json': { schema: jsonSchemaOf(response.json, 'output') } }
    : 'events' in response
      ? { 'text/event-stream': { schema: jsonSchemaOf(response.events, 'output') } }
      : binary(response.file);
  const body = route.body === undefined
    ? {}
    : {
      requestBody: {
        // An empty body may be left out altogether (the routes read a missing body as {}).
        required: 'file' in route.body || (jsonSchemaOf(route.body, 'input').required?.length ?? 0) > 0,
        content: 'file' in route.body ? binary(route.body.file) : { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } },
      },
    };
  const params = parameters(route);
  return {
    tags: [route.tag],
    summary: route.summary,
    description: `Who may call it: ${accessText(route.access)}.${'events' in response ? ' Server-Sent Events: each `data:` line is one JSON message of the schema.' : ''}`,
    security: route.access === 'public' ? [] : [route.access === 'kiosk' ? { kiosk: [] } : { session: [] }],
    ...(typeof route.access === 'object' ? { 'x-roles': [...route.access.roles] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...body,
    responses: {
      [String(response.status)]: { description: 'Success', content },
      default: { description: 'A refusal or failure, its message naming the bad field', content: { 'application/json': { schema: ERROR_REF } } },
    },
  };
}

export function openApiDocument(version: string, routes: readonly RouteContract[] = API_ROUTES): OpenApiDocument {
  const paths: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const route of routes) (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mimamori agent API',
      version,
      description: 'The HTTP API of a Mimamori edge agent, as its dashboard uses it. JSON in and out; every refusal is `{ "error": "..." }`.',
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(errorBody, 'output') as Record<string, unknown> },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/login' },
        kiosk: { type: 'apiKey', in: 'query', name: 'token', description: 'An ATM kiosk token from `mimamori users kiosk-token`' },
      },
    },
  };
}
