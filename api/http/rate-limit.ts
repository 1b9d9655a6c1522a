import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import { RateLimitedError } from '../../shared/errors/service-errors.js';
import type { Principal } from '../../shared/types.js';

/**
 * Rate limits counted in Redis, so every API node behind a load balancer shares them.
 *
 * rate-limit-redis loads its Lua scripts once at start and keeps the promise; if Redis is
 * down at that moment the rejected promise would poison every later call. Falling back to
 * a sha that does not exist makes the first call after Redis returns get NOSCRIPT, which
 * the store answers by loading the script again.
 */
class ResilientRedisStore extends RedisStore {
  override loadIncrementScript(key?: string): Promise<string> {
    return super.loadIncrementScript(key).catch(() => 'unloaded');
  }
  override loadGetScript(key?: string): Promise<string> {
    return super.loadGetScript(key).catch(() => 'unloaded');
  }
}

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  windowMs: number;
  limit: number;
  /** default: the principal (after auth), else the client IP */
  key?: 'principal' | 'ip';
}

export function redisRateLimit(options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new ResilientRedisStore({
      prefix: options.prefix,
      sendCommand: (command: string, ...args: string[]) => options.redis.call(command, ...args) as Promise<never>,
    }),
    keyGenerator: (req, res) => {
      const principal = res.locals.principal as Principal | undefined;
      if (options.key !== 'ip' && principal) return `p:${principal.role}:${principal.sub}`;
      return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (req, _res, next, opts) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(opts.windowMs / 1000);
      next(new RateLimitedError(seconds));
    },
  });
}
