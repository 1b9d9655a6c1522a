import type { Request, RequestHandler } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { hmacKey, principalFromClaims } from '../../shared/auth/tokens.js';
import { ForbiddenError, TokenExpiredError, UnauthenticatedError } from '../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import type { Principal, Role } from '../../shared/types.js';

/**
 * Bearer tokens (API clients, agents, the CLI) and an httpOnly cookie (browsers: the
 * dashboard and bull-board, which cannot add a header to a page load) are both accepted,
 * verified by passport-jwt with HS256 only. Each app gets its own Passport instance so
 * several apps in one process (tests) do not share strategies.
 */
export const TOKEN_COOKIE = 'nox_token';

const fromCookie = (req: Request): string | null => {
  const cookies = (req as Request & { cookies?: Record<string, string> }).cookies;
  return cookies?.[TOKEN_COOKIE] ?? null;
};

export interface Authenticator {
  /** 401 unless a valid token is present; sets `res.locals.principal` */
  authenticate: RequestHandler;
}

export function createAuthenticator(secret: string): Authenticator {
  const passport = new Passport();
  passport.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), fromCookie]),
        secretOrKey: hmacKey(secret) as unknown as string, // a KeyObject (see hmacKey); passport-jwt hands it to jsonwebtoken as is
        algorithms: ['HS256'],
        issuer: 'nox',
      },
      (payload: unknown, done: (err: unknown, user?: Principal | false) => void) => {
        try {
          done(null, principalFromClaims(payload));
        } catch (err) {
          done(err, false);
        }
      },
    ),
  );
  const init = passport.initialize();

  const authenticate: RequestHandler = (req, res, next) => {
    init(req, res, () => {
      passport.authenticate('jwt', { session: false }, (err: unknown, user: Principal | false, info: unknown) => {
        if (err) return next(err instanceof UnauthenticatedError ? err : new UnauthenticatedError('The token is not valid', ERROR_CODE.invalidToken));
        if (!user) {
          const name = (info as { name?: string } | undefined)?.name;
          if (name === 'TokenExpiredError') return next(new TokenExpiredError());
          const missing = info instanceof Error && /No auth token/i.test(info.message);
          return next(missing ? new UnauthenticatedError() : new UnauthenticatedError('The token is not valid', ERROR_CODE.invalidToken));
        }
        res.locals.principal = user;
        next();
      })(req, res, next);
    });
  };
  return { authenticate };
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
