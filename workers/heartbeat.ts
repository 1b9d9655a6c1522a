import { heartbeatHost } from '../shared/hosts/host-directory.js';
import { errorFields } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';

/**
 * Refreshes this host's alive key every interval. A failed beat is logged and retried on
 * the next tick; if Redis stays away longer than the TTL, peers see this host dead, which
 * is the truth as far as the cluster can tell.
 */
export interface Heartbeat {
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  beatNow(): Promise<void>;
  stop(): void;
}

export function startHeartbeat(
  ctx: NoxContext,
  hostId: string,
  running: () => number,
): Heartbeat {
  const { heartbeat_interval_ms: interval, heartbeat_ttl_ms: ttl } = ctx.config.worker;
  let lastError: Error | undefined;
  let lastRunAt = 0;
  const beatNow = async (): Promise<void> => {
    try {
      await heartbeatHost(ctx.redis, ctx.keys, hostId, ttl, { running: running() });
      lastError = undefined;
      lastRunAt = Date.now();
    } catch (err) {
      lastError = err as Error;
      ctx.logger.warn('heartbeat failed', { hostId, ...errorFields(err) });
    }
  };
  const timer = setInterval(() => void beatNow(), interval);
  timer.unref();
  return {
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    beatNow,
    stop: () => clearInterval(timer),
  };
}
