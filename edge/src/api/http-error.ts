/**
 * The one error shape of the HTTP API: a status code and a message meant for the caller. Anything
 * else thrown by a route is an internal fault: the client sees only "Internal Server Error" and the
 * log keeps the detail.
 */
import type { z } from 'zod';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Validates untrusted request input (query, params, body) with a zod schema; a failure is a 400
 * naming each bad field, e.g. `query.limit: must be a whole number from 1 to 1000`.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'query' | 'params' | 'body'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${where}.${issue.path.map(String).join('.')}` : where;
    return `${path}: ${issue.message}`;
  });
  throw new HttpError(400, problems.join('; '));
}
