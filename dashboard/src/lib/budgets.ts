import type { BudgetReport } from '../api/types';
import { useResource, type Resource } from '../api/use-resource';

/**
 * GET /api/budgets as live state (docs/OBSERVABILITY.md, "Budgets"). What is spent moves
 * when a turn ends (an `agent.status` change), a limit when an agent or a task is changed;
 * a burst of either costs one request per second at most.
 */
export const BUDGET_EVENTS = ['agent.status', 'agent.updated', 'agent.created', 'agent.deleted', 'agent.budget-exceeded', 'task.created', 'task.updated', 'task.budget-reached', 'task.budget-released'] as const;
const BUDGET_THROTTLE_MS = 1000;

/** `query`: `agent=<id>`, `task=<id>`, `scope=<scope>` (empty: every budget) */
export function useBudgets(query = ''): Resource<BudgetReport> {
  return useResource<BudgetReport>(`/api/budgets${query ? `?${query}` : ''}`, { refreshOn: BUDGET_EVENTS, throttleMs: BUDGET_THROTTLE_MS });
}

export const SCOPE_LABEL: Record<string, string> = { agent: 'agent', subtree: 'spawn subtree', 'fleet-daily': 'fleet, today (UTC)', task: 'task' };
