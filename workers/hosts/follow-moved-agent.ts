import type { Job } from 'bullmq';
import { isLive } from '../../shared/agents/agent-status.js';
import { ownerOf, readRuntime } from '../../shared/agents/runtime-state.js';
import type { AgentManager } from '../agents/agent-manager.js';
import type { HandlerEnv, JobHandler } from '../job-router.js';

/**
 * A command for an agent (a turn, a stop, a restart) put on this host's queue just before the
 * agent left — a drain's hand-over (host-drain.ts) — must follow it, not fail as "not
 * running": a turn would be lost, a stop ignored while the agent starts elsewhere.
 * Wrapped around such a handler: when the agent is not on this host, the job goes to the
 * queue of the live host that owns it now (same job id with `.moved`, so a retried job adds
 * it once); while the agent is on its way (a live status, no live owner yet) the job fails
 * to be retried with backoff; otherwise the handler runs and answers as before.
 */
export function followMovedAgent(manager: AgentManager, handler: JobHandler): JobHandler {
  return async (job: Job<{ agentId: string }>, env: HandlerEnv) => {
    const { agentId } = job.data;
    if (manager.get(agentId)) return handler(job, env);
    const { ctx } = env;
    const owner = await ownerOf(ctx.redis, ctx.keys, agentId);
    if (owner && owner !== env.hostId && (await ctx.redis.exists(ctx.keys.hostAlive(owner))) === 1) {
      await ctx.queue(ctx.keys.hostQueue(owner)).add(job.name, job.data, { jobId: `${job.id}.moved`, ...(job.opts.priority === undefined ? {} : { priority: job.opts.priority }) });
      return { forwardedTo: owner };
    }
    const runtime = await readRuntime(ctx.redis, ctx.keys, agentId);
    const retries = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    if (!owner && isLive(runtime?.status) && runtime?.hostId === env.hostId && retries) throw new Error(`agent ${agentId} is moving to another host (${runtime.status}): retried`);
    return handler(job, env);
  };
}
