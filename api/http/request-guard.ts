import type { VerifiedToken } from '../../shared/auth/tokens.js';
import { TokenRevokedError } from '../../shared/errors/auth-errors.js';
import { RateLimitedError } from '../../shared/errors/service-errors.js';
import { redisScript } from '../../shared/redis-script.js';
import { COUNT_HIT_LUA } from './window-count.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createBadTokenLimiter } from './bad-tokens.js';
import { createVerifiedTokens, type VerifiedTokens } from './verified-tokens.js';

/**
 * Admits a token for one authenticated request (HTTP, or a Socket.IO handshake), at the
 * cost of ONE Redis call: a Lua script that counts the request in its principal's
 * rate-limit window (`rate_limit.max` per `rate_limit.window_ms`, shared by every API node)
 * and, in the same call, says whether the token is revoked — its `jti` logged out, or, for
 * an agent, minted below the agent's current token epoch (shared/auth/revocation.ts), or
 * minted for a host whose host credential is revoked or gone (`hc`, docs/HOSTS.md). So
 * revocation is exact on every node at no extra round trip, and no cache can serve a
 * revoked token.
 *
 * (KEYS[2] the revoked-jti marker, KEYS[3] the agents' epochs, KEYS[4] the host credential's
 * record (KEYS[2] again when the token names none); ARGV[2] the agent id or '', ARGV[3] the
 * token's epoch, ARGV[4] '1' when the token names a host credential.)
 *
 * Before that, the token is verified in process (HMAC, remembered per token until it expires:
 * verified-tokens.ts); a token that fails, or turns out to be revoked, is counted against the
 * client's address (bad-tokens.ts).
 */
const GUARD = redisScript(`${COUNT_HIT_LUA}
local revoked = redis.call('EXISTS', KEYS[2])
if revoked == 0 and ARGV[2] ~= '' then
  local epoch = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
  if epoch > tonumber(ARGV[3]) then revoked = 1 end
end
if revoked == 0 and ARGV[4] == '1' then
  if redis.call('EXISTS', KEYS[4]) == 0 or redis.call('HEXISTS', KEYS[4], 'revokedAt') == 1 then revoked = 1 end
end
return {hits, ttl, revoked}
`);

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
}

export function createRequestGuard(ctx: NoxContext, secret: string): RequestGuard {
  const { redis, keys, config } = ctx;
  const badTokens = createBadTokenLimiter(ctx);
  const tokens = createVerifiedTokens(secret);
  const prefix = keys.rateLimit('api');
  const { max: limit, window_ms: windowMs } = config.rate_limit;

  const admitVerified = async (verified: VerifiedToken, address: string): Promise<Admitted> => {
      const { principal, jti, epoch, hostCredential } = verified;
      const counter = `${prefix}p:${principal.role}:${principal.sub}`;
      const revokedJti = keys.revokedToken(jti);
      const credential = hostCredential ? keys.hostCredential(hostCredential) : revokedJti;
      const [hits, ttl, revoked] = (await GUARD(redis, [counter, revokedJti, keys.agentTokenEpochs(), credential], [windowMs, principal.agentId ?? '', epoch, hostCredential ? '1' : ''])) as [number, number, number];
      if (revoked === 1) throw await badTokens.refuse(address, new TokenRevokedError());
      const resetSeconds = Math.max(1, Math.ceil(ttl / 1000));
      if (hits > limit) throw new RateLimitedError(resetSeconds);
      return { verified, limit, remaining: Math.max(0, limit - hits), resetSeconds };
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
  };
}
