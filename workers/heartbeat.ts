import { heartbeatHost } from '../shared/hosts/host-directory.js';
import type { NoxContext } from '../shared/runtime/context.js';
import type { LoopHealth } from '../shared/types.js';
import { startPeriodic, type PeriodicTask } from './runtime/periodic-task.js';

/**
 * Refreshes this host's alive key every interval. A failed beat is logged and retried on
 * the next tick; if Redis stays away longer than the TTL, peers see this host dead, which
 * is the truth as far as the cluster can tell.
 */
export type Heartbeat = PeriodicTask<void>;

export function startHeartbeat(ctx: NoxContext, hostId: string, running: () => number, loops?: () => Record<string, LoopHealth>): Heartbeat {
  const { heartbeat_interval_ms: interval, heartbeat_ttl_ms: ttl } = ctx.config.worker;
  return startPeriodic(
    'heartbeat',
    interval,
    () => heartbeatHost(ctx.redis, ctx.keys, hostId, ttl, { running: running(), ...(loops ? { loops: loops() } : {}) }),
    ctx.logger.child({ component: 'heartbeat', hostId }),
  );
}
