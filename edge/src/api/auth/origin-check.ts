/**
 * Cross-site request refusal for every state-changing request (anything but GET, HEAD, OPTIONS).
 * SameSite=Strict keeps the session cookie off requests from other *sites*, but another port of
 * the same host is the same site: a page served there (a router's admin page, a printer, any other
 * service on the store PC) could otherwise POST to the agent with the clerk's cookie attached. So a
 * browser request must come from the agent's own origin (scheme, host and port) or one configured
 * in `http.allowedOrigins`.
 *
 * A request with neither Origin nor Sec-Fetch-Site is not from a browser page (the CLI, curl, a
 * kiosk device's script): it goes on to the normal session or token checks.
 */
import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function normalised(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** scheme://host:port of the request as the client addressed it, or null without a Host header. */
function ownOrigin(req: FastifyRequest): string | null {
  const host = req.headers.host;
  return host ? normalised(`${req.protocol}://${host}`) : null;
}

/**
 * Why the request must be refused, or null when it may go on. `allowed` are origins from the
 * config, already in the form URL.origin gives.
 */
export function crossSiteRefusal(req: FastifyRequest, allowed: ReadonlySet<string>): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  const originHeader = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  let allowedOrigin = false;
  if (originHeader !== undefined) {
    const origin = normalised(originHeader);
    const own = ownOrigin(req);
    allowedOrigin = origin !== null && allowed.has(origin);
    if (!allowedOrigin && (origin === null || origin !== own)) {
      return `cross-origin request refused: Origin ${originHeader} is not this agent (${own ?? 'no Host header'}) nor in http.allowedOrigins`;
    }
  }
  // An allowed other origin is cross-site by the browser's account, so only its Origin vouches for it.
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none' && !allowedOrigin) {
    return `cross-origin request refused: Sec-Fetch-Site is ${String(fetchSite)}, only same-origin requests may change anything`;
  }
  return null;
}

/** The configured origins in the form compared against (URL.origin: lower case, default port dropped). */
export function allowedOriginSet(origins: readonly string[]): ReadonlySet<string> {
  return new Set(origins.map((o) => normalised(o)).filter((o): o is string => o !== null));
}
