import { RateLimitedError } from '../../shared/errors/service-errors.js';
import { redisScript } from '../../shared/redis-script.js';
import { COUNT_HIT_LUA } from './window-count.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Requests with a bad token (forged, expired, revoked) are counted per client address in
 * Redis, shared by every API node: past `rate_limit.bad_token_max` in a window the address
 * gets 429 for the rest of that window. Once a node has seen the address over its limit it
 * remembers so in memory and refuses it without verifying the token or asking Redis: a flood
 * of forged tokens costs one map lookup each. A good request costs nothing here (the count
 * is only taken when a token fails).
 *
 * Anyone else behind the same address (a NAT, or every client behind a proxy when
 * `api.trust_proxy` is 0) waits with it: the price of counting per address.
 */
const COUNT = redisScript(`${COUNT_HIT_LUA}
return {hits, ttl}
`);

/** addresses remembered as over the limit, at most; past it, the expired ones go, then all */
const MAX_REMEMBERED = 10_000;
const DETAIL = 'Too many requests with a bad token from your address; wait before trying again';

export interface BadTokenLimiter {
  /** throws 429 when this node knows the address is over its limit (no Redis call) */
  assertNotBlocked(address: string): void;
  /** counts one bad token; returns `failure` to throw, or a 429 once the address is over its limit */
  refuse(address: string, failure: Error): Promise<Error>;
}

export function createBadTokenLimiter(ctx: NoxContext): BadTokenLimiter {
  const { redis, keys, config } = ctx;
  const prefix = keys.rateLimit('bad-token');
  const max = config.rate_limit.bad_token_max;
  const windowMs = config.rate_limit.window_ms;
  const blockedUntil = new Map<string, number>();

  const remember = (address: string, until: number): void => {
    if (blockedUntil.size >= MAX_REMEMBERED) {
      const now = Date.now();
      for (const [a, t] of blockedUntil) if (t <= now) blockedUntil.delete(a);
      if (blockedUntil.size >= MAX_REMEMBERED) blockedUntil.clear(); // Redis still counts them
    }
    blockedUntil.set(address, until);
  };

  return {
    assertNotBlocked(address) {
      const until = blockedUntil.get(address);
      if (until === undefined) return;
      const left = until - Date.now();
      if (left > 0) throw new RateLimitedError(Math.ceil(left / 1000), DETAIL);
      blockedUntil.delete(address);
    },
    async refuse(address, failure) {
      const [hits, ttl] = (await COUNT(redis, [`${prefix}${address}`], [windowMs])) as [number, number];
      if (hits <= max) return failure;
      remember(address, Date.now() + ttl);
      return new RateLimitedError(Math.max(1, Math.ceil(ttl / 1000)), DETAIL);
    },
  };
}
