import type { Request } from 'express';

/**
 * Cross-site request forgery. The login cookie is SameSite=Strict, which keeps other *sites*
 * from sending it; but a sibling origin of the same site (another port, another subdomain,
 * a page served by an agent's tool) is the same site, and older browsers ignore SameSite.
 * So a change (POST, PUT, PATCH, DELETE) authenticated by the cookie must also prove it
 * comes from this origin: its `Origin` header (else its `Referer`) is the request's own
 * origin — scheme and host as the client saw them, through `api.trust_proxy` hops — or it
 * carries `X-Nox-Request: 1`, which a page of another origin cannot add without a CORS
 * preflight that this API never grants (the dashboard's fetch wrapper sends it).
 * A bearer token is never sent by a browser on its own, so bearer requests need neither.
 */
export const CSRF_HEADER = 'x-nox-request';
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isChange(method: string): boolean {
  return CHANGES.has(method);
}

/** `scheme://host[:port]` normalised as browsers send `Origin` (default ports dropped, lower case). */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The origin this request was sent to (`req.protocol` and `req.host` follow trust_proxy). */
export function ownOrigin(req: Request): string | undefined {
  return req.host ? originOf(`${req.protocol}://${req.host}`) : undefined;
}

/** true when a cookie-authenticated change may go ahead */
export function provesSameOrigin(req: Request): boolean {
  if (req.get(CSRF_HEADER) === '1') return true;
  const claimed = req.get('origin') ?? req.get('referer');
  if (!claimed) return false;
  const own = ownOrigin(req);
  return own !== undefined && originOf(claimed) === own;
}
