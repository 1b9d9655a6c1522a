import { branchNote } from '../projects/project-acts.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { AGENT_JOB } from '../../shared/agents/agent-jobs.js';
import { assertNotRunning } from '../../shared/agents/agent-removal.js';
import { isLive } from '../../shared/agents/agent-status.js';
import { requireAgent, type AgentStore } from '../../shared/agents/agent-store.js';
import { ownerOf, readRuntime, writeRuntime } from '../../shared/agents/runtime-state.js';
import { enqueueSpawn } from '../../shared/agents/spawn-enqueue.js';
import type { AgentRequestDeps } from '../../shared/approvals/agent-request-settle.js';
import { revokeAgentTokens } from '../../shared/auth/revocation.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { ConflictError } from '../../shared/errors/service-errors.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { askForAgentRequest, deleteApproval, deleteRequest, openRequestFor, type AskOutcome } from './agent-request-ask.js';
import { sendHostCommand } from './host-command.js';

/**
 * The acts on one existing agent — start, stop, restart, delete — as functions, so the
 * single-agent routes and the bulk ones (issue 21) do exactly the same thing. Each throws
 * the same NoxErrors the routes answer with (404, 409 ...); a bulk act records them per agent.
 */
export interface ActBy {
  /** `user:<name>`, `agent:<id>` or `system` */
  requestedBy: string;
  correlationId: string;
  reason?: string;
}

export interface ActDeps {
  ctx: NoxContext;
  store: AgentStore;
  requestDeps: AgentRequestDeps;
}

export async function startAgentAct({ ctx, store }: ActDeps, id: string, by: ActBy): Promise<Record<string, unknown>> {
  const agent = await requireAgent(store, id);
  const runtime = await readRuntime(ctx.redis, ctx.keys, id);
  if (runtime?.circuitOpen) throw new ConflictError(`Agent "${id}" failed (circuit breaker open); reset it first`, ERROR_CODE.agentFailed);
  const owner = await ownerOf(ctx.redis, ctx.keys, id);
  if (owner && isLive(runtime?.status) && (await ctx.redis.exists(ctx.keys.hostAlive(owner))) === 1) {
    return { id, status: runtime?.status, hostId: owner, already: true };
  }
  return { id, queued: true, jobId: await enqueueSpawn(ctx, store, agent, { correlationId: by.correlationId, requestedBy: by.requestedBy }) };
}

export async function stopAgentAct({ ctx, store }: ActDeps, id: string, by: ActBy): Promise<Record<string, unknown>> {
  await requireAgent(store, id);
  const data = { agentId: id, ...(by.reason === undefined ? {} : { reason: by.reason }), correlationId: by.correlationId, requestedBy: by.requestedBy };
  // here, not only on its host: the stop revokes the agent's tokens even when that host is gone
  await revokeAgentTokens(ctx, id, 'stopped');
  const [owner, runtime] = await Promise.all([ownerOf(ctx.redis, ctx.keys, id), readRuntime(ctx.redis, ctx.keys, id)]);
  const ownerAlive = owner !== undefined && (await ctx.redis.exists(ctx.keys.hostAlive(owner))) === 1;
  if (!ownerAlive && isLive(runtime?.status)) {
    // its host is gone (failover is not there yet): record the stop so it is not left "running"
    const reason = `host ${owner ?? runtime?.hostId ?? '?'} is gone; marked stopped by ${by.requestedBy}`;
    await writeRuntime(ctx.redis, ctx.keys, id, { status: 'stopped', reason, pid: undefined });
    if (owner) await ctx.redis.del(ctx.keys.agentOwner(id));
    await ctx.events.publish({ type: AGENT_EVENT.status, agentId: id, correlationId: by.correlationId, data: { status: 'stopped', previous: runtime?.status ?? null, reason } });
    return { id, status: 'stopped', hostGone: true };
  }
  return { id, ...(await sendHostCommand(ctx, id, AGENT_JOB.stop, data, PRIORITY.critical)) };
}

export async function restartAgentAct({ ctx, store }: ActDeps, id: string, by: ActBy): Promise<Record<string, unknown>> {
  await requireAgent(store, id);
  const data = { agentId: id, ...(by.reason === undefined ? {} : { reason: by.reason }), correlationId: by.correlationId, requestedBy: by.requestedBy };
  return { id, ...(await sendHostCommand(ctx, id, AGENT_JOB.restart, data)) };
}

/** A deletion is a delete_agent approval, as for one agent: done at once, or waiting for a person (`pending`/`acting`). */
export async function deleteAgentAct({ ctx, store, requestDeps }: ActDeps, id: string, by: ActBy): Promise<{ outcome: 'done' } | { outcome: 'waiting'; waiting: AskOutcome }> {
  const config = await requireAgent(store, id);
  await assertNotRunning(ctx, id);
  const again = await openRequestFor(requestDeps, 'delete', id, by.requestedBy);
  if (again) return { outcome: 'waiting', waiting: again };
  const approval = deleteApproval(config, by.requestedBy, by.correlationId, await branchNote(ctx, config, ctx.logger));
  const outcome = await askForAgentRequest(ctx, requestDeps, deleteRequest(approval, config), approval, by.correlationId);
  return outcome.status === 'done' ? { outcome: 'done' } : { outcome: 'waiting', waiting: outcome };
}
