import { z } from 'zod';
import { loginLockout } from '../../shared/auth/login-lockout.js';
import { hashPassword, needsRehash, verifyPassword } from '../../shared/auth/passwords.js';
import { revokeToken } from '../../shared/auth/revocation.js';
import { signToken, verifyToken, type VerifiedToken } from '../../shared/auth/tokens.js';
import { AccountLockedError, CrossSiteRequestError, UnauthenticatedError } from '../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { Principal } from '../../shared/types.js';
import type { ApiDeps } from '../deps.js';
import { ANY_ROLE, presentedToken } from '../http/auth.js';
import { provesSameOrigin } from '../http/csrf.js';
import { clearLoginCookie, setLoginCookie } from '../http/login-cookie.js';
import { redisRateLimit } from '../http/rate-limit.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { User, UserDirectory } from '../users.js';

const loginBody = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
  })
  .strict();

const loginAnswer = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ name: z.string(), role: z.string() }),
});

const principalAnswer = z.object({ sub: z.string(), role: z.string(), agentId: z.string().optional() });

// Verifying against a real hash for unknown users keeps the timing the same either way;
// made on first use, as it costs what a login costs.
let decoyHash: Promise<string> | undefined;
const decoy = (): Promise<string> => (decoyHash ??= hashPassword('decoy-password-for-unknown-users'));

export function authRoutes(deps: ApiDeps, users: UserDirectory, secret: string): RouteSpec[] {
  const { ctx } = deps;
  const { config, redis, keys } = ctx;
  const loginLimit = redisRateLimit({
    redis,
    prefix: keys.rateLimit('login'),
    windowMs: config.rate_limit.window_ms,
    limit: config.rate_limit.login_max,
    key: 'ip',
  });
  const lockout = loginLockout(redis, keys, config.auth);

  /** a hash made at an older cost is replaced while the password is at hand (a failure only logs) */
  const upgradeHash = async (user: User, password: string, logger: Logger): Promise<void> => {
    const old = user.password_hash as string;
    if (!needsRehash(old) || !users.replaceHash) return;
    try {
      if (users.replaceHash(user.name, old, await hashPassword(password))) logger.info('password rehashed at the current cost', { username: user.name });
    } catch (err) {
      logger.warn('could not rehash the password', { username: user.name, ...errorFields(err) });
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      auditActor: (req) => (typeof req.body?.username === 'string' ? req.body.username.slice(0, 64) : undefined),
      summary: 'Log in with a user name and password; returns a JWT and sets an httpOnly cookie',
      tag: 'auth',
      auth: 'public',
      before: [loginLimit],
      body: loginBody,
      responses: { 200: { description: 'Logged in', schema: loginAnswer } },
      handler: async ({ body, logger }, req, res) => {
        const lockedMs = await lockout.lockedFor(body.username);
        if (lockedMs > 0) throw new AccountLockedError(Math.ceil(lockedMs / 1000));
        const user = users.find(body.username);
        // a user without a hash (none in the secrets file) cannot log in; the decoy keeps the timing
        const ok = user?.password_hash ? await verifyPassword(body.password, user.password_hash) : (await verifyPassword(body.password, await decoy()), false);
        if (!user || !ok) {
          const lockMs = await lockout.failed(body.username);
          logger.info('login refused', { username: body.username, ...(lockMs > 0 ? { lockedForMs: lockMs } : {}) });
          throw new UnauthenticatedError('Wrong user name or password', ERROR_CODE.invalidCredentials);
        }
        await lockout.succeeded(user.name);
        await upgradeHash(user, body.password, logger);
        const principal: Principal = { sub: user.name, role: user.role as Principal['role'] };
        const token = signToken(secret, principal, { expiresIn: config.auth.token_ttl });
        const { exp } = verifyToken(secret, token);
        setLoginCookie(req, res, token, exp);
        logger.info('login', { username: user.name, role: user.role });
        return { token, expiresAt: new Date(exp * 1000).toISOString(), user: { name: user.name, role: user.role } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Revoke the token presented (bearer or cookie) and clear the login cookie',
      tag: 'auth',
      auth: 'public',
      status: 204,
      handler: async (_input, req, res) => {
        const presented = presentedToken(req);
        // public, so that a session already expired still gets its cookie cleared; a cookie
        // logout is a change like any other (csrf.ts)
        if (presented?.via === 'cookie' && !provesSameOrigin(req)) throw new CrossSiteRequestError();
        const verified = presented ? verifiedOrNothing(secret, presented.token) : undefined;
        if (verified) await revokeToken(ctx, verified);
        clearLoginCookie(req, res);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: 'Who the token belongs to',
      tag: 'auth',
      auth: ANY_ROLE,
      responses: { 200: { description: 'The principal', schema: principalAnswer } },
      handler: async ({ principal }) => principal,
    }),
  ];
}

/** an expired, forged or malformed token has nothing to revoke */
function verifiedOrNothing(secret: string, token: string): VerifiedToken | undefined {
  try {
    return verifyToken(secret, token);
  } catch (err) {
    if (err instanceof UnauthenticatedError) return undefined;
    throw err;
  }
}
