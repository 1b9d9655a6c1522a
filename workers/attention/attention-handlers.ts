import type { Job } from 'bullmq';
import { readAgentAttention, agentItemsNow } from '../../shared/attention/attention-index.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';
import { sendWebhook } from '../approvals/webhook.js';
import { ATTENTION_JOB, type NotifyJob } from './attention-jobs.js';
import { attentionWebhookPayload } from './attention-webhook.js';

/**
 * The "needs you" POST for an agent (attention-jobs.ts). Idempotent: it posts only while
 * the agent is still where the job's event put it (the index entry is that event's, the
 * agent's status is the same, a parked one past the threshold); a failed POST throws, so
 * BullMQ retries it like an approval's (`approvals.webhook_attempts`).
 */
async function notify(job: Job<NotifyJob>, env: HandlerEnv): Promise<unknown> {
  const { ctx, logger } = env;
  const url = ctx.config.approvals.webhook_url;
  if (!url || !ctx.config.attention.webhook) return { skipped: 'no webhook' };
  const entry = (await readAgentAttention(ctx.redis, ctx.keys)).get(job.data.agentId);
  if (entry?.eventId !== job.data.eventId) return { skipped: 'no longer needs a person' };
  const item = (await agentItemsNow(ctx.redis, ctx.keys, Date.now(), ctx.config.attention.parked_after_ms)).find((i) => i.agent_id === job.data.agentId);
  if (!item) return { skipped: 'no longer needs a person' };
  try {
    return { status: await sendWebhook(url, attentionWebhookPayload(item, ctx.config.approvals.dashboard_url), ctx.config.approvals.webhook_timeout_ms), attempt: job.attemptsMade + 1 };
  } catch (err) {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    logger[last ? 'warn' : 'info'](last ? 'attention webhook failed; giving up' : 'attention webhook failed; retrying', { agentId: item.agent_id, attempt: job.attemptsMade + 1, error: (err as Error).message });
    throw err;
  }
}

export function attentionHandlers(): JobHandlers {
  return { [ATTENTION_JOB.notify]: (job, env) => notify(job as Job<NotifyJob>, env) };
}
