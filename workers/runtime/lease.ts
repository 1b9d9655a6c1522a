import { reportLoopError } from '../../shared/redis-reachability.js';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';

/**
 * One holder at a time across every machine: a Redis key held with a TTL and renewed every
 * third of it. Whoever else wants it waits until the key is free (the holder released it,
 * or died and the TTL ran out). The registry writer (workers/registry/writer-lease.ts) and
 * the attention watch (workers/attention/attention-watch.ts) each hold one.
 */
export interface Lease {
  /** `<pid>-<uuid>`: the key's value while held (so a reader can tell which process holds it) */
  readonly token: string;
  /** resolves once held; rejects if `signal` aborts first */
  acquire(signal?: AbortSignal): Promise<void>;
  /** one attempt: true when held now */
  tryAcquire(): Promise<boolean>;
  /** called if a renewal finds the lease gone (another holder took over) */
  /** runs `listener` when the lease is lost; the function it returns takes the listener off */
  onLost(listener: () => void): () => void;
  release(): Promise<void>;
  readonly held: boolean;
  readonly lastError: Error | undefined;
}

export interface LeaseOptions {
  /** what holds it, for the log lines ("registry writer") */
  name: string;
  /** how a lost lease is logged: the writer stops, which is an error; a watch hands over, which is not */
  lostLevel?: 'error' | 'warn';
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createLease(redis: Redis, key: string, ttlMs: number, logger: Logger, options: LeaseOptions): Lease {
  const token = `${process.pid}-${randomUUID()}`;
  let timer: NodeJS.Timeout | undefined;
  let lastError: Error | undefined;
  let held = false;
  // The key expires in Redis ttlMs after the last renewal that landed; counted from when that
  // renewal was sent, this process's own clock says the same no later. Past it the lease is not
  // this process's any more, whatever it has heard: an event loop stalled, or Redis out of
  // reach, for longer than the TTL must not leave two holders acting at once.
  let validUntil = 0;
  const lost: (() => void)[] = [];
  const OUT_OF_TIME = 'not renewed within its time (a stalled process or Redis out of reach)';

  const lose = (why: string): void => {
    if (!held) return;
    held = false;
    clearInterval(timer);
    logger[options.lostLevel ?? 'error'](`${options.name} lease lost; ${why}`);
    for (const l of [...lost]) l();
  };

  const renew = async (): Promise<void> => {
    if (held && Date.now() >= validUntil) return lose(OUT_OF_TIME);
    const sentAt = Date.now();
    try {
      const ok = await redis.eval(RENEW, 1, key, token, String(ttlMs));
      lastError = undefined;
      if (ok !== 1) return lose('another process holds it');
      validUntil = sentAt + ttlMs;
    } catch (err) {
      lastError = err as Error;
      reportLoopError(logger, `${options.name} lease renewal failed`, err);
      if (held && Date.now() >= validUntil) lose(OUT_OF_TIME);
    }
  };

  const take = async (): Promise<boolean> => {
    if (held && Date.now() < validUntil) return true;
    if (held) lose(OUT_OF_TIME);
    const sentAt = Date.now();
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return false;
    validUntil = sentAt + ttlMs;
    held = true;
    timer = setInterval(() => void renew(), Math.max(50, Math.floor(ttlMs / 3)));
    timer.unref();
    return true;
  };

  return {
    token,
    get held() {
      return held && Date.now() < validUntil;
    },
    get lastError() {
      return lastError;
    },
    tryAcquire: take,
    async acquire(signal) {
      let waited = false;
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        if (await take()) return;
        if (!waited) logger.info(`another process holds the ${options.name} lease; waiting`, { holder: await redis.get(key) });
        waited = true;
        await abortableSleep(Math.min(500, ttlMs / 3), signal);
      }
    },
    onLost(listener) {
      lost.push(listener);
      return () => {
        const at = lost.indexOf(listener);
        if (at >= 0) lost.splice(at, 1);
      };
    },
    async release() {
      clearInterval(timer);
      const wasHeld = held;
      held = false;
      if (wasHeld) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
