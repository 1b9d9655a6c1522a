import { AGENT_EVENT } from './agent-events.js';
import { revokeAgentTokens } from '../auth/revocation.js';
import { ERROR_CODE } from '../errors/codes.js';
import { ConflictError } from '../errors/service-errors.js';
import type { NoxContext } from '../runtime/context.js';
import { isLive } from './agent-status.js';
import type { AgentStore } from './agent-store-contract.js';
import { deleteRuntime, ownerOf, readRuntime } from './runtime-state.js';

/**
 * Deleting an agent: its config (agents.toml or the Redis store), its runtime state, and an
 * `agent.deleted` event. A running agent (live status on a live host) is refused, 409
 * `ERROR_CODE.agentRunning`: the API checks before it asks for the approval, and the act checks
 * again when it happens (the agent may have been started while the approval waited).
 */
export async function assertNotRunning(ctx: NoxContext, agentId: string): Promise<void> {
  const [runtime, owner] = await Promise.all([readRuntime(ctx.redis, ctx.keys, agentId), ownerOf(ctx.redis, ctx.keys, agentId)]);
  if (owner && isLive(runtime?.status) && (await ctx.redis.exists(ctx.keys.hostAlive(owner))) === 1) {
    throw new ConflictError(`Agent "${agentId}" is ${runtime?.status}; stop it first`, ERROR_CODE.agentRunning);
  }
}

/** Removes a stopped agent; false when it was gone already (nothing removed, no event). */
export async function removeAgent(
  ctx: NoxContext,
  store: AgentStore,
  agentId: string,
  envelope: { requestedBy: string; correlationId?: string; approvalId?: string; approvedBy?: string },
): Promise<boolean> {
  await assertNotRunning(ctx, agentId);
  const removed = await store.remove(agentId, envelope.requestedBy);
  await deleteRuntime(ctx.redis, ctx.keys, agentId);
  await revokeAgentTokens(ctx, agentId, 'deleted'); // a deleted agent's tokens die with it (a retry revokes again: harmless)
  if (!removed) return false;
  await ctx.events.publish({
    type: AGENT_EVENT.deleted,
    agentId,
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    data: { by: envelope.requestedBy, ...(envelope.approvalId ? { approvalId: envelope.approvalId, approvedBy: envelope.approvedBy ?? null } : {}) },
  });
  return true;
}
