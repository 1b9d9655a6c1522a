import type { Job } from 'bullmq';
import { settleAgentRequest } from '../../shared/approvals/agent-request-settle.js';
import { APPROVAL_JOB, enqueueTimeout, enqueueWebhook, type AgentRequestJob, type EvaluateJob, type TimeoutJob, type WebhookJob } from '../../shared/approvals/approval-jobs.js';
import { approvalRequestSchema } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { evaluatePolicy } from '../../shared/approvals/policy.js';
import { sendWebhook, webhookPayload } from './webhook.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';
import { agentRequestDepsFor } from '../../shared/approvals/agent-request-deps.js';
import { ApprovalAlreadyDecidedError } from '../../shared/errors/approval-errors.js';

/**
 * Handlers of the shared `approvals` queue. All are idempotent (BullMQ delivers at least
 * once): the request is stored with a create-if-absent, a decision is a first-wins
 * transition, escalation happens once (its event with it), the timeout and webhook jobs
 * have fixed ids, and an agent request acts under its own claim.
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
  // Queued whether or not this try escalated: a retried evaluation that died before it
  // queued the webhook queues it now, and the fixed job id makes it one POST either way.
  if (cfg.webhook_url) await enqueueWebhook(ctx, current, job.data.correlationId);
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

/** The "needs you" POST; a failure throws, so BullMQ retries it with backoff (approvals.webhook_attempts). */
async function webhook(job: Job<WebhookJob>, env: HandlerEnv): Promise<unknown> {
  const { ctx, logger } = env;
  const cfg = ctx.config.approvals;
  if (!cfg.webhook_url) return { skipped: 'no approvals.webhook_url' };
  const current = await approvalsFor(ctx).store.get(job.data.approvalId);
  // Decided before the POST got through: nobody needs to be called any more.
  if (!current || current.status !== 'pending') return { skipped: 'decided', status: current?.status };
  try {
    const status = await sendWebhook(cfg.webhook_url, webhookPayload(current, cfg.dashboard_url), cfg.webhook_timeout_ms);
    return { status, attempt: job.attemptsMade + 1 };
  } catch (err) {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    logger[last ? 'warn' : 'info'](last ? 'approval webhook failed; giving up' : 'approval webhook failed; retrying', { approvalId: current.id, attempt: job.attemptsMade + 1, error: (err as Error).message });
    throw err;
  }
}

/** Acts on the decision of an approval-gated spawn or deletion (shared/approvals/agent-request-settle.ts). */
async function agentRequest(job: Job<AgentRequestJob>, env: HandlerEnv): Promise<unknown> {
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  // The claimer is the job: its retries keep the claim.
  const settled = await settleAgentRequest(env.ctx, agentRequestDepsFor(env.ctx), job.data.approvalId, `job:${job.id}`, { final });
  return 'request' in settled ? { status: settled.status, already: settled.already ?? false, result: settled.request.result ?? null, error: settled.request.error ?? null } : { status: settled.status };
}

export function approvalHandlers(): JobHandlers {
  return {
    [APPROVAL_JOB.evaluate]: (job, env) => evaluate(job as Job<EvaluateJob>, env),
    [APPROVAL_JOB.timeout]: (job, env) => timeout(job as Job<TimeoutJob>, env),
    [APPROVAL_JOB.webhook]: (job, env) => webhook(job as Job<WebhookJob>, env),
    [APPROVAL_JOB.agentRequest]: (job, env) => agentRequest(job as Job<AgentRequestJob>, env),
  };
}
