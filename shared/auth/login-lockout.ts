import type { Redis } from 'ioredis';
import type { NoxConfig } from '../config/schema.js';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';

/**
 * Per-account lockout of logins, besides the per-IP limit (which an attacker spreads over
 * many addresses): failed logins are counted per user name in Redis, so every API node sees
 * the same count. After `auth.login_lockout_after` failures in a row the name is locked for
 * `auth.login_lockout_ms`, and each further failure doubles the lock, up to
 * `auth.login_lockout_max_ms`. While locked, a login is refused before its password is even
 * checked (the right one too: 429 ERROR_CODE.accountLocked with Retry-After), so attempts made
 * during a lock neither count nor cost a hash. A successful login clears the count.
 *
 * Names that do not exist are counted and locked alike, so a lock says nothing about whether
 * an account exists. The count is forgotten FAILURES_KEPT_MS after the latest failure.
 * Time is Redis's own (key TTLs), so API nodes need no synchronised clocks.
 */
const FAILURES_KEPT_MS = 24 * 60 * 60 * 1000;

const FAIL = redisScript(`
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local after = tonumber(ARGV[1])
if failures < after then return 0 end
local lock = math.floor(math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (failures - after)))
redis.call('SET', KEYS[2], '1', 'PX', lock)
return lock
`);

export interface LoginLockout {
  /** ms the name stays locked (0 when it is not) */
  lockedFor(username: string): Promise<number>;
  /** counts a failed login; returns the lock it starts, in ms (0 for none yet) */
  failed(username: string): Promise<number>;
  /** a good login: the count starts again */
  succeeded(username: string): Promise<void>;
}

export function loginLockout(redis: Redis, keys: Keys, auth: NoxConfig['auth']): LoginLockout {
  return {
    async lockedFor(username) {
      const ms = await redis.pttl(keys.loginLock(username));
      return ms > 0 ? ms : 0;
    },
    async failed(username) {
      const args = [auth.login_lockout_after, auth.login_lockout_ms, auth.login_lockout_max_ms, FAILURES_KEPT_MS];
      return (await FAIL(redis, [keys.loginFailures(username), keys.loginLock(username)], args)) as number;
    },
    async succeeded(username) {
      await redis.del(keys.loginFailures(username), keys.loginLock(username));
    },
  };
}
