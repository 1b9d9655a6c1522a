import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorFields, type Logger } from '../../shared/logger.js';

/**
 * One registry writer at a time, across every machine: a Redis key held with a TTL and
 * renewed every third of it. A second `--registry-writer` waits until the key is free
 * (the first stopped, or died and its lease ran out) — so git never sees two writers.
 */
export interface WriterLease {
  readonly token: string;
  /** resolves once held; rejects if `signal` aborts first */
  acquire(signal?: AbortSignal): Promise<void>;
  /** called if a renewal finds the lease gone (another writer took over) */
  onLost(listener: () => void): void;
  release(): Promise<void>;
  readonly lastError: Error | undefined;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createWriterLease(redis: Redis, key: string, ttlMs: number, logger: Logger): WriterLease {
  const token = `${process.pid}-${randomUUID()}`;
  let timer: NodeJS.Timeout | undefined;
  let lastError: Error | undefined;
  const lost: (() => void)[] = [];

  const renew = async (): Promise<void> => {
    try {
      const ok = await redis.eval(RENEW, 1, key, token, String(ttlMs));
      lastError = undefined;
      if (ok !== 1) {
        clearInterval(timer);
        logger.error('registry writer lease lost; this writer stops');
        for (const l of lost) l();
      }
    } catch (err) {
      lastError = err as Error;
      logger.warn('registry writer lease renewal failed', errorFields(err));
    }
  };

  return {
    token,
    get lastError() {
      return lastError;
    },
    async acquire(signal) {
      let waited = false;
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
        if (ok === 'OK') break;
        if (!waited) logger.info('another registry writer holds the lease; waiting', { holder: await redis.get(key) });
        waited = true;
        await new Promise((r) => setTimeout(r, Math.min(500, ttlMs / 3)));
      }
      timer = setInterval(() => void renew(), Math.max(50, Math.floor(ttlMs / 3)));
      timer.unref();
    },
    onLost(listener) {
      lost.push(listener);
    },
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}
