import { listHosts } from '../shared/hosts/host-directory.js';
import { HOST_EVENT } from '../shared/hosts/host-events.js';
import type { NoxContext } from '../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from './runtime/periodic-task.js';

/**
 * Watches the other hosts. The first host to notice that one has stopped heartbeating
 * (SET NX on a marker) publishes `host.down` once; later parts (agent failover) hang off
 * the same detection through `onHostDown`. Resolves to the hosts it reported.
 */
export type PeerMonitor = PeriodicTask<string[]>;

export function startPeerMonitor(
  ctx: NoxContext,
  selfId: string,
  onHostDown: (hostId: string) => Promise<void> = async () => undefined,
): PeerMonitor {
  const logger = ctx.logger.child({ component: 'peer-monitor', hostId: selfId });
  const check = async (): Promise<string[]> => {
    const reported: string[] = [];
    for (const host of await listHosts(ctx.redis, ctx.keys)) {
      if (host.alive || host.id === selfId) continue;
      const first = await ctx.redis.set(ctx.keys.hostDownReported(host.id), selfId, 'PX', 24 * 3600 * 1000, 'NX');
      if (first !== 'OK') continue;
      reported.push(host.id);
      logger.warn('host stopped heartbeating', { deadHost: host.id, lastHeartbeat: host.lastHeartbeat });
      await ctx.events.publish({ type: HOST_EVENT.down, hostId: host.id, data: { lastHeartbeat: host.lastHeartbeat, seenBy: selfId } });
      await onHostDown(host.id);
    }
    return reported;
  };
  return startPeriodic('peer check', ctx.config.worker.heartbeat_interval_ms * 2, check, logger);
}
