import type { Logger } from './logger.js';

/**
 * "No Redis (yet)" is an expected condition — Nox started before its Redis, or Redis
 * restarting — not an error with a stack trace per connection and per retry. Every
 * connection (shared/redis.ts) and every BullMQ queue (shared/queues/queue-factory.ts)
 * reports here, and the process says it once: one line when Redis stops answering (what is
 * off, and how to turn it on), one when it answers again. Connections keep retrying by
 * themselves meanwhile (the API answers 503, workers wait).
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/** the address said to be down, while it is */
let down: string | undefined;

export function isRedisUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

/**
 * Also the errors of a connection that is not (yet, or any more) connected: a command sent
 * while it reconnects (`enableOfflineQueue: false`), or one cut by the close.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (isRedisUnreachable(err)) return true;
  const e = err as { name?: unknown; message?: unknown } | null;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  return typeof e?.message === 'string' && /Stream isn't writeable|Connection is closed/.test(e.message);
}

/** true while this process has said Redis is down (and not yet that it answers again) */
export function redisIsDown(): boolean {
  return down !== undefined;
}

/** `where`: the Redis URL without its password, when the caller knows it. */
export function reportRedisDown(logger: Logger | undefined, err: unknown, where?: string): void {
  if (down !== undefined) return;
  down = where ?? 'the configured address';
  const code = (err as { code?: unknown } | null)?.code;
  logger?.warn(`Redis is not reachable at ${down} (${String(code)}): Nox waits and carries on by itself once it answers. Start redis-server there, or set REDIS_URL to a Redis that runs`);
}

export function reportRedisUp(logger: Logger | undefined): void {
  if (down === undefined) return;
  logger?.info(`Redis answers again at ${down}`);
  down = undefined;
}
