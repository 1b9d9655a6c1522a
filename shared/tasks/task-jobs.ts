import type { JobEnvelope } from '../queues/jobs.js';
import type { Task, TaskPatch } from './task-model.js';

/** Jobs of the shared `tasks` queue. Each is idempotent (the job id is its idempotency key). */
export const TASK_JOB = {
  create: 'task.create',
  update: 'task.update',
  delegate: 'task.delegate',
  /** a person's edit of tasks/<agent>.md, as the registry's watcher reported it */
  edited: 'task.edited',
} as const;

export interface CreateTaskJob extends JobEnvelope {
  task: Task;
}
export interface UpdateTaskJob extends JobEnvelope {
  taskId: string;
  patch: TaskPatch;
}
export interface DelegateTaskJob extends JobEnvelope {
  taskId: string;
  to: string;
  note?: string;
}
export interface EditedTaskJob extends JobEnvelope {
  agentId: string;
  /** the task as the watcher applied it to tasks.toml */
  task: Record<string, unknown>;
  kind: 'created' | 'updated' | 'cancelled';
  changes: Record<string, [unknown, unknown]>;
  eventId: string;
}

export const TASK_EVENT = {
  created: 'task.created',
  updated: 'task.updated',
  delegated: 'task.delegated',
  unblocked: 'task.unblocked',
  deadline: 'task.deadline-passed',
  /** the task's budget is spent: its messages are set aside, no turn is done for it (docs/AGENTS.md, "Budgets per task") */
  budgetReached: 'task.budget-reached',
  /** the task has room again: its messages set aside go back to their inboxes */
  budgetReleased: 'task.budget-released',
} as const;
