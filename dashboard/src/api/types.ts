/** Answers of the system endpoints (api/routes/system-routes.ts). */
// the API's own type: one definition for server and dashboard (type-only, erased by the build)
export type { HostInfo } from '../../../shared/types.js';

export type QueueCounts = Record<string, Record<string, number>>;

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  redis: { ok: boolean; latencyMs: number };
  hosts: { alive: number; total: number };
  events: { lastId: string; lastError: string | null; lastReadAt: number | null };
  queues: QueueCounts;
}

export interface Metrics {
  timestamp: string;
  hosts: { alive: number; total: number };
  capacity: { total: number; running: number };
  active_agents: number;
  queue_depth: number;
  jobs_active: number;
  jobs_failed: number;
  events_stream_length: number;
  api: { uptime_seconds: number; rss_mb: number; heap_used_mb: number; socket_waiters: number };
  [more: string]: unknown;
}

/** GET /api/budgets (api/costs/budget-report.ts): one budget in force and what was spent against it. */
export interface BudgetLine {
  scope: 'agent' | 'subtree' | 'fleet-daily' | 'task';
  /** the agent, the subtree's root, the day or the task */
  id: string;
  name?: string;
  agentId?: string;
  limitUsd: number;
  usedUsd: number;
  state: 'ok' | 'near' | 'reached';
}

export interface BudgetReport {
  at: string;
  budgets: BudgetLine[];
  counts: Record<BudgetLine['state'], number>;
}

export interface PingResult {
  hostId: string;
  jobId: string;
  correlationId: string;
  timings: { queueMs: number; handlerMs: number; eventMs: number; totalMs: number };
}
