import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { TokenExpiredError, UnauthenticatedError } from '../errors/auth-errors.js';
import { ERROR_CODE } from '../errors/codes.js';
import { HOST_CREDENTIAL_ID_PATTERN } from '../hosts/host-credential.js';
import { ID_PATTERN } from '../ids.js';
import { ROLES, type Principal, type Role } from '../types.js';

/**
 * JWTs are HS256 with the secret from the secrets file (or NOX_JWT_SECRET). Claims: `sub`
 * (user name or agent id), `role`, for agents `agentId`, and for revocation
 * (shared/auth/revocation.ts) `jti` (every token: logout revokes that one) and, on an
 * agent's tokens, `ep` — the agent's token epoch when it was minted (stopping or deleting the
 * agent raises the epoch, which revokes every token minted before) and, on an agent token the
 * API minted for a worker host that joined with a host credential, `hc` — that credential's
 * id (revoking the credential revokes the token: docs/HOSTS.md, "Joining a host").
 * Verification checks the
 * algorithm explicitly so a token signed with `none` or RS256 is refused; a token without
 * `jti` or `exp` is refused too (it could not be revoked, or would never end).
 */
export const TOKEN_ISSUER = 'nox';
const ISSUER = TOKEN_ISSUER;

/** 128 random bits, base64url: the form `jti` must have (it becomes part of a Redis key) */
const JTI_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  role: z.enum(ROLES as [Role, ...Role[]]),
  agentId: z.string().regex(ID_PATTERN).optional(),
  jti: z.string().regex(JTI_PATTERN),
  exp: z.number().int(),
  ep: z.number().int().min(0).optional(),
  hc: z.string().regex(HOST_CREDENTIAL_ID_PATTERN).optional(),
});

export interface SignOptions {
  /** e.g. `12h`, `30m`, or seconds */
  expiresIn: string | number;
  /** an agent token's epoch (shared/auth/revocation.ts agentTokenEpoch); default 0 */
  epoch?: number;
  /** an agent token minted for a host that joined with this host credential (its id) */
  hostCredential?: string;
}

/** A token that verified: who it speaks for, and what revocation needs to know about it. */
export interface VerifiedToken {
  principal: Principal;
  jti: string;
  /** expiry, epoch seconds */
  exp: number;
  /** an agent token's epoch (0 when it carries none) */
  epoch: number;
  /** the host credential whose host the token was minted for (revoked with it) */
  hostCredential?: string;
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
  if (principal.role === 'agent') payload.ep = options.epoch ?? 0;
  if (options.hostCredential) {
    if (principal.role !== 'agent') throw new Error('only an agent token is minted for a host');
    payload.hc = options.hostCredential;
  }
  return jwt.sign(payload, hmacKey(secret), {
    algorithm: 'HS256',
    subject: principal.sub,
    issuer: ISSUER,
    jwtid: randomBytes(16).toString('base64url'),
    expiresIn: options.expiresIn as jwt.SignOptions['expiresIn'],
  });
}

export function verifyToken(secret: string, token: string): VerifiedToken {
  let decoded: unknown;
  try {
    decoded = jwt.verify(token, hmacKey(secret), { algorithms: ['HS256'], issuer: ISSUER });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new TokenExpiredError();
    throw new UnauthenticatedError('The token is not valid', ERROR_CODE.invalidToken);
  }
  return fromClaims(decoded);
}

/**
 * A token this process holds for a reason other than its signature: a worker host without the
 * signing key compares a token presented on an agent's MCP endpoint with the one the API
 * gave it for that agent (workers/host-credential/agent-token-source.ts), then reads it here.
 * Checks expiry and claims as verifyToken does.
 */
export function readIssuedToken(token: string): VerifiedToken {
  const decoded = jwt.decode(token);
  const exp = (decoded as { exp?: unknown } | null)?.exp;
  if (typeof exp === 'number' && exp * 1000 <= Date.now()) throw new TokenExpiredError();
  return fromClaims(decoded);
}

/** The claims of a token whose signature verified → who it speaks for; throws 401 on bad claims. */
export function fromClaims(decoded: unknown): VerifiedToken {
  const parsed = claimsSchema.safeParse(decoded);
  if (!parsed.success) throw new UnauthenticatedError('The token carries no valid role, id or expiry', ERROR_CODE.invalidToken);
  const { sub, role, agentId, jti, exp, ep, hc } = parsed.data;
  if (role === 'agent' && !agentId) throw new UnauthenticatedError('An agent token needs agentId', ERROR_CODE.invalidToken);
  if (hc && role !== 'agent') throw new UnauthenticatedError('Only an agent token names a host credential', ERROR_CODE.invalidToken);
  return { principal: agentId ? { sub, role, agentId } : { sub, role }, jti, exp, epoch: ep ?? 0, ...(hc ? { hostCredential: hc } : {}) };
}
