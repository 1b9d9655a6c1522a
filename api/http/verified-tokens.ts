import { verifyToken, type VerifiedToken } from '../../shared/auth/tokens.js';
import { TokenExpiredError } from '../../shared/errors/auth-errors.js';

/**
 * Verified tokens remembered until they expire, so a client that sends the same token on
 * every request pays for its HMAC and claim checks once, not per request. Only what the
 * signature proves is remembered (who the token speaks for, its `jti`, `exp` and epoch);
 * whether it has been revoked is NOT: request-guard.ts asks the node's revocation memory
 * (revocation-memory.ts) on every request, which answers from a verdict read from Redis at
 * most RECHECK_MS ago and marked by the revocation events as they arrive, so a remembered
 * token is refused within that bound of its revocation (at once on the node that revoked it).
 *
 * Keyed by the token itself (already in memory for the request; never logged or sent on).
 * A failing token is never remembered: each one is verified, and counted as bad
 * (bad-tokens.ts). At most MAX_REMEMBERED entries; past it, the expired go, then all.
 */
const MAX_REMEMBERED = 10_000;

export interface VerifiedTokens {
  /** the token's verified claims; throws the 401 NoxError `verifyToken` throws */
  verify(token: string): VerifiedToken;
  /** the remembered claims of a live token, or undefined (verify it); throws 401 once it has expired */
  recall(token: string): VerifiedToken | undefined;
  /** remembers claims verified elsewhere (passport-jwt, for HTTP requests) */
  remember(token: string, verified: VerifiedToken): void;
  readonly size: number;
}

export function createVerifiedTokens(secret: string, now: () => number = Date.now): VerifiedTokens {
  const known = new Map<string, VerifiedToken>();
  const live = (v: VerifiedToken): boolean => now() < v.exp * 1000;

  const recall = (token: string): VerifiedToken | undefined => {
    const hit = known.get(token);
    if (!hit) return undefined;
    if (live(hit)) return hit;
    known.delete(token);
    throw new TokenExpiredError();
  };
  const remember = (token: string, verified: VerifiedToken): void => {
    if (!live(verified)) throw new TokenExpiredError();
    if (known.size >= MAX_REMEMBERED) {
      for (const [t, v] of known) if (!live(v)) known.delete(t);
      if (known.size >= MAX_REMEMBERED) known.clear();
    }
    known.set(token, verified);
  };

  return {
    verify(token) {
      const hit = recall(token);
      if (hit) return hit;
      // throws for a forged, malformed or expired token (TokenExpiredError for the latter)
      const verified = verifyToken(secret, token);
      remember(token, verified);
      return verified;
    },
    recall,
    remember,
    get size() {
      return known.size;
    },
  };
}
