import { liveHosts } from '../shared/hosts/host-directory.js';
import { SHARED_QUEUES } from '../shared/keys.js';
import type { NoxContext } from '../shared/runtime/context.js';

/** Every Nox queue: the shared ones and the own queue of each live host. */
export async function allQueueNames(ctx: NoxContext): Promise<string[]> {
  const hosts = await liveHosts(ctx.redis, ctx.keys);
  return [...SHARED_QUEUES, ...hosts.map((h) => ctx.keys.hostQueue(h.id))];
}

export type QueueCounts = Record<string, Record<string, number>>;

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

export async function queueCounts(ctx: NoxContext, names: string[]): Promise<QueueCounts> {
  const entries = await Promise.all(
    names.map(async (name) => [name, await ctx.queue(name).getJobCounts(...STATES)] as const),
  );
  return Object.fromEntries(entries);
}
