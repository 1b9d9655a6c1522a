import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { TokenExpiredError, UnauthenticatedError } from '../errors/auth-errors.js';
import { ERROR_CODE } from '../errors/codes.js';
import { ID_PATTERN } from '../ids.js';
import { ROLES, type Principal, type Role } from '../types.js';

/**
 * JWTs are HS256 with the secret from system-config.toml (or NOX_JWT_SECRET). Claims:
 * `sub` (user name or agent id), `role`, and for agents `agentId`. Verification checks
 * the algorithm explicitly so a token signed with `none` or RS256 is refused.
 */
const ISSUER = 'nox';

const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  role: z.enum(ROLES as [Role, ...Role[]]),
  agentId: z.string().regex(ID_PATTERN).optional(),
});

export interface SignOptions {
  /** e.g. `12h`, `30m`, or seconds */
  expiresIn: string | number;
}

/**
 * The HMAC key as a KeyObject, made once per secret. Given a string, jsonwebtoken first tries
 * to parse it as a PEM public/private key and only then falls back to a secret key: an
 * exception on every sign and verify (it was the largest single cost of an API request).
 */
const keyCache = new Map<string, KeyObject>();
export function hmacKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export function signToken(secret: string, principal: Principal, options: SignOptions): string {
  if (principal.role === 'agent' && !principal.agentId) throw new Error('an agent token needs agentId');
  const payload: Record<string, unknown> = { role: principal.role };
  if (principal.agentId) payload.agentId = principal.agentId;
  return jwt.sign(payload, hmacKey(secret), {
    algorithm: 'HS256',
    subject: principal.sub,
    issuer: ISSUER,
    expiresIn: options.expiresIn as jwt.SignOptions['expiresIn'],
  });
}

export function verifyToken(secret: string, token: string): Principal {
  let decoded: unknown;
  try {
    decoded = jwt.verify(token, hmacKey(secret), { algorithms: ['HS256'], issuer: ISSUER });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new TokenExpiredError();
    throw new UnauthenticatedError('The token is not valid', ERROR_CODE.invalidToken);
  }
  return principalFromClaims(decoded);
}

export function principalFromClaims(decoded: unknown): Principal {
  const parsed = claimsSchema.safeParse(decoded);
  if (!parsed.success) throw new UnauthenticatedError('The token carries no valid role', ERROR_CODE.invalidToken);
  const { sub, role, agentId } = parsed.data;
  if (role === 'agent' && !agentId) throw new UnauthenticatedError('An agent token needs agentId', ERROR_CODE.invalidToken);
  return agentId ? { sub, role, agentId } : { sub, role };
}

/** seconds until expiry encoded in a signed token */
export function tokenExpiry(token: string): number | undefined {
  const decoded = jwt.decode(token) as { exp?: number } | null;
  return decoded?.exp;
}
