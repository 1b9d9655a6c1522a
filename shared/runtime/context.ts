import type { Redis } from 'ioredis';
import type { NoxConfig } from '../config/schema.js';
import { createEventBus, type EventBus } from '../events/event-bus.js';
import { makeKeys, type Keys } from '../keys.js';
import { createLogger, type Logger } from '../logger.js';
import { createMetrics, type NoxMetrics } from '../metrics/nox-metrics.js';
import { createQueue } from '../queues/queue-factory.js';
import { closeRedis, createRedis, redisUrlOf, type RedisKind } from '../redis.js';
import type { Queue } from 'bullmq';

/**
 * What every Nox process holds: validated config, a logger, the key builder, one command
 * connection to Redis, the event bus and the queues it produces to. Built once at boot
 * and passed down; nothing reaches for globals.
 */
export interface NoxContext {
  readonly config: NoxConfig;
  readonly logger: Logger;
  readonly keys: Keys;
  readonly redisUrl: string;
  /** shared command connection (fails fast on the API side, waits on the worker side) */
  readonly redis: Redis;
  readonly events: EventBus;
  /** this process's Prometheus metrics (shared/metrics/catalogue.ts), scraped on /metrics */
  readonly metrics: NoxMetrics;
  /** a producer Queue by name, created once and shared */
  queue(name: string): Queue;
  /** a new connection of the given kind, closed with the context */
  connect(kind: RedisKind, name: string): Redis;
  /**
   * Runs `fn` when the context closes, before its queues and connections go (newest
   * first). For what a module opens lazily on the context (QueueEvents, clients), so that
   * closing the context leaves no handle behind.
   */
  onClose(fn: () => Promise<unknown> | unknown): void;
  close(): Promise<void>;
}

export interface ContextOptions {
  config: NoxConfig;
  /** `api` fails fast while Redis is down; `worker` waits for it */
  role: 'api' | 'worker' | 'cli';
  logger?: Logger;
}

export function createContext(options: ContextOptions): NoxContext {
  const { config, role } = options;
  const logger = options.logger ?? createLogger({ level: config.log.level, base: { role } });
  const keys = makeKeys(config.redis.prefix);
  const redisUrl = redisUrlOf(config.redis);
  const kind: RedisKind = role === 'worker' ? 'blocking' : 'command';
  const extra: Redis[] = [];
  const connect = (k: RedisKind, name: string): Redis => {
    const client = createRedis(redisUrl, k, logger, name);
    extra.push(client);
    return client;
  };
  // our own commands, auto-pipelined; the queues (BullMQ producers) on a plain connection of their own
  const redis = createRedis(redisUrl, kind, logger, `${role}-main`, { autoPipelining: true });
  let queueRedis: Redis | undefined;
  const queueConnection = (): Redis => (queueRedis ??= createRedis(redisUrl, kind, logger, `${role}-queues`));
  const queues = new Map<string, Queue>();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const defaults = {
    keepCompleted: config.queues.keep_completed,
    keepFailed: config.queues.keep_failed,
    attempts: config.queues.attempts,
  };

  const metrics = createMetrics(role, { perAgent: config.metrics.per_agent });

  return {
    config,
    logger,
    keys,
    redisUrl,
    redis,
    metrics,
    events: createEventBus(redis, keys, config.events.stream_max_len),
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        q = createQueue(name, queueConnection(), keys, logger, defaults);
        queues.set(name, q);
      }
      return q;
    },
    connect,
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          logger.warn('a close hook failed', { error: (err as Error).message });
        }
      }
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      await Promise.allSettled([...extra, redis, ...(queueRedis ? [queueRedis] : [])].map((c) => closeRedis(c)));
    },
  };
}
