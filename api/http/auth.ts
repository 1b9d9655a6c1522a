import type { Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as JwtStrategy } from 'passport-jwt';
import { fromClaims, hmacKey, TOKEN_ISSUER, type VerifiedToken } from '../../shared/auth/tokens.js';
import { CrossSiteRequestError, ForbiddenError, TokenExpiredError, UnauthenticatedError } from '../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Principal, Role } from '../../shared/types.js';
import { clientKey } from './client-address.js';
import { isChange, provesSameOrigin } from './csrf.js';
import { createRequestGuard, type Admitted, type RequestGuard } from './request-guard.js';
import type { VerifiedTokens } from './verified-tokens.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';

/**
 * Bearer tokens (API clients, agents, the CLI) and an httpOnly cookie (browsers: the
 * dashboard and bull-board, which cannot add a header to a page load) are both accepted.
 * Every authenticated request: a change sent with the cookie must come from this origin
 * (csrf.ts); a token this node verified before is taken from its memory of verified tokens
 * (verified-tokens.ts: its `exp` checked on every use) without passport, whose per-request
 * delegate was ~3 % of the API's CPU for nothing but handing the remembered token back; any
 * other is verified by one passport-jwt strategy (HS256 only, issuer `nox`) and remembered
 * until it expires (the profile showed passport → jsonwebtoken at ~10% of the API's CPU when
 * it ran per request); then the request is counted against its principal's rate
 * limit and a revoked token refused (request-guard.ts), remembered or not. The same guard admits Socket.IO handshakes, so both
 * share one bad-token memory and one token memory. Each app has its own Passport instance,
 * so several apps in one process (tests) do not share strategies.
 */
export const TOKEN_COOKIE = 'nox_token';

export interface PresentedToken {
  token: string;
  /** a cookie rides along on its own; a bearer header never does (CSRF) */
  via: 'bearer' | 'cookie';
}

/** The token of a request: `Authorization: Bearer` first, else the login cookie. */
export function presentedToken(req: Request): PresentedToken | undefined {
  const header = req.headers.authorization;
  if (header && /^bearer /i.test(header)) {
    const token = header.slice(7).trim();
    if (token) return { token, via: 'bearer' };
  }
  const cookie = (req as Request & { cookies?: Record<string, string> }).cookies?.[TOKEN_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

/** What authentication leaves for the handlers besides `res.locals.principal`. */
export function verifiedTokenOf(res: Response): VerifiedToken | undefined {
  return res.locals.token as VerifiedToken | undefined;
}

export interface Authenticator {
  /** 401 unless a valid, unrevoked token is present; 429 over the rate limit; sets `res.locals.principal` */
  authenticate: RequestHandler;
  /** the same checks, for the Socket.IO handshake */
  guard: RequestGuard;
}

export function createAuthenticator(ctx: NoxContext, secret: string, tailer?: StreamTailer): Authenticator {
  const guard = createRequestGuard(ctx, secret, tailer);
  const policy = `"api"; q=${ctx.config.rate_limit.max}; w=${guard.windowSeconds}`;

  const rateHeaders = (res: Response, admitted: Admitted): void => {
    // the IETF draft-8 RateLimit fields, as express-rate-limit gave them before
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `"api"; r=${admitted.remaining}; t=${admitted.resetSeconds}`);
  };

  const passport = new Passport();
  passport.use(rememberingJwtStrategy(secret, guard.tokens));
  /** passport-jwt's verdict (or the token memory's) as a NoxError: expired, or not valid */
  const failure = (err: unknown, info: unknown): Error => {
    if (err instanceof UnauthenticatedError) return err;
    if ((info as { name?: string } | undefined)?.name === 'TokenExpiredError') return new TokenExpiredError();
    return new UnauthenticatedError('The token is not valid', ERROR_CODE.invalidToken);
  };

  const authenticate: RequestHandler = (req, res, next) => {
    const presented = presentedToken(req);
    if (!presented) return next(new UnauthenticatedError());
    if (presented.via === 'cookie' && isChange(req.method) && !provesSameOrigin(req)) return next(new CrossSiteRequestError());
    const address = clientKey(req);
    try {
      guard.assertNotBlocked(address);
    } catch (err) {
      return next(err);
    }
    const settle = (admitted: Promise<Admitted>): void => {
      admitted.then((a) => {
        rateHeaders(res, a);
        res.locals.principal = a.verified.principal;
        res.locals.token = a.verified;
        next();
      }, next);
    };
    // a token this node verified before: passport's per-request machinery (a strategy
    // delegate and its closures) would only hand it back (see rememberingJwtStrategy)
    let remembered: VerifiedToken | undefined;
    try {
      remembered = guard.tokens.recall(presented.token);
    } catch (err) {
      return settle(guard.refuse(address, failure(err, undefined)).then((e) => Promise.reject(e)));
    }
    if (remembered) return settle(guard.admitVerified(remembered, address));
    (passport.authenticate('jwt', { session: false }, (err: unknown, verified: VerifiedToken | false, info: unknown) => {
      settle(verified ? guard.admitVerified(verified, address) : guard.refuse(address, failure(err, info)).then((e) => Promise.reject(e)));
    }) as RequestHandler)(req, res, next);
  };
  return { authenticate, guard };
}

/**
 * passport-jwt (HS256 only, issuer `nox`) that first consults the node's memory of verified
 * tokens: a remembered, unexpired token succeeds without its HMAC being checked again; any
 * other is verified by passport-jwt and, when good, remembered until it expires. One
 * strategy, one path for every request.
 */
function rememberingJwtStrategy(secret: string, tokens: VerifiedTokens): JwtStrategy {
  const tokenOf = (req: Request): string | null => presentedToken(req)?.token ?? null;
  class RememberingJwtStrategy extends JwtStrategy {
    override authenticate(req: Request, options?: unknown): void {
      const token = tokenOf(req);
      let remembered: VerifiedToken | undefined;
      try {
        remembered = token ? tokens.recall(token) : undefined;
      } catch {
        return this.fail({ name: 'TokenExpiredError' }, 401); // remembered, and expired since
      }
      if (remembered) return this.success(remembered);
      super.authenticate(req, options);
    }
  }
  return new RememberingJwtStrategy(
    {
      jwtFromRequest: tokenOf,
      secretOrKey: hmacKey(secret) as unknown as string, // a KeyObject (see hmacKey); passport-jwt hands it to jsonwebtoken as is
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      passReqToCallback: true,
    },
    (req: Request, payload: unknown, done: (err: unknown, user?: VerifiedToken | false) => void) => {
      try {
        const verified = fromClaims(payload);
        tokens.remember(tokenOf(req) as string, verified);
        done(null, verified);
      } catch (err) {
        done(err, false);
      }
    },
  );
}

/** 403 unless the authenticated principal has one of `roles`. */
export function requireRole(roles: readonly Role[]): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next(new UnauthenticatedError());
    if (!roles.includes(principal.role)) return next(new ForbiddenError(`This needs one of the roles: ${roles.join(', ')}`));
    next();
  };
}

/** Role sets used across the routes. */
export const ANY_ROLE: readonly Role[] = ['admin', 'operator', 'viewer', 'agent'];
export const PEOPLE: readonly Role[] = ['admin', 'operator', 'viewer'];
export const OPERATORS: readonly Role[] = ['admin', 'operator'];
export const ADMINS: readonly Role[] = ['admin'];
