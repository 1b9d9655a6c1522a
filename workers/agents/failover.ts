import { randomUUID } from 'node:crypto';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { AGENT_JOB, type SpawnJob } from '../../shared/agents/agent-jobs.js';
import { isLive } from '../../shared/agents/agent-status.js';
import { ownerOf, readRuntimes } from '../../shared/agents/runtime-state.js';
import type { Logger } from '../../shared/logger.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Agent failover: the agents a dead host was running go back to the `spawn` queue, to be
 * placed on a live host like any start (labels, capacity). Called once per dead host, by
 * the host whose peer monitor reported it (`host.down`). Only agents that were running
 * move; stopped and failed ones stay as they are. The new host claims each agent (the old
 * owner's heartbeat is gone) and resumes its session: from its own disk on the same
 * machine, or from the transcript mirrored to Redis as the agent's turns ended, restored
 * before `--resume` (session-mirror.ts; docs/HOSTS.md). Only a transcript too large to
 * mirror starts a new CLI session under the same id; the history stays in the registry.
 * A failover is not a new spawn: the spawn guards (rate, depth) do not count it; an agent a
 * person stopped before its failover job ran is not started. Off with `agent.failover = false`.
 * Returns the agents sent back.
 */
export async function failOverAgents(ctx: NoxContext, deadHostId: string, logger: Logger): Promise<string[]> {
  if (!ctx.config.agent.failover) return [];
  const ids = await ctx.redis.smembers(ctx.keys.agentIndex());
  const runtimes = await readRuntimes(ctx.redis, ctx.keys, ids);
  const correlationId = randomUUID();
  const moved: string[] = [];
  for (const [agentId, runtime] of runtimes) {
    if (!isLive(runtime.status)) continue;
    const owner = await ownerOf(ctx.redis, ctx.keys, agentId);
    if ((owner ?? runtime.hostId) !== deadHostId) continue;
    const job: SpawnJob = { agentId, correlationId, requestedBy: 'system', failoverFrom: deadHostId };
    // one job per agent and detection (a host id that comes back and dies again fails over again)
    await ctx.queue('spawn').add(AGENT_JOB.spawn, job, { jobId: `failover.${agentId}.${correlationId}`, priority: PRIORITY.high });
    await ctx.events.publish({ type: AGENT_EVENT.failover, agentId, correlationId, data: { from: deadHostId, status: runtime.status } });
    moved.push(agentId);
  }
  if (moved.length > 0) logger.warn('agents of a dead host sent back to the spawn queue', { deadHost: deadHostId, agents: moved });
  return moved;
}
