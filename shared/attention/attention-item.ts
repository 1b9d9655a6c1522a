import type { ApprovalRequest, RiskLevel } from '../approvals/approval-request.js';

/**
 * "Needs you" (issue 18, item 6): everything that waits for a person, as one list —
 * `GET /api/attention`, the dashboard's badge and page, browser notifications and the
 * webhook all show these items. Pure: what makes an item, from an approval or from an
 * agent's status and since when it has held it.
 *
 * - an approval pending a person's decision;
 * - an agent `failed` (a failure no restart mends, or the circuit breaker), `stalled` (a turn
 *   with no output for too long), `over-budget` (it takes no new turn), or `parked` (a usage
 *   limit) for longer than `attention.parked_after_ms` — a short park resumes by itself.
 */
export const ATTENTION_STATUSES = ['failed', 'stalled', 'parked', 'over-budget'] as const;
export type AttentionStatus = (typeof ATTENTION_STATUSES)[number];

export type AttentionKind = 'approval' | `agent-${AttentionStatus}`;

export interface AttentionItem {
  /** stable while the item lasts: `approval:<id>`, `agent:<id>:<status>` */
  id: string;
  kind: AttentionKind;
  severity: RiskLevel;
  /** one line for a person */
  title: string;
  /** why it needs a person (the approval's description, the agent's reason) */
  reason: string;
  /** ISO time it began needing a person (the question asked, the status entered) */
  since: string;
  /** where to act, a dashboard path */
  link: string;
  agent_id: string;
  approval_id?: string;
  /** the agent's status, for agent items */
  status?: AttentionStatus;
  /** the whole request, for approval items (the dashboard decides from it) */
  approval?: ApprovalRequest;
}

/** What the attention index keeps per agent (shared/attention/attention-index.ts). */
export interface AgentAttention {
  status: AttentionStatus;
  since: string;
  reason?: string;
  /** the `agent.status` event that put it there */
  eventId: string;
}

export function needsAttention(status: string | undefined): status is AttentionStatus {
  return ATTENTION_STATUSES.includes(status as AttentionStatus);
}

const AGENT_ITEM: Record<AttentionStatus, { severity: RiskLevel; title: (id: string) => string; fallback: string }> = {
  failed: { severity: 'high', title: (id) => `${id} failed`, fallback: 'it stopped and will not start again by itself: reset it once the cause is fixed' },
  stalled: { severity: 'high', title: (id) => `${id} is stalled`, fallback: 'a turn has produced no output for too long while its process lives' },
  'over-budget': { severity: 'medium', title: (id) => `${id} is over budget`, fallback: 'it takes no new turn until its budget has room' },
  parked: { severity: 'medium', title: (id) => `${id} is parked`, fallback: 'a usage limit: it resumes by itself at the reset time' },
};

/** The agent's item, or undefined while it does not need a person yet (parked for less than `parkedAfterMs`). */
export function agentItem(agentId: string, state: Omit<AgentAttention, 'eventId'>, now: number, parkedAfterMs: number): AttentionItem | undefined {
  if (state.status === 'parked' && now - Date.parse(state.since) < parkedAfterMs) return undefined;
  const shape = AGENT_ITEM[state.status];
  return {
    id: `agent:${agentId}:${state.status}`,
    kind: `agent-${state.status}`,
    severity: shape.severity,
    title: shape.title(agentId),
    reason: state.reason || shape.fallback,
    since: state.since,
    link: `/agents/${agentId}`,
    agent_id: agentId,
    status: state.status,
  };
}

export function approvalItem(a: ApprovalRequest): AttentionItem {
  const what = a.details.tool ? `to use ${a.details.tool}` : a.request_type === 'custom' ? 'for approval' : `a ${a.request_type.replace('_', ' ')}`;
  return {
    id: `approval:${a.id}`,
    kind: 'approval',
    severity: a.risk_level,
    title: `${a.agent_id} asks ${what} (${a.risk_level} risk)`,
    reason: a.description,
    since: a.created_at,
    link: '/attention',
    agent_id: a.agent_id,
    approval_id: a.id,
    approval: a,
  };
}

const SEVERITY_ORDER: Record<RiskLevel, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Most severe first, then the longest waiting. */
export function byUrgency(a: AttentionItem, b: AttentionItem): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || Date.parse(a.since) - Date.parse(b.since) || a.id.localeCompare(b.id);
}
