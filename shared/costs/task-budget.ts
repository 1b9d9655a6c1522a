import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import type { Task } from '../tasks/task-model.js';
import { readTaskUsage } from './task-usage.js';

/** Whether a turn may still be done for a task: it has no budget, or it has spent less than its `budget_usd`. */
export type TaskBudgetVerdict = { ok: true } | { ok: false; scope: 'task'; task: string; spentUsd: number; budgetUsd: number; reason: string };

/** The verdict on a task (a task that is gone, or has no budget: ok), reading what its turns have cost. */
export async function checkTaskBudget(redis: Redis, keys: Keys, task: Pick<Task, 'id' | 'budget_usd'> | undefined): Promise<TaskBudgetVerdict> {
  const budgetUsd = task?.budget_usd;
  if (!task || budgetUsd === undefined) return { ok: true };
  const spentUsd = (await readTaskUsage(redis, keys, [task.id])).get(task.id)?.costUsd ?? 0;
  if (spentUsd < budgetUsd) return { ok: true };
  return { ok: false, scope: 'task', task: task.id, spentUsd, budgetUsd, reason: `task ${task.id} has spent its budget of $${budgetUsd} ($${spentUsd.toFixed(4)})` };
}
