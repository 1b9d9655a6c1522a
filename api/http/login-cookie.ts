import type { CookieOptions, Request, Response } from 'express';
import { TOKEN_COOKIE } from './auth.js';

/**
 * The login cookie: httpOnly (no script reads the token), SameSite=Strict, and `Secure`
 * whenever the request came over TLS — `req.secure`, which follows X-Forwarded-Proto
 * through `api.trust_proxy` hops, so a TLS-terminating proxy must be trusted for it.
 */
function options(req: Request): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' };
}

export function setLoginCookie(req: Request, res: Response, token: string, expSeconds: number): void {
  res.cookie(TOKEN_COOKIE, token, { ...options(req), maxAge: expSeconds * 1000 - Date.now() });
}

export function clearLoginCookie(req: Request, res: Response): void {
  res.clearCookie(TOKEN_COOKIE, options(req));
}
