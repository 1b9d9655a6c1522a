import { approvalsFor } from '../../shared/approvals/approvals.js';
import { agentItemsNow } from '../../shared/attention/attention-index.js';
import { approvalItem, byUrgency, type AttentionItem } from '../../shared/attention/attention-item.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * The "needs you" list (issue 18, item 6; docs/DASHBOARD.md, "Needs you"): approvals
 * waiting for a person, and agents that need one (shared/attention/attention-item.ts), most
 * urgent first. Reads the pending approvals' index and the small attention index, never
 * every agent's state, so the dashboard's header can ask on every change.
 */
export interface AttentionList {
  items: AttentionItem[];
  /** every item, also those beyond the approvals shown (at most MAX_APPROVALS) */
  total: number;
  counts: { approvals: number; agents: number };
}

/** approvals listed in full; a larger backlog is counted, and the approvals page pages it */
export const MAX_APPROVALS = 200;

export async function attentionList(ctx: NoxContext, now = Date.now()): Promise<AttentionList> {
  const [pending, agents] = await Promise.all([
    approvalsFor(ctx).store.list({ status: 'pending', limit: MAX_APPROVALS }),
    agentItemsNow(ctx.redis, ctx.keys, now, ctx.config.attention.parked_after_ms),
  ]);
  const items = [...pending.approvals.map(approvalItem), ...agents].sort(byUrgency);
  return { items, total: pending.total + agents.length, counts: { approvals: pending.total, agents: agents.length } };
}
