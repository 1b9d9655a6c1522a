import { BudgetReachedError, TaskBudgetReachedError } from '../../shared/errors/agent-errors.js';
import type { BudgetGuard, BudgetVerdict } from './budget-guard.js';

/** What the gate needs of a supervisor. */
export interface Holdable {
  readonly agentId: string;
  budgetHold(verdict: { reason: string; detail: Record<string, unknown> } | undefined): void;
}

/**
 * The turn boundary's budget check, before a turn is handed to an agent: a spent shared
 * budget puts the agent on hold (over-budget, with the reason and an `agent.budget-exceeded`
 * event once) and refuses the turn — the messages stay in the inbox, a turn job fails with
 * 409 (ERROR_CODE.budgetReached); a budget with room again releases the hold.
 *
 * A turn for a task (`taskId`) is also refused when the task's budget is spent
 * (TaskBudgetReachedError, the same 409): that refuses this turn only, the agent is not
 * held — its turns for other tasks, or for none, go on.
 */
export async function admitTurn(guard: BudgetGuard, agent: Holdable, taskId?: string): Promise<void> {
  const verdict = await guard.check(agent.agentId);
  if (!verdict.ok) {
    agent.budgetHold({ reason: verdict.reason, detail: detailOf(verdict) });
    throw new BudgetReachedError(agent.agentId, verdict.reason);
  }
  agent.budgetHold(undefined);
  if (taskId === undefined) return;
  const task = await guard.checkTask(taskId);
  if (!task.ok) throw new TaskBudgetReachedError(taskId, task.reason, { spentUsd: task.spentUsd, budgetUsd: task.budgetUsd });
}

function detailOf(v: Exclude<BudgetVerdict, { ok: true }>): Record<string, unknown> {
  const { ok: _ok, ...rest } = v;
  return rest;
}
