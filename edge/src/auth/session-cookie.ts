/**
 * The dashboard's session cookie, read by both doors that take it: the HTTP API and the embedded
 * broker's WebSocket upgrade (cookies go to every port of the host).
 */
export const SESSION_COOKIE = 'mimamori_session';

/**
 * The session token from the Cookie header, if any. Any request with headers: the embedded
 * broker reads it from the WebSocket upgrade too (cookies go to every port of the host).
 */
export function sessionToken(req: { readonly headers: { readonly cookie?: string | undefined } }): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) {
      const token = value.join('=');
      return /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : null;
    }
  }
  return null;
}
