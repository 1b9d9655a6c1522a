import type { SharedQueueName } from '../keys.js';
import type { NoxContext } from '../runtime/context.js';
import { PRIORITY } from '../queues/priority.js';
import type { PriorityName } from '../types.js';
import type { ApprovalRequest, RiskLevel } from './approval-request.js';

/**
 * Jobs of the shared `approvals` queue (any host consumes it):
 * - `approval.evaluate` (jobId = the approval id, so asking twice evaluates once): store
 *   the request if new, apply the policy, then decide at once or escalate to a person;
 * - `approval.timeout` (delayed by `approvals.timeout_ms`, jobId `timeout-<id>`): deny the
 *   request if it is still pending. A delayed job lives in Redis, so the timeout survives
 *   restarts of every host.
 * - `approval.webhook` (jobId `webhook-<id>`): the "needs you" POST of an escalated
 *   request, `approvals.webhook_attempts` tries with exponential backoff from
 *   `approvals.webhook_backoff_ms`. The job is kept once done, so a retried evaluation
 *   does not post twice.
 * - `approval.agent-request` (jobId `agent-request-<id>`): act on the decision of an
 *   approval-gated spawn or deletion (shared/approvals/agent-request-settle.ts). Enqueued
 *   by the decision watcher and the sweep (workers/approvals/agent-request-watch.ts);
 *   removed once done, so a later sweep may add it again — the request's own status makes
 *   that a no-op.
 *
 * Priorities follow risk, riskiest first: a flood of low-risk questions never delays a
 * person hearing about a critical one.
 */
export const APPROVAL_QUEUE: SharedQueueName = 'approvals';

export const APPROVAL_JOB = {
  evaluate: 'approval.evaluate',
  timeout: 'approval.timeout',
  webhook: 'approval.webhook',
  agentRequest: 'approval.agent-request',
} as const;

export interface EvaluateJob {
  correlationId: string;
  request: ApprovalRequest;
}

export interface TimeoutJob {
  correlationId: string;
  approvalId: string;
}

export interface WebhookJob {
  correlationId: string;
  approvalId: string;
}

export interface AgentRequestJob {
  correlationId?: string;
  approvalId: string;
}

export const RISK_PRIORITY: Readonly<Record<RiskLevel, PriorityName>> = {
  critical: 'critical',
  high: 'high',
  medium: 'normal',
  low: 'low',
};

export async function enqueueEvaluate(ctx: NoxContext, request: ApprovalRequest, correlationId: string): Promise<void> {
  const data: EvaluateJob = { correlationId, request };
  await ctx.queue(APPROVAL_QUEUE).add(APPROVAL_JOB.evaluate, data, { jobId: `evaluate-${request.id}`, priority: PRIORITY[RISK_PRIORITY[request.risk_level]] });
}

export async function enqueueTimeout(ctx: NoxContext, approvalId: string, delayMs: number, correlationId: string): Promise<void> {
  const data: TimeoutJob = { correlationId, approvalId };
  await ctx.queue(APPROVAL_QUEUE).add(APPROVAL_JOB.timeout, data, { jobId: `timeout-${approvalId}`, delay: Math.max(0, delayMs), priority: PRIORITY.high });
}

export async function enqueueWebhook(ctx: NoxContext, request: ApprovalRequest, correlationId: string): Promise<void> {
  const cfg = ctx.config.approvals;
  const data: WebhookJob = { correlationId, approvalId: request.id };
  await ctx.queue(APPROVAL_QUEUE).add(APPROVAL_JOB.webhook, data, {
    jobId: `webhook-${request.id}`,
    priority: PRIORITY[RISK_PRIORITY[request.risk_level]],
    attempts: cfg.webhook_attempts,
    backoff: { type: 'exponential', delay: cfg.webhook_backoff_ms },
    // kept (bounded by age) so that a retried evaluation finds it and does not post again
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  });
}

export async function enqueueAgentRequest(ctx: NoxContext, approvalId: string, correlationId?: string): Promise<void> {
  const data: AgentRequestJob = { approvalId, ...(correlationId ? { correlationId } : {}) };
  await ctx.queue(APPROVAL_QUEUE).add(APPROVAL_JOB.agentRequest, data, {
    jobId: `agent-request-${approvalId}`,
    priority: PRIORITY.high,
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: true,
    removeOnFail: 100,
  });
}
