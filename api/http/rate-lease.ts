import type { Redis } from 'ioredis';
import { redisScript } from '../../shared/redis-script.js';

/**
 * Rate limits shared by every API node, counted in memory: a node takes hits from the
 * principal's window counter in Redis a *lease* at a time (INCRBY lease, in the fixed-window
 * scheme of window-count.ts) and admits that many requests without asking Redis again. When
 * half a lease is left it takes the next one in the background (a lease of more than one), so a busy principal's
 * requests do not wait on Redis; a quiet one's first request of a window does (one call).
 *
 * Tolerance (docs/PERFORMANCE.md): every hit is reserved in Redis before it is admitted, so
 * the nodes together NEVER admit more than `limit` per window; what a node reserved and did
 * not use is lost for the window, so a principal may be refused up to 1.5 leases per node
 * early. lease = max(1, floor(limit / 100)): 12 for the default 1,200 a minute; a limit
 * under 200 has a lease of 1 and is counted exactly, per request, as before.
 */
const LEASE_SCRIPT = redisScript(`
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`);

export interface Counted {
  /** false: over the limit */
  allowed: boolean;
  /** what is left of the limit in this window (an estimate across nodes) */
  remaining: number;
  /** ms until the window resets */
  resetMs: number;
}

interface Window {
  /** hits reserved for this node and not used yet */
  left: number;
  /** the window's counter in Redis as last read (every node's reservations) */
  reserved: number;
  resetAt: number;
  refilling?: Promise<void>;
}

export interface RateLease {
  /** counts one hit of `counter` (a Redis key); waits on Redis only when no lease is held */
  hit(counter: string): Promise<Counted>;
  readonly lease: number;
}

export function leaseSize(limit: number): number {
  return Math.max(1, Math.floor(limit / 100));
}

export function createRateLease(redis: Redis, limit: number, windowMs: number, now: () => number = Date.now): RateLease {
  const lease = leaseSize(limit);
  const windows = new Map<string, Window>();

  const refill = (counter: string, w: Window): Promise<void> => {
    w.refilling ??= (async () => {
      try {
        // The window is counted from when the lease was asked for: Redis read `ttl` somewhere
        // between sending and replying, so this end is never later than Redis's own, and the
        // node never admits a hit of a window Redis has already reset (which would let the
        // nodes together admit more than `limit` in the next one).
        const sentAt = now();
        const [hits, ttl] = (await LEASE_SCRIPT(redis, [counter], [windowMs, lease])) as [number, number];
        const resetAt = sentAt + ttl;
        // a new window in Redis since the last lease: what was left belongs to the old one
        if (resetAt - w.resetAt > windowMs / 2) w.left = 0;
        w.left += Math.max(0, Math.min(lease, limit - (hits - lease)));
        w.reserved = hits;
        w.resetAt = resetAt;
      } finally {
        w.refilling = undefined;
      }
    })();
    return w.refilling;
  };

  const take = (w: Window): Counted | undefined => {
    const resetMs = w.resetAt - now();
    // The window has ended (perhaps while its lease was on the way: a slow reply, or requests
    // waiting on a shared refill): what is left of it counts for no window; ask for a new lease.
    if (resetMs <= 0) {
      w.left = 0;
      w.reserved = 0;
      return undefined;
    }
    if (w.left > 0) {
      w.left--;
      return { allowed: true, remaining: Math.max(0, limit - (w.reserved - w.left)), resetMs };
    }
    // the window is spent for every node until it resets: refused from memory
    if (w.reserved >= limit) return { allowed: false, remaining: 0, resetMs };
    return undefined;
  };

  const forget = (): void => {
    const t = now();
    for (const [key, w] of windows) if (w.resetAt <= t && !w.refilling) windows.delete(key);
  };

  return {
    lease,
    async hit(counter) {
      let w = windows.get(counter);
      if (!w) {
        if (windows.size >= 10_000) forget();
        w = { left: 0, reserved: 0, resetAt: 0 };
        windows.set(counter, w);
      }
      let counted = take(w);
      // concurrent requests share a refill; the ones it did not cover take the next
      while (!counted) {
        await refill(counter, w);
        counted = take(w);
      }
      if (lease > 1 && counted.allowed && w.left * 2 < lease && !w.refilling && w.reserved < limit) void refill(counter, w).catch(() => undefined);
      return counted;
    },
  };
}
