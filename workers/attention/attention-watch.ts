import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { applyStatusEvent, forgetAgent, seedFromStates } from '../../shared/attention/attention-index.js';
import { needsAttention } from '../../shared/attention/attention-item.js';
import { eventFeedFor } from '../../shared/events/event-feed.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { enqueueAttentionNotify } from './attention-jobs.js';

/**
 * Keeps the attention index (shared/attention/attention-index.ts) from the `agent.status`
 * events, on every host (the index's script makes that idempotent and order-proof), and
 * queues the webhook for an agent that begins to need a person, when
 * `approvals.webhook_url` is set and `attention.webhook` is on. Approvals have their own
 * webhook job (workers/approvals/approval-handlers.ts).
 */
export interface AttentionWatch {
  readonly lastError: Error | undefined;
  /** epoch ms of the last event handled */
  readonly lastRunAt: number | undefined;
  stop(): void;
}

export async function startAttentionWatch(ctx: NoxContext): Promise<AttentionWatch> {
  const logger = ctx.logger.child({ component: 'attention' });
  const state: { lastError?: Error; lastRunAt?: number } = {};

  const handle = async (event: DomainEvent): Promise<void> => {
    const agentId = event.agentId;
    if (!agentId || !event.id) return;
    if (event.type === AGENT_EVENT.deleted) return forgetAgent(ctx.redis, ctx.keys, agentId);
    const data = (event.data ?? {}) as { status?: string; reason?: string };
    const status = data.status ?? '';
    const applied = await applyStatusEvent(ctx.redis, ctx.keys, { agentId, eventId: event.id, status, at: event.at, ...(data.reason ? { reason: data.reason } : {}) });
    if (applied !== 'entered' || !needsAttention(status)) return;
    logger.info('an agent needs a person', { agentId, status, reason: data.reason });
    if (!ctx.config.approvals.webhook_url || !ctx.config.attention.webhook) return;
    await enqueueAttentionNotify(ctx, { agentId, eventId: event.id }, status === 'parked' ? ctx.config.attention.parked_after_ms : 0);
  };

  const unsubscribe = await eventFeedFor(ctx).subscribe(
    (event) => {
      handle(event).then(
        () => {
          state.lastRunAt = Date.now();
          state.lastError = undefined;
        },
        (err: unknown) => {
          state.lastError = err as Error;
          logger.warn('could not record that an agent needs a person', { agentId: event.agentId, ...errorFields(err) });
        },
      );
    },
    (type) => type === AGENT_EVENT.status || type === AGENT_EVENT.deleted,
  );
  // what no event told this index (agents older than it, changes while no host ran); the webhook is for new ones only
  await seedFromStates(ctx.redis, ctx.keys).then(
    (n) => n > 0 && logger.info('agents that need a person, from their state', { agents: n }),
    (err: unknown) => logger.warn('could not read which agents need a person', errorFields(err)),
  );
  return {
    get lastError() {
      return state.lastError;
    },
    get lastRunAt() {
      return state.lastRunAt;
    },
    stop: unsubscribe,
  };
}
