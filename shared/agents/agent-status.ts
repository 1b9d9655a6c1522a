/**
 * Runtime statuses of an agent (the supervisor's state machine, docs/AGENTS.md):
 *
 *   starting → idle ⇄ working → waiting-approval → working …
 *   any running state → stopping → stopped
 *   running → crashed → restarting → starting … (backoff, --resume)
 *   crashed too often → failed (circuit breaker open; `reset` closes it)
 *   cost ≥ max_budget_usd → over-budget (process kept, no new turns)
 *   a usage or rate limit reported by the CLI → parked until its reset time (not a crash)
 *   a turn with no output for agent.stall_after_ms while the process lives → stalled
 */
export const AGENT_STATUSES = [
  'starting',
  'idle',
  'working',
  'waiting-approval',
  'over-budget',
  'stopping',
  'stopped',
  'crashed',
  'restarting',
  'failed',
  'parked',
  'stalled',
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** A process exists (or is about to) for these. */
export const LIVE_STATUSES: readonly AgentStatus[] = [
  'starting', 'idle', 'working', 'waiting-approval', 'over-budget', 'parked', 'stalled', 'stopping', 'crashed', 'restarting',
];

export function isLive(status: string | undefined): boolean {
  return LIVE_STATUSES.includes(status as AgentStatus);
}
