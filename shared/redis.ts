import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';
import { errorFields } from './logger.js';
import { isRedisUnreachable, reportRedisDown, reportRedisUp } from './redis-reachability.js';

/**
 * Redis connections come in two kinds:
 * - `command`: for request paths (the API). `enableOfflineQueue: false` and one retry, so a
 *   command fails at once while Redis is down and the API answers 503 instead of hanging.
 * - `blocking`: for BullMQ Workers, QueueEvents and stream readers.
 *   `maxRetriesPerRequest: null` is required by BullMQ workers
 *   (https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest); they wait
 *   for Redis to come back instead of failing.
 */
export type RedisKind = 'command' | 'blocking';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The URL to connect with: `redis.url` (or the default), with `redis.password` (a secret:
 * the secrets file or NOX_REDIS_PASSWORD) put in when the URL carries no password itself.
 */
export function redisUrlOf(redis: { url?: string; password?: string }): string {
  return withPassword(redis.url ?? DEFAULT_REDIS_URL, redis.password);
}

/** `url` with `password` as its userinfo password, unless it has one already. */
export function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  if (parsed.password) return url;
  parsed.password = password;
  return parsed.toString();
}

/** A Redis URL fit to print: the password replaced by ***. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

export function redisOptions(kind: RedisKind): RedisOptions {
  const common: RedisOptions = {
    connectTimeout: 3000,
    // reconnect forever with a capped backoff; callers see errors meanwhile (command) or wait (blocking)
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  if (kind === 'command') return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: false };
}

/**
 * `autoPipelining`: commands issued in the same turn of the event loop go out as one write
 * (ioredis' enableAutoPipelining; one batch in flight at a time). System calls are the
 * main cost of a Redis command here, so a busy process sends far fewer. Used for our own
 * commands; BullMQ gets connections without it (its scripts and blocking moves are not
 * tested against it).
 */
export function createRedis(url: string, kind: RedisKind, logger?: Logger, name?: string, options: { autoPipelining?: boolean } = {}): Redis {
  const client = new Redis(url, { ...redisOptions(kind), connectionName: name, enableAutoPipelining: options.autoPipelining ?? false });
  let lastLogged = 0;
  // An unhandled 'error' event would crash the process; log it, at most once per 5 s.
  client.on('error', (err) => {
    // Redis not there (yet): one line for the whole process, not a stack per connection
    if (isRedisUnreachable(err)) return reportRedisDown(logger, err, redactRedisUrl(url));
    const now = Date.now();
    if (now - lastLogged < 5000) return;
    lastLogged = now;
    logger?.warn('redis connection error', { redis: name ?? kind, ...errorFields(err) });
  });
  client.on('ready', () => reportRedisUp(logger));
  return client;
}

/** Resolves when the client is ready, rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/** quit() that never throws and never hangs past `timeoutMs`. */
export async function closeRedis(client: Redis, timeoutMs = 2000): Promise<void> {
  if (client.status === 'end') return;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((r) => setTimeout(r, timeoutMs).unref()),
  ]);
  if ((client.status as string) !== 'end') client.disconnect();
}
