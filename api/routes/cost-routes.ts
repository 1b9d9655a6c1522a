import { z } from 'zod';
import { utcDay } from '../../shared/costs/daily-usage.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { taskIdSchema } from '../../shared/tasks/task-model.js';
import { budgetReport } from '../costs/budget-report.js';
import { costReport, MAX_REPORT_DAYS } from '../costs/cost-report.js';
import type { ApiDeps } from '../deps.js';
import { PEOPLE } from '../http/auth.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAY_MS = 86_400_000;

const costQuery = z
  .object({
    by: z.enum(['day', 'agent', 'project']).default('day'),
    /** first UTC day, YYYY-MM-DD; default 29 days before `to` */
    from: z.string().regex(DAY, 'must be a day YYYY-MM-DD').optional(),
    /** last UTC day, YYYY-MM-DD; default today */
    to: z.string().regex(DAY, 'must be a day YYYY-MM-DD').optional(),
  })
  .strict();

const BUDGET_SCOPES = ['agent', 'subtree', 'fleet-daily', 'task'] as const;
const BUDGET_STATES = ['ok', 'near', 'reached'] as const;
const budgetQuery = z
  .object({
    scope: z.enum(BUDGET_SCOPES).optional(),
    /** the budgets a turn of this agent falls under: its own, its and its ancestors' subtrees, the fleet's day, its tasks' */
    agent: z.string().regex(ID_PATTERN).optional(),
    task: taskIdSchema.optional(),
  })
  .strict();
const budgetLine = z.object({
  scope: z.enum(BUDGET_SCOPES),
  id: z.string(),
  name: z.string().optional(),
  agentId: z.string().optional(),
  limitUsd: z.number(),
  usedUsd: z.number(),
  state: z.enum(BUDGET_STATES),
});

const usage = { costUsd: z.number(), turns: z.number(), inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheCreationTokens: z.number() };

/** Cost and tokens over time (docs/OBSERVABILITY.md, "Cost over time"), and the budgets' use ("Budgets"). */
export function costRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/costs',
      summary: 'Cost and tokens per day, per agent or per project over a range of UTC days',
      tag: 'costs',
      auth: PEOPLE,
      query: costQuery,
      responses: {
        200: {
          description: 'The report',
          schema: z.object({ from: z.string(), to: z.string(), by: z.enum(['day', 'agent', 'project']), total: z.object(usage), rows: z.array(z.object({ key: z.string(), ...usage })) }),
        },
      },
      handler: async ({ query }) => {
        const to = query.to ?? utcDay();
        const from = query.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
        const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
        if (Number.isNaN(span) || span < 1) throw new ValidationError('`from` must not be after `to`', [{ path: 'query.from', message: 'after `to`', code: 'custom' }]);
        if (span > MAX_REPORT_DAYS) throw new ValidationError(`at most ${MAX_REPORT_DAYS} days per report`, [{ path: 'query.from', message: `more than ${MAX_REPORT_DAYS} days before \`to\``, code: 'custom' }]);
        return costReport(deps.ctx, query.by, from, to);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/budgets',
      summary: 'Every budget in force — per agent, per spawn subtree, the fleet’s day, per task — with its limit, what was spent against it and its state (ok, near: ≥ 80 %, reached)',
      tag: 'costs',
      auth: PEOPLE,
      query: budgetQuery,
      responses: {
        200: {
          description: 'The budgets',
          schema: z.object({ at: z.string(), budgets: z.array(budgetLine), counts: z.object({ ok: z.number(), near: z.number(), reached: z.number() }) }),
        },
      },
      handler: async ({ query }) => budgetReport(deps.ctx, query),
    }),
  ];
}
