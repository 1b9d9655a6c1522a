import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { agentStoreFor } from '../../shared/agents/agent-store.js';
import { readAgentCosts, subtreeSpender } from '../../shared/costs/agent-spend.js';
import { fleetSpentOn, utcDay } from '../../shared/costs/daily-usage.js';
import { readTaskUsage } from '../../shared/costs/task-usage.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { createTaskStore } from '../../shared/tasks/task-store.js';

/**
 * Every budget in force with what has been spent against it (docs/OBSERVABILITY.md,
 * "Budgets"): an agent's own `max_budget_usd` (its lifetime cost), a spawn subtree's
 * `subtree_budget_usd` (what the root and every agent below it spent), the fleet's
 * `budgets.fleet_daily_usd` (today, UTC) and each task's `budget_usd` (the turns done for
 * it). The figures are the ones the turn boundary checks (workers/agents/budget-guard.ts,
 * cost-ledger.ts), read at the time of the request.
 */
export type BudgetScope = 'agent' | 'subtree' | 'fleet-daily' | 'task';
/** `near`: 80 % or more spent; `reached`: no more turns under it */
export type BudgetState = 'ok' | 'near' | 'reached';

export interface BudgetLine {
  scope: BudgetScope;
  /** the agent, the subtree's root, the day (YYYY-MM-DD) or the task */
  id: string;
  /** a task's title, an agent's name */
  name?: string;
  /** a task's assignee */
  agentId?: string;
  limitUsd: number;
  usedUsd: number;
  state: BudgetState;
}

export interface BudgetReport {
  at: string;
  budgets: BudgetLine[];
  /** how many budgets are in each state */
  counts: Record<BudgetState, number>;
}

export interface BudgetFilter {
  scope?: BudgetScope;
  /** only the budgets a turn of this agent falls under: its own, its and its ancestors' subtrees, the fleet's, its tasks' */
  agent?: string;
  task?: string;
}

export const NEAR_FRACTION = 0.8;

/** `reached` as the turn boundary decides it (spent ≥ limit); `near` forgives the float error of 0.8 × limit */
export function budgetState(usedUsd: number, limitUsd: number): BudgetState {
  return usedUsd >= limitUsd ? 'reached' : usedUsd >= NEAR_FRACTION * limitUsd - 1e-9 ? 'near' : 'ok';
}

const line = (l: Omit<BudgetLine, 'state'>): BudgetLine => ({ ...l, usedUsd: Math.round(l.usedUsd * 1e6) / 1e6, state: budgetState(l.usedUsd, l.limitUsd) });

export async function budgetReport(ctx: NoxContext, filter: BudgetFilter = {}): Promise<BudgetReport> {
  const wants = (scope: BudgetScope): boolean => filter.scope === undefined || filter.scope === scope;
  const configs = new Map((await agentStoreFor(ctx).list()).map((a) => [a.id, a] as const));
  const chain = filter.agent === undefined ? undefined : ancestry(filter.agent, configs);
  const budgets: BudgetLine[] = [];

  if (filter.task === undefined) {
    // the agents whose cost is needed: those with a budget of their own, and every one when a subtree has one
    const owners = [...configs.values()].filter((a) => a.max_budget_usd !== undefined && (!chain || a.id === filter.agent));
    const roots = [...configs.values()].filter((a) => a.subtree_budget_usd !== undefined && (!chain || chain.includes(a.id)));
    const costs = await readAgentCosts(ctx.redis, ctx.keys, wants('subtree') && roots.length > 0 ? [...configs.keys()] : owners.map((a) => a.id));
    if (wants('agent')) for (const a of owners) budgets.push(line({ scope: 'agent', id: a.id, ...nameOf(a), limitUsd: a.max_budget_usd!, usedUsd: costs.get(a.id) ?? 0 }));
    if (wants('subtree') && roots.length > 0) {
      const spent = subtreeSpender(configs.values(), costs);
      for (const a of roots) budgets.push(line({ scope: 'subtree', id: a.id, ...nameOf(a), limitUsd: a.subtree_budget_usd!, usedUsd: spent(a.id) }));
    }
    const fleet = ctx.config.budgets.fleet_daily_usd;
    if (wants('fleet-daily') && fleet !== undefined) {
      const day = utcDay();
      budgets.push(line({ scope: 'fleet-daily', id: day, limitUsd: fleet, usedUsd: await fleetSpentOn(ctx.redis, ctx.keys, day) }));
    }
  }
  if (wants('task')) budgets.push(...(await taskBudgets(ctx, filter)));

  const counts: Record<BudgetState, number> = { ok: 0, near: 0, reached: 0 };
  for (const b of budgets) counts[b.state]++;
  return { at: new Date().toISOString(), budgets, counts };
}

async function taskBudgets(ctx: NoxContext, filter: BudgetFilter): Promise<BudgetLine[]> {
  const store = createTaskStore(ctx.redis, ctx.keys);
  let tasks: Task[];
  if (filter.task !== undefined) tasks = [await store.get(filter.task)].filter((t): t is Task => t !== undefined);
  else if (filter.agent !== undefined) tasks = await store.byAgent(filter.agent);
  else tasks = await store.all();
  const budgeted = tasks.filter((t) => t.budget_usd !== undefined);
  const usage = await readTaskUsage(ctx.redis, ctx.keys, budgeted.map((t) => t.id));
  return budgeted.map((t) => line({ scope: 'task', id: t.id, name: t.title, agentId: t.agent_id, limitUsd: t.budget_usd!, usedUsd: usage.get(t.id)?.costUsd ?? 0 }));
}

const nameOf = (a: AgentConfig): { name?: string } => (a.name ? { name: a.name } : {});

/** the agent and its ancestors, nearest first (a cycle in bad data ends the walk) */
function ancestry(agentId: string, configs: Map<string, AgentConfig>): string[] {
  const out: string[] = [];
  for (let id: string | undefined = agentId; id && !out.includes(id); id = configs.get(id)?.parent) out.push(id);
  return out;
}
