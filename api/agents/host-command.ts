import type { AgentCommandJob, TurnJob } from '../../shared/agents/agent-jobs.js';
import { ownerOf, readRuntime } from '../../shared/agents/runtime-state.js';
import { AgentNotRunningError } from '../../shared/errors/agent-errors.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Acting on a running agent = a job on the queue of the live host that owns it (stop,
 * restart, interrupt, a turn). An agent with no live owner is refused with 409
 * AgentNotRunningError, naming its last known status.
 */
async function ownerHost(ctx: NoxContext, agentId: string): Promise<string> {
  const [owner, runtime] = await Promise.all([ownerOf(ctx.redis, ctx.keys, agentId), readRuntime(ctx.redis, ctx.keys, agentId)]);
  if (owner && (await ctx.redis.exists(ctx.keys.hostAlive(owner))) === 1) return owner;
  throw new AgentNotRunningError(agentId, runtime?.status ?? 'never started');
}

export async function sendHostCommand(
  ctx: NoxContext,
  agentId: string,
  name: string,
  data: AgentCommandJob | TurnJob,
  priority: number = PRIORITY.high,
): Promise<{ hostId: string; jobId?: string }> {
  const hostId = await ownerHost(ctx, agentId);
  const job = await ctx.queue(ctx.keys.hostQueue(hostId)).add(name, data, { priority });
  return { hostId, jobId: job.id };
}
