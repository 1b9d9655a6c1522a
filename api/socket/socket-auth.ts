import type { Socket } from 'socket.io';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { coerceError } from '../../shared/errors/coerce-error.js';
import { TOKEN_COOKIE, type PresentedToken } from '../http/auth.js';
import { handshakeClientKey } from '../http/client-address.js';
import { originOf } from '../http/csrf.js';
import type { RequestGuard } from '../http/request-guard.js';

/**
 * The Socket.IO handshake gets the checks of an HTTP request (api/http/auth.ts): a token in
 * `auth.token` or the login cookie; verified, counted against the principal's rate limit
 * and checked for revocation in one Redis call; bad tokens counted per client address.
 *
 * A handshake that rides on the cookie must not come from another origin (cross-site
 * WebSocket hijacking: a page elsewhere opening the feed with the person's cookie). Browsers
 * always send `Origin` on a WebSocket handshake and on a cross-origin poll, so a present
 * `Origin` must be this server's; none means a same-origin poll or not a browser.
 *
 * A refusal reaches the client as `connect_error` with `data: {code}` (and `retryAfter` on 429).
 */
type Next = (err?: Error) => void;

export function handshakeToken(socket: Socket): PresentedToken | undefined {
  const auth = socket.handshake.auth as { token?: unknown };
  if (typeof auth.token === 'string' && auth.token) return { token: auth.token, via: 'bearer' };
  const cookie = socket.handshake.headers.cookie ?? '';
  const match = cookie.split(/;\s*/).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  return match ? { token: decoded(match.slice(TOKEN_COOKIE.length + 1)), via: 'cookie' } : undefined;
}

/** a malformed %-escape is a bad token to refuse, not an exception in the handshake */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function refusal(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { data: { code, ...extra } });
}

/** the origin the client connected to, as csrf.ts ownOrigin sees it for HTTP */
function ownOrigin(socket: Socket, trustProxy: number): string | undefined {
  const headers = socket.handshake.headers;
  const first = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v.split(',')[0]?.trim() : undefined);
  const proto = (trustProxy > 0 && first(headers['x-forwarded-proto'])) || (socket.handshake.secure ? 'https' : 'http');
  const host = (trustProxy > 0 && first(headers['x-forwarded-host'])) || headers.host;
  return host ? originOf(`${proto}://${host}`) : undefined;
}

export function socketAuthenticator(guard: RequestGuard, trustProxy: number): (socket: Socket, next: Next) => void {
  return (socket, next) => {
    const presented = handshakeToken(socket);
    if (!presented) return next(refusal(ERROR_CODE.unauthenticated, 'unauthenticated'));
    const origin = socket.handshake.headers.origin;
    if (presented.via === 'cookie' && origin !== undefined && originOf(origin) !== ownOrigin(socket, trustProxy)) {
      return next(refusal(ERROR_CODE.crossSiteRequest, 'cross-site handshake'));
    }
    const address = handshakeClientKey(socket.request.socket.remoteAddress, socket.handshake.headers, trustProxy);
    guard.admit(presented.token, address).then(
      (admitted) => {
        socket.data.principal = admitted.verified.principal;
        socket.data.token = admitted.verified;
        next();
      },
      (thrown: unknown) => {
        const err = coerceError(thrown);
        if (!isNoxError(err)) return next(refusal(ERROR_CODE.internal, 'handshake failed'));
        next(refusal(err.code, err.message, typeof err.extensions.retryAfter === 'number' ? { retryAfter: err.extensions.retryAfter } : {}));
      },
    );
  };
}
