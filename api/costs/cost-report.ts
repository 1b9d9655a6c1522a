import { agentStoreFor } from '../../shared/agents/agent-store.js';
import { emptyUsage, readDays, USAGE_MEASURES, utcDay, type DayUsage } from '../../shared/costs/daily-usage.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Cost and tokens over a range of UTC days, grouped by day, by agent or by project (the
 * agent's `project`; agents without one are `(none)`). Read from the per-day ledger the
 * hosts keep (shared/costs/daily-usage.ts); a deleted agent's spending stays in its days.
 */
export type CostGrouping = 'day' | 'agent' | 'project';

export interface CostRow extends DayUsage {
  key: string;
}

export interface CostReport {
  from: string;
  to: string;
  by: CostGrouping;
  total: DayUsage;
  rows: CostRow[];
}

/** the longest range one report reads (a pipelined HGETALL per day) */
export const MAX_REPORT_DAYS = 400;

export async function costReport(ctx: NoxContext, by: CostGrouping, from: string, to: string): Promise<CostReport> {
  const days = await readDays(ctx.redis, ctx.keys, from, to);
  const projectOf = by === 'project' ? await projectsByAgent(ctx) : undefined;
  const groups = new Map<string, DayUsage>();
  const total = emptyUsage();
  for (const { day, agents } of days) {
    if (by === 'day') groups.set(day, emptyUsage());
    for (const [agentId, usage] of Object.entries(agents)) {
      const key = by === 'day' ? day : by === 'agent' ? agentId : (projectOf!.get(agentId) ?? '(none)');
      const into = groups.get(key) ?? emptyUsage();
      add(into, usage);
      groups.set(key, into);
      add(total, usage);
    }
  }
  const rows = [...groups].map(([key, usage]) => ({ key, ...round(usage) }));
  // days in order; agents and projects by what they cost, most first
  if (by !== 'day') rows.sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
  return { from, to, by, total: round(total), rows };
}

/** What today has cost so far, across the fleet (the overview's cost card). */
export async function costToday(ctx: NoxContext): Promise<number> {
  const today = utcDay();
  return (await costReport(ctx, 'day', today, today)).total.costUsd;
}

function add(into: DayUsage, usage: DayUsage): void {
  for (const m of USAGE_MEASURES) into[m] += usage[m];
}

function round(u: DayUsage): DayUsage {
  return { ...u, costUsd: Math.round(u.costUsd * 1e6) / 1e6 };
}

async function projectsByAgent(ctx: NoxContext): Promise<Map<string, string>> {
  const agents = await agentStoreFor(ctx).list();
  return new Map(agents.map((a) => [a.id, (a as { project?: unknown }).project as string | undefined]).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
