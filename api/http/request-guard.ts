import type { VerifiedToken } from '../../shared/auth/tokens.js';
import { TokenRevokedError } from '../../shared/errors/auth-errors.js';
import { RateLimitedError } from '../../shared/errors/service-errors.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createBadTokenLimiter } from './bad-tokens.js';
import { createRateLease } from './rate-lease.js';
import { createRevocationMemory } from './revocation-memory.js';
import { createVerifiedTokens, type VerifiedTokens } from './verified-tokens.js';

/**
 * Admits a token for one authenticated request (HTTP, or a Socket.IO handshake), normally
 * without a Redis round trip: the principal's request is counted against its rate limit
 * (`rate_limit.max` per `rate_limit.window_ms`, shared by every API node) from a lease of
 * hits taken from Redis ahead of need (rate-lease.ts: never more than the limit across
 * nodes; a principal may be refused up to 1.5 leases per node early), and whether the token
 * is revoked is answered from memory kept within a bound of RECHECK_MS and updated by the
 * `auth.*` events (revocation-memory.ts).
 *
 * Before that, the token is verified in process (HMAC, remembered per token until it expires:
 * verified-tokens.ts); a token that fails, or turns out to be revoked, is counted against the
 * client's address (bad-tokens.ts).
 */
export interface Admitted {
  verified: VerifiedToken;
  /** the principal's limit per window, what is left of it, and seconds until the window resets */
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface RequestGuard {
  /** verifies, counts and checks `token` sent from `address` (a client key); throws 401 or 429 NoxErrors */
  admit(token: string, address: string): Promise<Admitted>;
  /** counts and checks a token verified elsewhere (passport-jwt, for HTTP requests) */
  admitVerified(verified: VerifiedToken, address: string): Promise<Admitted>;
  /** a token that failed verification elsewhere: counted against `address`; returns the error to throw */
  refuse(address: string, err: Error): Promise<Error>;
  /** the verified tokens this node remembers until they expire (verified-tokens.ts) */
  readonly tokens: VerifiedTokens;
  /** throws 429 while `address` is over its bad-token limit (answered from memory) */
  assertNotBlocked(address: string): void;
  readonly windowSeconds: number;
  /** stops following the event stream */
  close(): void;
}

export function createRequestGuard(ctx: NoxContext, secret: string, tailer?: StreamTailer): RequestGuard {
  const { redis, keys, config } = ctx;
  const badTokens = createBadTokenLimiter(ctx);
  const tokens = createVerifiedTokens(secret);
  const prefix = keys.rateLimit('api');
  const { max: limit, window_ms: windowMs } = config.rate_limit;
  const counts = createRateLease(redis, limit, windowMs);
  const revocations = createRevocationMemory(ctx, tailer);

  const admitVerified = async (verified: VerifiedToken, address: string): Promise<Admitted> => {
    const { principal } = verified;
    const [revoked, counted] = await Promise.all([revocations.isRevoked(verified), counts.hit(`${prefix}p:${principal.role}:${principal.sub}`)]);
    if (revoked) throw await badTokens.refuse(address, new TokenRevokedError());
    const resetSeconds = Math.max(1, Math.ceil(counted.resetMs / 1000));
    if (!counted.allowed) throw new RateLimitedError(resetSeconds);
    return { verified, limit, remaining: counted.remaining, resetSeconds };
  };

  return {
    windowSeconds: Math.ceil(windowMs / 1000),
    async admit(token, address) {
      badTokens.assertNotBlocked(address);
      let verified: VerifiedToken;
      try {
        verified = tokens.verify(token);
      } catch (err) {
        throw await badTokens.refuse(address, err as Error);
      }
      return admitVerified(verified, address);
    },
    admitVerified,
    refuse: (address, err) => badTokens.refuse(address, err),
    tokens,
    assertNotBlocked: (address) => badTokens.assertNotBlocked(address),
    close: () => revocations.close(),
  };
}
