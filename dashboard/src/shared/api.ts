/**
 * The dashboard's one way to call the agent: JSON in and out, the session cookie sent by the
 * browser, and the agent's `{ error }` message surfaced as the Error's message. A 401 sends the
 * user to the login page and back here afterwards.
 */
import type { ErrorBody } from '../../../edge/src/wire/api/error.js';

export type { LoginBody, Session } from '../../../edge/src/wire/api/sessions.js';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (res.status === 401 && !path.startsWith('/api/login')) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  // Not every failure is the agent's own answer (a proxy's error page has no `error`).
  if (!res.ok) throw new ApiError(res.status, (data as Partial<ErrorBody> | null)?.error ?? res.statusText);
  return data as T;
}
