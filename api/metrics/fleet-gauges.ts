import { liveHosts } from '../../shared/hosts/host-directory.js';
import { METRIC } from '../../shared/metrics/catalogue.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { allQueueNames, queueCounts } from '../queue-stats.js';

/**
 * The fleet's gauges, read from Redis when Prometheus scrapes (so they cost nothing between
 * scrapes and are never stale): jobs per queue and state, agents by runtime status,
 * approvals pending, the event stream's length, hosts alive. Every API node reports the
 * same figures: aggregate them with `max` (docs/OBSERVABILITY.md).
 */
export function registerFleetGauges(ctx: NoxContext): void {
  const { metrics, redis, keys } = ctx;
  metrics.gaugeFrom(METRIC.queueJobs, async (g) => {
    const counts = await queueCounts(ctx, await allQueueNames(ctx));
    g.reset();
    for (const [queue, states] of Object.entries(counts)) for (const [state, n] of Object.entries(states)) g.set({ queue, state }, n);
  });
  metrics.gaugeFrom(METRIC.agentsByStatus, async (g) => {
    const byStatus = await agentsByStatus(ctx);
    g.reset();
    for (const [status, n] of Object.entries(byStatus)) g.set({ status }, n);
  });
  metrics.gaugeFrom(METRIC.approvalsPending, async (g) => g.set(await redis.zcard(keys.approvalsPending())));
  metrics.gaugeFrom(METRIC.eventStreamLength, async (g) => g.set(await redis.xlen(keys.events())));
  metrics.gaugeFrom(METRIC.hostsAlive, async (g) => g.set((await liveHosts(redis, keys)).length));
}

/** Runtime status of every agent with runtime state: the index, then one pipelined HGET each. */
async function agentsByStatus(ctx: NoxContext): Promise<Record<string, number>> {
  const ids = await ctx.redis.smembers(ctx.keys.agentIndex());
  const out: Record<string, number> = {};
  if (ids.length === 0) return out;
  const pipe = ctx.redis.pipeline();
  for (const id of ids) pipe.hget(ctx.keys.agent(id), 'status');
  for (const [, status] of (await pipe.exec()) ?? []) {
    const s = typeof status === 'string' && status.length > 0 ? status : 'unknown';
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}
