import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';
import { newTaskId } from '../registry/task-markdown.js';
import { TASK_ID_PATTERN, TASK_PRIORITIES, TASK_STATUSES, type TaskRecord, type TaskStatus } from '../registry/task-record.js';

/**
 * The Task of the tasks workflow: the registry's task record (shared/registry/task-record.ts,
 * what tasks.toml and tasks/<agent>.md hold) plus the fields the workflow adds. There is one
 * model: these extra fields are stored in the same `[[tasks]]` tables.
 *
 * Statuses are the registry's: `pending` (the seed's "todo"), `in_progress`, `blocked`,
 * `done`, `cancelled`; the API also accepts `todo` and `in-progress`.
 * A task whose dependencies are not all done is `blocked` with `blocked_by_dependencies`,
 * and goes back to `pending` by itself when the last one is done.
 * `deadline` is the date the markdown shows (YYYY-MM-DD); `deadline_at` is the exact
 * instant (a date alone means the end of that UTC day).
 */
export type Task = TaskRecord & {
  agent_id: string;
  description: string;
  created_at: string;
  dependencies: string[];
  requested_by: string;
  deadline_at?: string;
  blocked_by_dependencies?: boolean;
  delegated_from?: string;
  /** set once the passed deadline has been reported */
  deadline_passed_at?: string;
  /** what the turns done for the task may cost together (docs/AGENTS.md, "Budgets per task"); people set it, agents cannot */
  budget_usd?: number;
};

export const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'in_progress', 'blocked'];
export const isOpen = (status: TaskStatus | undefined): boolean => OPEN_STATUSES.includes(status ?? 'pending');

const STATUS_ALIASES: Record<string, TaskStatus> = { todo: 'pending', 'in-progress': 'in_progress' };
export const statusInputSchema = z
  .enum([...TASK_STATUSES, 'todo', 'in-progress'] as [string, ...string[]])
  .transform((s) => (STATUS_ALIASES[s] ?? s) as TaskStatus);

/** `YYYY-MM-DD` or a full ISO date-time. */
export const deadlineInputSchema = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'a date YYYY-MM-DD or an ISO date-time');

export const taskIdSchema = z.string().regex(TASK_ID_PATTERN, `must match ${TASK_ID_PATTERN.source}`);
/** a task's budget in USD (docs/AGENTS.md, "Budgets per task") */
export const taskBudgetSchema = z.number().positive().max(1_000_000);
const agentIdSchema = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);

export const createTaskSchema = z
  .object({
    id: taskIdSchema.optional(),
    agent_id: agentIdSchema,
    title: z.string().min(1).max(500),
    description: z.string().max(20_000).default(''),
    status: statusInputSchema.optional(),
    priority: z.enum(TASK_PRIORITIES).default('normal'),
    deadline: deadlineInputSchema.optional(),
    dependencies: z.array(taskIdSchema).max(100).default([]),
    budget_usd: taskBudgetSchema.optional(),
  })
  .strict();
export type CreateTaskInput = z.output<typeof createTaskSchema>;

export const updateTaskSchema = z
  .object({
    title: z.string().min(1).max(500).optional(),
    description: z.string().max(20_000).optional(),
    status: statusInputSchema.optional(),
    priority: z.enum(TASK_PRIORITIES).optional(),
    deadline: deadlineInputSchema.nullable().optional(),
    dependencies: z.array(taskIdSchema).max(100).optional(),
    /** null removes the budget */
    budget_usd: taskBudgetSchema.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type TaskPatch = z.output<typeof updateTaskSchema>;

export const delegateTaskSchema = z.object({ to: agentIdSchema, note: z.string().max(2000).optional() }).strict();

/** The exact instant of a deadline input: a bare date ends with its UTC day. */
export function deadlineInstant(input: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(input)) return new Date(Date.parse(`${input}T00:00:00Z`) + 24 * 3600 * 1000).toISOString();
  return new Date(input).toISOString();
}

export function newTask(input: CreateTaskInput, requestedBy: string, now = new Date()): Task {
  const at = now.toISOString();
  const task: Task = {
    id: input.id ?? newTaskId(),
    agent_id: input.agent_id,
    title: input.title,
    description: input.description,
    status: input.status ?? 'pending',
    priority: input.priority,
    created_at: at,
    updatedAt: at,
    dependencies: [...new Set(input.dependencies)],
    requested_by: requestedBy,
  };
  if (input.deadline) Object.assign(task, deadlineFields(input.deadline));
  if (input.budget_usd !== undefined) task.budget_usd = input.budget_usd;
  return task;
}

export function deadlineFields(input: string): { deadline: string; deadline_at: string } {
  const at = deadlineInstant(input);
  return { deadline: input.slice(0, 10), deadline_at: at };
}

/** A copy without undefined fields (TOML has no null). */
export function tomlSafe(task: Task): Record<string, unknown> {
  return Object.fromEntries(Object.entries(task).filter(([, v]) => v !== undefined && v !== null));
}
