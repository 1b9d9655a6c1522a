import { listHosts } from '../shared/hosts/host-directory.js';
import { errorFields } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';

/**
 * Watches the other hosts. The first host to notice that one has stopped heartbeating
 * (SET NX on a marker) publishes `host.down` once; later parts (agent failover) hang off
 * the same detection.
 */
export interface PeerMonitor {
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  checkNow(): Promise<string[]>;
  stop(): void;
}

export function startPeerMonitor(
  ctx: NoxContext,
  selfId: string,
  onHostDown: (hostId: string) => Promise<void> = async () => undefined,
): PeerMonitor {
  let lastError: Error | undefined;
  let lastRunAt = 0;
  const checkNow = async (): Promise<string[]> => {
    const reported: string[] = [];
    try {
      for (const host of await listHosts(ctx.redis, ctx.keys)) {
        if (host.alive || host.id === selfId) continue;
        const first = await ctx.redis.set(ctx.keys.hostDownReported(host.id), selfId, 'PX', 24 * 3600 * 1000, 'NX');
        if (first !== 'OK') continue;
        reported.push(host.id);
        ctx.logger.warn('host stopped heartbeating', { deadHost: host.id, lastHeartbeat: host.lastHeartbeat });
        await ctx.events.publish({ type: 'host.down', hostId: host.id, data: { lastHeartbeat: host.lastHeartbeat, seenBy: selfId } });
        await onHostDown(host.id);
      }
      lastError = undefined;
      lastRunAt = Date.now();
    } catch (err) {
      lastError = err as Error;
      ctx.logger.warn('peer check failed', errorFields(err));
    }
    return reported;
  };
  const timer = setInterval(() => void checkNow(), ctx.config.worker.heartbeat_interval_ms * 2);
  timer.unref();
  return {
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    checkNow,
    stop: () => clearInterval(timer),
  };
}
