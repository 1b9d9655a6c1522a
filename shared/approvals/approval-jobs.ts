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
 *
 * Priorities follow risk, riskiest first: a flood of low-risk questions never delays a
 * person hearing about a critical one.
 */
export const APPROVAL_QUEUE: SharedQueueName = 'approvals';

export const APPROVAL_JOB = {
  evaluate: 'approval.evaluate',
  timeout: 'approval.timeout',
} as const;

export interface EvaluateJob {
  correlationId: string;
  request: ApprovalRequest;
}

export interface TimeoutJob {
  correlationId: string;
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
