import { APPROVAL_QUEUE } from '../../shared/approvals/approval-jobs.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * `attention.notify` on the shared `approvals` queue (the queue of what asks a person): the
 * "needs you" webhook POST for an agent that entered a status needing a person
 * (attention-watch.ts). Its job id names the agent and the `agent.status` event, so every
 * host that saw the event adds the same job once; a parked agent's job is delayed by
 * `attention.parked_after_ms` (a short park needs no one). The handler posts only if the
 * agent still is where that event put it.
 */
export const ATTENTION_JOB = { notify: 'attention.notify' } as const;

export interface NotifyJob {
  agentId: string;
  /** the `agent.status` event that made the agent need a person */
  eventId: string;
}

export async function enqueueAttentionNotify(ctx: NoxContext, job: NotifyJob, delayMs: number): Promise<void> {
  const cfg = ctx.config.approvals;
  await ctx.queue(APPROVAL_QUEUE).add(ATTENTION_JOB.notify, job, {
    jobId: `attention-${job.agentId}-${job.eventId}`,
    delay: Math.max(0, delayMs),
    priority: PRIORITY.high,
    attempts: cfg.webhook_attempts,
    backoff: { type: 'exponential', delay: cfg.webhook_backoff_ms },
    // kept a while so a host that sees the event late does not add it again
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  });
}
