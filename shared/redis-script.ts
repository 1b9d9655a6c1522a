import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script for a hot path: sent by its SHA1 (EVALSHA), and as text only when Redis does
 * not know it yet (NOSCRIPT: first use, a restart, SCRIPT FLUSH). Cold paths may simply EVAL.
 */
export type RedisScript = (redis: Redis, keys: string[], args: (string | number | Buffer)[]) => Promise<unknown>;

export function redisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
