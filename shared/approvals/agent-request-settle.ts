import { AGENT_EVENT } from '../agents/agent-events.js';
import { removeAgent } from '../agents/agent-removal.js';
import type { AgentRequest, AgentRequestStore, SettledStatus } from '../agents/agent-requests.js';
import { requireAgent, type AgentStore } from '../agents/agent-store-contract.js';
import { enqueueSpawn } from '../agents/spawn-enqueue.js';
import { AgentExistsError, SpawnRefusedError } from '../errors/agent-errors.js';
import { ERROR_CODE } from '../errors/codes.js';
import { isNoxError, NoxError } from '../errors/nox-error.js';
import { ConflictError } from '../errors/service-errors.js';
import { errorFields, type Logger } from '../logger.js';
import { newMessage } from '../messages/message-model.js';
import { enqueueMessage } from '../messages/message-sender.js';
import type { NoxContext } from '../runtime/context.js';
import type { ApprovalRequest } from './approval-request.js';
import type { Approvals } from './approvals.js';
import { mergeNow, tellMerge } from '../projects/merge-act.js';

/**
 * Acting on the decision of an approval-gated spawn or deletion (shared/agents/agent-requests.ts).
 * One function for both actors: the API when the policy approves at once, and the
 * `approval.agent-request` job once a person (or the timeout) decided. Safe to call any
 * number of times, from anywhere:
 *
 * - still pending → nothing;
 * - denied → the request is settled `denied` (first caller wins) and the requester is told:
 *   `agent.spawn-denied` / `agent.delete-denied`, and for a spawn a message into the
 *   requesting agent's inbox;
 * - approved → the caller claims the request (one actor at a time, see CLAIM_LEASE_MS),
 *   acts, and settles it `done`. A refusal at action time (the agent runs now, the parent is
 *   gone, the id was taken) settles it `failed` with the reason, and the requester is told.
 *   A passing failure (registry writer away) releases the claim and throws: the job retries.
 *
 * The acts are idempotent on their own too: a spawn's config carries fixed stamps (a
 * retried create finds its own agent and does not create it again) and its spawn job a
 * fixed id; a deletion deletes only the incarnation that was asked about.
 */
export interface AgentRequestDeps {
  approvals: Approvals;
  agents: AgentStore;
  requests: AgentRequestStore;
  logger: Logger;
}

export type SettleResult =
  | { status: 'pending' | 'busy' | 'missing' }
  | { status: SettledStatus; request: AgentRequest; already?: boolean; error?: unknown };

const SETTLED: readonly string[] = ['done', 'denied', 'failed'];

export async function settleAgentRequest(
  ctx: NoxContext,
  deps: AgentRequestDeps,
  approvalId: string,
  claimer: string,
  options: { /** the last try: a passing failure settles it `failed` too */ final?: boolean } = {},
): Promise<SettleResult> {
  const { requests, approvals } = deps;
  const request = await requests.get(approvalId);
  if (!request) return { status: 'missing' };
  if (SETTLED.includes(request.status)) return { status: request.status as SettledStatus, request, already: true };
  const approval = await approvals.store.get(approvalId);
  if (approval?.status === 'pending') return { status: 'pending' };

  if (approval?.status === 'denied') {
    const reason = `denied by ${approval.decided_by ?? 'unknown'}: ${approval.reason ?? ''}`;
    let won = await requests.settle(approvalId, claimer, 'denied', { error: reason });
    // Claimed by an actor that then died (it claimed before the decision): take it over once its lease is gone.
    if (!won && (await requests.claim(approvalId, claimer)) === 'claimed') won = await requests.settle(approvalId, claimer, 'denied', { error: reason });
    if (won) await tell(ctx, deps, request, 'denied', reason, approval);
    return { status: 'denied', request: await requests.require(approvalId) };
  }

  const claim = await requests.claim(approvalId, claimer);
  if (claim === 'busy' || claim === 'missing') return { status: claim };
  if (claim !== 'claimed') return { status: claim, request: await requests.require(approvalId), already: true };

  try {
    // Trimmed from Redis before anyone acted: nothing says it was approved.
    // 409, not the catalogue's usual 404: the request names an approval that existed and was trimmed before anyone acted.
    if (!approval) throw new NoxError(ERROR_CODE.approvalNotFound, `approval ${approvalId} is no longer known`, { status: 409, title: 'Conflict' });
    const result = request.kind === 'spawn' ? await spawnNow(ctx, deps, request, approval) : request.kind === 'merge' ? await mergeNow(ctx, request, approval, deps.logger) : await deleteNow(ctx, deps, request, approval);
    await requests.settle(approvalId, claimer, 'done', { result });
    return { status: 'done', request: await requests.require(approvalId) };
  } catch (err) {
    const refused = isNoxError(err) && err.status >= 400 && err.status < 500;
    if (!refused && !options.final) {
      await requests.release(approvalId, claimer);
      throw err;
    }
    const message = isNoxError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    if (await requests.settle(approvalId, claimer, 'failed', { error: message })) await tell(ctx, deps, request, 'failed', message, approval);
    deps.logger.warn('approved agent request failed', { approvalId, kind: request.kind, agentId: request.agent_id, ...errorFields(err) });
    return { status: 'failed', request: await requests.require(approvalId), error: err };
  }
}

async function spawnNow(ctx: NoxContext, deps: AgentRequestDeps, request: AgentRequest, approval: ApprovalRequest): Promise<Record<string, unknown>> {
  const config = request.config;
  if (!config) throw new ConflictError(`spawn request ${request.approval_id} carries no config`, ERROR_CODE.agentRequestInvalid);
  if (config.parent) await requireAgent(deps.agents, config.parent);
  const existing = await deps.agents.get(config.id);
  let created = false;
  if (existing) {
    // Ours when the stamps match: an earlier try created it and died before settling.
    if (existing.created_at !== config.created_at || existing.parent !== config.parent) throw new AgentExistsError(config.id);
  } else {
    await deps.agents.create(config, request.requested_by);
    created = true;
    await ctx.events.publish({
      type: AGENT_EVENT.created,
      agentId: config.id,
      ...(request.correlation_id ? { correlationId: request.correlation_id } : {}),
      data: { by: request.requested_by, parent: config.parent ?? null, approvalId: request.approval_id, approvedBy: approval.decided_by ?? null },
    });
  }
  if (!request.start) return { created, started: false };
  try {
    const jobId = await enqueueSpawn(ctx, deps.agents, config, {
      correlationId: request.correlation_id ?? request.approval_id,
      requestedBy: request.requested_by,
      jobId: `spawn-${request.approval_id}`,
      // the spawn job waits for a host; the act does not depend on one being up now
      requireLiveHost: false,
    });
    return { created, started: true, spawn_job_id: jobId };
  } catch (err) {
    // The agent exists; only its start was refused (the guards count spawns, not creations).
    if (err instanceof SpawnRefusedError) return { created, started: false, start_error: `${err.code}: ${err.message}` };
    throw err;
  }
}

async function deleteNow(ctx: NoxContext, deps: AgentRequestDeps, request: AgentRequest, approval: ApprovalRequest): Promise<Record<string, unknown>> {
  const current = await deps.agents.get(request.agent_id);
  if (!current) return { removed: false, note: 'the agent was already gone' };
  if (request.incarnation && current.created_at !== request.incarnation) {
    throw new ConflictError(`Agent "${request.agent_id}" was deleted and created again since this request; the new one is kept`, ERROR_CODE.agentReplaced);
  }
  const removed = await removeAgent(ctx, deps.agents, request.agent_id, {
    requestedBy: request.requested_by,
    ...(request.correlation_id ? { correlationId: request.correlation_id } : {}),
    approvalId: request.approval_id,
    ...(approval.decided_by ? { approvedBy: approval.decided_by } : {}),
  });
  return { removed };
}

/** Tells the requester how it ended: an event, and for a spawn a message into the requesting agent's inbox. */
async function tell(ctx: NoxContext, deps: AgentRequestDeps, request: AgentRequest, outcome: 'denied' | 'failed', reason: string, approval: ApprovalRequest | undefined): Promise<void> {
  const base = { approvalId: request.approval_id, reason, decidedBy: approval?.decided_by ?? null, requestedBy: request.requested_by };
  const correlation = request.correlation_id ? { correlationId: request.correlation_id } : {};
  try {
    if (request.kind === 'merge') return await tellMerge(ctx, request, outcome, base);
    if (request.kind === 'delete') {
      await ctx.events.publish({ type: outcome === 'denied' ? AGENT_EVENT.deleteDenied : AGENT_EVENT.deleteFailed, agentId: request.agent_id, ...correlation, data: base });
      return;
    }
    const parent = request.config?.parent ?? request.requested_by.replace(/^agent:/, '');
    await ctx.events.publish({
      type: outcome === 'denied' ? AGENT_EVENT.spawnDenied : AGENT_EVENT.spawnRequestFailed,
      agentId: parent,
      ...correlation,
      data: { ...base, child: request.agent_id },
    });
    const what = outcome === 'denied' ? `was ${reason}` : `was approved but failed: ${reason}`;
    const message = newMessage(
      {
        // a fixed id: telling twice delivers once
        id: `approval-${request.approval_id}`,
        to: parent,
        message_type: 'notification',
        content: `Your request to spawn agent "${request.agent_id}" ${what} (approval ${request.approval_id}). The agent was not ${outcome === 'denied' ? 'created' : 'spawned'}.`,
        priority: 'high',
        metadata: { approval_id: request.approval_id, child: request.agent_id, outcome },
      },
      'system',
    );
    await enqueueMessage(ctx, message, { correlationId: request.correlation_id ?? request.approval_id, requestedBy: 'system' });
  } catch (err) {
    // The request is settled and readable; telling is best effort.
    deps.logger.warn('could not tell the requester how its agent request ended', { approvalId: request.approval_id, ...errorFields(err) });
  }
}
