import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { AgentRequest, AgentRequestAsk, AgentRequestKind } from '../../shared/agents/agent-requests.js';
import { ApprovalAlreadyDecidedError, ApprovalDeniedError } from '../../shared/errors/approval-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { ConflictError } from '../../shared/errors/service-errors.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { newApprovalRequest, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import type { DecisionInput } from '../../shared/approvals/approval-store.js';
import { settleAgentRequest, type AgentRequestDeps } from '../../shared/approvals/agent-request-settle.js';
import { evaluatePolicy } from '../../shared/approvals/policy.js';
import { classifyRequest } from '../../shared/approvals/risk.js';
import { mcpServersLine, spawnDetails, spawnFingerprint } from '../../shared/approvals/spawn-grant.js';

/**
 * Two acts on agents wait for an approval (issue 6): a spawn by an agent principal
 * (`spawn_agent`) and any deletion (`delete_agent`). The API builds the request and asks:
 *
 * - the policy denies at once → the approval is recorded as denied by policy, and the
 *   caller gets 403 `ERROR_CODE.approvalDenied`;
 * - the policy approves at once → the API claims the request, records the approval as
 *   approved by policy and acts right away (the answer says it is done: 201 / 204);
 * - the policy asks a person → the request is stored and the approval submitted; the
 *   answer is 202 with the `approval_id`, and the act happens when a person approves
 *   (workers/approvals/agent-request-watch.ts turns the decision into a job).
 *
 * In every branch the approval goes through `approvals.submit` (stored, and evaluated on
 * the queue): if this API node dies before it decided, the queue's evaluation decides, and
 * the sweep finds the request.
 */
export type AskOutcome = { status: 'done' | 'pending' | 'acting'; approval: ApprovalRequest; request: AgentRequest };

/**
 * The spawn_agent approval: its details show the child's whole config (spawn-grant.ts) and
 * carry its fingerprint, which is what "approve + remember" remembers.
 */
export function spawnApproval(config: AgentConfig, parent: string, start: boolean, correlationId: string): ApprovalRequest {
  const risk = classifyRequest('spawn_agent');
  const named = config.name !== config.id ? ` ("${config.name}")` : '';
  const tools = config.allowed_tools.length > 0 ? `allowed tools ${config.allowed_tools.join(', ')}` : 'no pre-allowed tools';
  const denied = config.disallowed_tools.length > 0 ? `, disallowed ${config.disallowed_tools.join(', ')}` : '';
  const mcp = Object.keys(config.mcp_servers).length > 0 ? `, MCP servers ${mcpServersLine(config)}` : '';
  const folders = `, workdir ${config.workdir ?? 'default'}${config.add_dirs.length > 0 ? `, add_dirs ${config.add_dirs.join(', ')}` : ''}`;
  const description = `Agent ${parent} wants to spawn agent ${config.id}${named}: model ${config.model ?? 'default'}, permission mode ${config.permission_mode}, ${tools}${denied}${mcp}${folders}${config.max_budget_usd ? `, budget $${config.max_budget_usd}` : ''}; ${start ? 'started at once' : 'not started'}`;
  return newApprovalRequest({
    agent_id: parent,
    request_type: 'spawn_agent',
    description: description.length > 2000 ? `${description.slice(0, 1990)}… (details)` : description,
    risk_level: risk.level,
    requested_by: `agent:${parent}`,
    correlation_id: correlationId,
    details: {
      agent: config.id,
      input: spawnDetails(config, start),
      fingerprint: spawnFingerprint(config, start),
      risk_reasons: risk.reasons,
    },
  });
}

/** `note`: what else the deletion means (a project agent's branch: kept while it has commits not in the base) */
export function deleteApproval(config: AgentConfig, requestedBy: string, correlationId: string, note = ''): ApprovalRequest {
  const risk = classifyRequest('delete_agent');
  const named = config.name !== config.id ? ` ("${config.name}")` : '';
  return newApprovalRequest({
    agent_id: config.id,
    request_type: 'delete_agent',
    description: `${requestedBy} wants to delete agent ${config.id}${named}${config.parent ? `, a child of ${config.parent}` : ''}: its config leaves agents.toml (the registry history keeps it)${note}`,
    risk_level: risk.level,
    requested_by: requestedBy,
    correlation_id: correlationId,
    details: { agent: config.id, risk_reasons: risk.reasons },
  });
}

/** The request record that goes with an approval. */
export function spawnRequest(approval: ApprovalRequest, config: AgentConfig, start: boolean): AgentRequestAsk {
  return { approval_id: approval.id, kind: 'spawn', agent_id: config.id, requested_by: approval.requested_by, ...correlationOf(approval), created_at: approval.created_at, config, start };
}

export function deleteRequest(approval: ApprovalRequest, config: AgentConfig): AgentRequestAsk {
  return { approval_id: approval.id, kind: 'delete', agent_id: config.id, requested_by: approval.requested_by, ...correlationOf(approval), created_at: approval.created_at, incarnation: config.created_at };
}

function correlationOf(a: ApprovalRequest): { correlation_id?: string } {
  return a.correlation_id ? { correlation_id: a.correlation_id } : {};
}

export async function askForAgentRequest(ctx: NoxContext, deps: AgentRequestDeps, ask: AgentRequestAsk, approval: ApprovalRequest, correlationId: string): Promise<AskOutcome> {
  const { approvals, requests } = deps;
  const verdict = evaluatePolicy(approvals.policy.current(), approval);
  const policyDecision = (decision: 'approve' | 'deny'): DecisionInput => ({ decision, decided_by: 'policy', reason: `policy ${verdict.rule}: ${verdict.note}`, policy_rule: verdict.rule });

  if (verdict.action === 'deny') {
    await approvals.submit(approval, correlationId);
    const decided = await decideOnce(deps, approval.id, policyDecision('deny'));
    throw new ApprovalDeniedError(approval.id, decided.reason ?? 'denied by policy');
  }

  await requests.create(ask);
  if (verdict.action === 'ask') {
    const stored = await approvals.submit(approval, correlationId);
    return { status: 'pending', approval: stored, request: await requests.require(approval.id) };
  }

  // Approved at once. Claim before the decision exists, so the job the decision watcher
  // enqueues finds the request taken and leaves the act to this call.
  const claimer = `api:${randomUUID()}`;
  await requests.claim(approval.id, claimer);
  await approvals.submit(approval, correlationId);
  const decided = await decideOnce(deps, approval.id, policyDecision('approve'));
  let settled;
  try {
    settled = await settleAgentRequest(ctx, deps, approval.id, claimer);
  } catch (err) {
    // A passing failure (the registry writer away): approved and claimable, so the workers
    // act on it (the sweep); the caller learns it is approved, not done.
    deps.logger.warn('acting on an approved agent request failed; the workers will retry', { approvalId: approval.id, error: (err as Error).message });
    return { status: 'acting', approval: decided, request: await requests.require(approval.id) };
  }
  if (settled.status === 'done') return { status: 'done', approval: decided, request: settled.request };
  if (settled.status === 'denied') throw new ApprovalDeniedError(approval.id, settled.request.error ?? 'denied');
  if (settled.status === 'failed') throw settled.error ?? new ConflictError(settled.request.error ?? 'the act failed', ERROR_CODE.agentRequestFailed);
  return { status: 'pending', approval: decided, request: await requests.require(approval.id) };
}

/**
 * The request of this kind about this agent that is still open, as an answer: asking again
 * (a double click, a retried tool call) while one waits gets the same approval instead of a
 * second one. A spawn of the same child by another agent is a conflict.
 */
export async function openRequestFor(deps: AgentRequestDeps, kind: AgentRequestKind, agentId: string, requestedBy: string): Promise<AskOutcome | undefined> {
  const open = await deps.requests.findOpen(kind, agentId);
  if (!open) return undefined;
  if (kind === 'spawn' && open.requested_by !== requestedBy) {
    throw new ConflictError(`A spawn of agent "${agentId}" by ${open.requested_by} already waits for approval ${open.approval_id}`, ERROR_CODE.agentRequestOpen);
  }
  const approval = await deps.approvals.store.get(open.approval_id);
  if (!approval) return undefined;
  return { status: open.status === 'acting' ? 'acting' : 'pending', approval, request: open };
}

/** Decides unless someone (the queue's evaluation) decided first; the decision in force either way. */
async function decideOnce(deps: AgentRequestDeps, id: string, input: DecisionInput): Promise<ApprovalRequest> {
  try {
    return await deps.approvals.decide(id, input);
  } catch (err) {
    if (err instanceof ApprovalAlreadyDecidedError) return deps.approvals.get(id);
    throw err;
  }
}
