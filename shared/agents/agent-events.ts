/**
 * The agents area's event types on the event stream (docs/AGENTS.md, "Events"): what the
 * API, the worker hosts and the dashboard publish and listen for. `agentId` is set on each
 * event about one agent; the per-host ones (metrics, adoption) carry `hostId`.
 */
export const AGENT_EVENT = {
  // config
  created: 'agent.created',
  updated: 'agent.updated',
  deleted: 'agent.deleted',
  // the process (the supervisor)
  status: 'agent.status',
  output: 'agent.output',
  permission: 'agent.permission',
  interrupt: 'agent.interrupt',
  throttled: 'agent.throttled',
  budgetExceeded: 'agent.budget-exceeded',
  circuitOpen: 'agent.circuit-open',
  reset: 'agent.reset',
  limit: 'agent.limit',
  /** a usage or rate limit: data kind (usage-limit|rate-limit|overloaded), resumesAt (ISO), resetKnown, inTurn, reason, rateLimitType?, apiErrorStatus?, said? */
  parked: 'agent.parked',
  /** the park is over (its reset time came, or the CLI's own retry got through): data resumedAt, after (ms parked) */
  unparked: 'agent.unparked',
  /** a turn with no output for agent.stall_after_ms while the process lives: data silentMs, stallAfterMs, action */
  stalled: 'agent.stalled',
  /** the CLI switched to --fallback-model: data from, to, trigger */
  modelFallback: 'agent.model-fallback',
  // placement and hosts
  spawnRefused: 'agent.spawn-refused',
  spawnFailed: 'agent.spawn-failed',
  /** a start or placement failed (any cause); data: code, reason, hostId, final (shared/agents/start-failure.ts) */
  startFailed: 'agent.start-failed',
  failover: 'agent.failover',
  /** its host drains: handed over between turns and placed again (data: from, to — the host placement was asked to prefer) */
  moving: 'agent.moving',
  /** its host drains but no other host can take it: it stays (data: from, code, reason; the reason is in its runtime too) */
  moveBlocked: 'agent.move-blocked',
  adopted: 'agent.adopted',
  // per host, every sampling interval
  metrics: 'agent.metrics',
  mcpMetrics: 'agent.mcp-metrics',
  // spawns and deletions that waited for an approval (on the parent for a spawn)
  spawnDenied: 'agent.spawn-denied',
  spawnRequestFailed: 'agent.spawn-request-failed',
  deleteDenied: 'agent.delete-denied',
  deleteFailed: 'agent.delete-failed',
} as const;
