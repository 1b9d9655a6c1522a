import { ATTENTION_STATUSES, type AttentionItem } from '../../../shared/attention/attention-item.js';
import { useResource, type Resource } from '../api/use-resource';
import type { LiveEvent } from '../live/types';

/**
 * "Needs you" (GET /api/attention; docs/DASHBOARD.md, "Needs you"): what waits for a person,
 * refetched when the event stream says it may have changed — an approval event, or an agent
 * entering or leaving a status that needs a person. A parked agent crosses its threshold with
 * no event, hence the slow poll.
 */
export type { AttentionItem };

export interface AttentionAnswer {
  items: AttentionItem[];
  total: number;
  counts: { approvals: number; agents: number };
}

const POLL_MS = 60_000;
const NEEDS: readonly string[] = ATTENTION_STATUSES;

function mayChange(event: LiveEvent): boolean {
  if (event.type !== 'agent.status') return true;
  const data = (event.data ?? {}) as { status?: string; previous?: string };
  return NEEDS.includes(data.status ?? '') || NEEDS.includes(data.previous ?? '');
}

export function useAttention(): Resource<AttentionAnswer> {
  return useResource<AttentionAnswer>('/api/attention', { refreshOn: ['approval.', 'agent.status', 'agent.deleted'], filter: mayChange, pollMs: POLL_MS });
}
