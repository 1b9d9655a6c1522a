import { z } from 'zod';

/**
 * A task as kept in agents/<id>/tasks.toml (`[[tasks]]`) and shown in tasks/<id>.md.
 * Extra fields are kept (the tasks workflow may add its own); these are the ones the
 * markdown file shows and a person can edit.
 */
export const TASK_STATUSES = ['pending', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

export const TASK_ID_PATTERN = /^t-[a-z0-9][a-z0-9-]{0,62}$/;

export const taskRecordSchema = z.looseObject({
  id: z.string().regex(TASK_ID_PATTERN, `must match ${TASK_ID_PATTERN.source}`),
  title: z.string().min(1).max(500),
  status: z.enum(TASK_STATUSES).default('pending'),
  priority: z.enum(TASK_PRIORITIES).default('normal'),
  /** YYYY-MM-DD */
  deadline: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  updatedAt: z.string().optional(),
  /** the task's budget in USD (docs/AGENTS.md, "Budgets per task") */
  budget_usd: z.number().positive().optional(),
});
export type TaskRecord = z.output<typeof taskRecordSchema>;
