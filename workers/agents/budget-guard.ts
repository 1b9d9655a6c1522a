import { agentStoreFor } from '../../shared/agents/agent-store.js';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { readAgentCosts, subtreeSpender } from '../../shared/costs/agent-spend.js';
import { fleetSpentOn, utcDay } from '../../shared/costs/daily-usage.js';
import { checkTaskBudget, type TaskBudgetVerdict } from '../../shared/costs/task-budget.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createTaskStore } from '../../shared/tasks/task-store.js';

/**
 * Budgets an agent shares with others, checked at turn boundaries (before a turn is handed
 * to the agent: workers/messages/deliverer.ts, agent-handlers.ts):
 *
 * - **spawn subtree**: an agent's `subtree_budget_usd` caps what it and every agent below it
 *   (children, their children...) have spent together; reached, no agent of the subtree
 *   takes a new turn — a grandchild is stopped by its grandparent's budget;
 * - **the fleet's day**: `budgets.fleet_daily_usd` caps what all agents spend per UTC day
 *   (the per-day ledger, shared/costs/daily-usage.ts); reached, no agent takes a turn until
 *   the next day.
 *
 * - **a task**: a task's `budget_usd` caps what the turns done for it cost together
 *   (shared/costs/task-usage.ts; which turns: shared/costs/task-attribution.ts); reached,
 *   no agent takes a turn for that task, while its other turns go on (`checkTask`).
 *
 * An agent's own `max_budget_usd` stays the supervisor's (cost-ledger.ts). The sums read
 * Redis and the agent list; they are reused for `budgets.check_cache_ms`, so a fleet of busy
 * agents costs a few reads a second, not one per turn.
 */
export type BudgetVerdict =
  | { ok: true }
  | { ok: false; scope: 'subtree'; of: string; spentUsd: number; budgetUsd: number; reason: string }
  | { ok: false; scope: 'fleet-daily'; day: string; spentUsd: number; budgetUsd: number; reason: string };

export interface BudgetGuard {
  check(agentId: string): Promise<BudgetVerdict>;
  /** whether a turn may be done for this task (a task without a budget, or gone: yes) */
  checkTask(taskId: string): Promise<TaskBudgetVerdict>;
}

interface Snapshot {
  at: number;
  configs: Map<string, AgentConfig>;
  /** what `root` and every agent below it have spent */
  subtreeSpent: (root: string) => number;
  todayUsd: number;
}

export function createBudgetGuard(ctx: NoxContext): BudgetGuard {
  const cfg = ctx.config.budgets;
  let snapshot: Promise<Snapshot> | undefined;
  let taken = 0;

  const read = async (): Promise<Snapshot> => {
    const configs = new Map((await agentStoreFor(ctx).list()).map((a) => [a.id, a] as const));
    // the runtimes only when some agent has a subtree budget: most fleets pay one list read
    const anySubtree = [...configs.values()].some((a) => a.subtree_budget_usd !== undefined);
    const spent = anySubtree ? await readAgentCosts(ctx.redis, ctx.keys, [...configs.keys()]) : new Map<string, number>();
    const todayUsd = cfg.fleet_daily_usd === undefined ? 0 : await fleetSpentOn(ctx.redis, ctx.keys, utcDay());
    return { at: Date.now(), configs, subtreeSpent: subtreeSpender(configs.values(), spent), todayUsd };
  };
  const current = (): Promise<Snapshot> => {
    if (!snapshot || Date.now() - taken > cfg.check_cache_ms) {
      taken = Date.now();
      snapshot = read().catch((err: unknown) => {
        snapshot = undefined;
        throw err;
      });
    }
    return snapshot;
  };

  const tasks = createTaskStore(ctx.redis, ctx.keys);
  const taskChecks = new Map<string, { at: number; verdict: Promise<TaskBudgetVerdict> }>();
  const readTask = async (taskId: string): Promise<TaskBudgetVerdict> => checkTaskBudget(ctx.redis, ctx.keys, await tasks.get(taskId));

  return {
    checkTask(taskId) {
      const now = Date.now();
      const cached = taskChecks.get(taskId);
      if (cached && now - cached.at <= cfg.check_cache_ms) return cached.verdict;
      if (taskChecks.size > 10_000) for (const [id, c] of taskChecks) if (now - c.at > cfg.check_cache_ms) taskChecks.delete(id);
      const verdict = readTask(taskId);
      taskChecks.set(taskId, { at: now, verdict });
      verdict.catch(() => taskChecks.delete(taskId));
      return verdict;
    },
    async check(agentId) {
      const s = await current();
      if (cfg.fleet_daily_usd !== undefined && s.todayUsd >= cfg.fleet_daily_usd) {
        const day = utcDay();
        return { ok: false, scope: 'fleet-daily', day, spentUsd: s.todayUsd, budgetUsd: cfg.fleet_daily_usd, reason: `the fleet's daily budget of $${cfg.fleet_daily_usd} is spent ($${s.todayUsd.toFixed(4)} on ${day}, UTC)` };
      }
      // the agent's ancestors (and itself), nearest first; a cycle in bad data ends the walk
      const seen = new Set<string>();
      for (let id: string | undefined = agentId; id && !seen.has(id); id = s.configs.get(id)?.parent) {
        seen.add(id);
        const budget = s.configs.get(id)?.subtree_budget_usd;
        if (budget === undefined) continue;
        const spentUsd = s.subtreeSpent(id);
        if (spentUsd >= budget) {
          return { ok: false, scope: 'subtree', of: id, spentUsd, budgetUsd: budget, reason: `the spawn subtree of ${id} has spent its budget of $${budget} ($${spentUsd.toFixed(4)})` };
        }
      }
      return { ok: true };
    },
  };
}

const perContext = new WeakMap<NoxContext, BudgetGuard>();

/** The host's guard: one snapshot cache per context, shared by the deliverer and the turn jobs. */
export function budgetGuardFor(ctx: NoxContext): BudgetGuard {
  let guard = perContext.get(ctx);
  if (!guard) perContext.set(ctx, (guard = createBudgetGuard(ctx)));
  return guard;
}

