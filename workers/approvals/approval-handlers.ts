import type { Job } from 'bullmq';
import { ApprovalAlreadyDecidedError } from '../../shared/approvals/approval-errors.js';
import { APPROVAL_JOB, enqueueTimeout, type EvaluateJob, type TimeoutJob } from '../../shared/approvals/approval-jobs.js';
import { approvalRequestSchema } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { evaluatePolicy } from '../../shared/approvals/policy.js';
import { sendWebhook, webhookPayload } from '../../shared/approvals/webhook.js';
import { errorFields } from '../../shared/logger.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';

/**
 * Handlers of the shared `approvals` queue. Both are idempotent (BullMQ delivers at least
 * once): the request is stored with a create-if-absent, a decision is a first-wins
 * transition, escalation happens once (its event and webhook with it), and the timeout job
 * has a fixed id.
 */
async function evaluate(job: Job<EvaluateJob>, env: HandlerEnv): Promise<unknown> {
  const { ctx, logger } = env;
  const cfg = ctx.config.approvals;
  const approvals = approvalsFor(ctx);
  const request = approvalRequestSchema.parse(job.data.request);
  await approvals.store.create(request);
  const current = await approvals.get(request.id);
  if (current.status !== 'pending') return { status: current.status, already: true };

  const verdict = evaluatePolicy(approvals.policy.current(), current);
  if (verdict.action !== 'ask') {
    try {
      const decided = await approvals.decide(current.id, {
        decision: verdict.action,
        decided_by: 'policy',
        reason: `policy ${verdict.rule}: ${verdict.note}`,
        policy_rule: verdict.rule,
      });
      return { status: decided.status, rule: verdict.rule };
    } catch (err) {
      if (err instanceof ApprovalAlreadyDecidedError) return { already: true };
      throw err;
    }
  }

  // Ask a person. The deadline counts from the question, so a retried job does not extend it.
  const expiresAt = Date.parse(current.created_at) + cfg.timeout_ms;
  await enqueueTimeout(ctx, current.id, expiresAt - Date.now(), job.data.correlationId);
  const escalated = await approvals.store.escalate(current, expiresAt, verdict.rule);
  if (escalated && cfg.webhook_url) {
    try {
      await sendWebhook(cfg.webhook_url, webhookPayload({ ...current, expires_at: expiresAt }, cfg.dashboard_url), cfg.webhook_timeout_ms);
    } catch (err) {
      // Best effort: the dashboard and the CLI still show the question.
      logger.warn('approval webhook failed', { approvalId: current.id, ...errorFields(err) });
    }
  }
  logger.info('approval waits for a person', { approvalId: current.id, agentId: current.agent_id, risk: current.risk_level, rule: verdict.rule, escalated });
  return { status: 'pending', rule: verdict.rule, expiresAt };
}

async function timeout(job: Job<TimeoutJob>, env: HandlerEnv): Promise<unknown> {
  const { ctx } = env;
  const approvals = approvalsFor(ctx);
  const current = await approvals.store.get(job.data.approvalId);
  if (!current || current.status !== 'pending') return { already: true };
  try {
    const decided = await approvals.decide(current.id, {
      decision: 'deny',
      decided_by: 'system',
      reason: `no decision within ${ctx.config.approvals.timeout_ms} ms (approvals.timeout_ms)`,
      policy_rule: 'timeout',
    });
    return { status: decided.status };
  } catch (err) {
    if (err instanceof ApprovalAlreadyDecidedError) return { already: true };
    throw err;
  }
}

export function approvalHandlers(): JobHandlers {
  return {
    [APPROVAL_JOB.evaluate]: (job, env) => evaluate(job as Job<EvaluateJob>, env),
    [APPROVAL_JOB.timeout]: (job, env) => timeout(job as Job<TimeoutJob>, env),
  };
}
