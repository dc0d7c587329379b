/**
 * The agent's local HTTP endpoint for health and events (the dashboard issue replaces it with the
 * full API). Read-only, JSON only, bound to the configured host (loopback by default). Errors say
 * what was wrong with the request and never carry a stack trace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';

export interface StatusRoutes {
  status(): unknown;
  events(query: URLSearchParams): unknown;
}

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startStatusServer(host: string, port: number, routes: StatusRoutes, log: Logger): Promise<StatusServer> {
  const server: Server = createServer((req, res) => handle(req, res, routes, log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, routes: StatusRoutes, log: Logger): void {
  const send = (code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  try {
    if (req.method !== 'GET') throw new HttpError(405, `method ${req.method ?? ''} not allowed`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/status') return send(200, routes.status());
    if (url.pathname === '/api/events') return send(200, routes.events(url.searchParams));
    throw new HttpError(404, `no route ${url.pathname}`);
  } catch (err) {
    if (err instanceof HttpError) return send(err.statusCode, { error: err.message });
    log.error('http request failed', { path: req.url, err });
    send(500, { error: 'Internal Server Error' });
  }
}
