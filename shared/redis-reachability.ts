import { errorFields, type Logger } from './logger.js';

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
 * What ioredis says when a command cannot reach the server: one list for the process, read by
 * isRedisUnavailable (loops, listeners) and isRedisDownError (shared/errors/coerce-error.ts:
 * the API's 503). With `enableOfflineQueue: false` (the API's setting) these come back at once.
 */
const DOWN_MESSAGES = [/Stream isn't writeable/i, /Connection is closed/i, /ECONNREFUSED/, /max retries per request/i, /getaddrinfo ENOTFOUND/, /Connection timeout|ETIMEDOUT/, /ECONNRESET/];

/** an Error whose message is one of a connection that cannot reach Redis */
export function hasRedisDownMessage(err: unknown): boolean {
  return err instanceof Error && DOWN_MESSAGES.some((re) => re.test(err.message));
}

/**
 * Also the errors of a connection that is not (yet, or any more) connected: a command sent
 * while it reconnects (`enableOfflineQueue: false`), or one cut by the close.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (isRedisUnreachable(err)) return true;
  if ((err as { name?: unknown } | null)?.name === 'MaxRetriesPerRequestError') return true;
  return hasRedisDownMessage(err);
}

/**
 * How every loop and every Redis client's error listener reports a failure — classified
 * here once: Redis unreachable is said once for the process (reportRedisDown); a command
 * that failed because its connection is not connected (reconnecting, or closed by a stop),
 * or any failure while this process has said Redis is down, is expected and logged at
 * debug; anything else is a warning with its stack.
 */
export function reportLoopError(logger: Logger, message: string, err: unknown, fields: Record<string, unknown> = {}): void {
  if (isRedisUnreachable(err)) return reportRedisDown(logger, err);
  if (isRedisUnavailable(err) || redisIsDown()) {
    logger.debug(`${message} (Redis unavailable)`, { ...fields, error: (err as Error | undefined)?.message });
    return;
  }
  logger.warn(message, { ...fields, ...errorFields(err) });
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
