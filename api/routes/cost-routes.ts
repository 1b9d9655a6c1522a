import { z } from 'zod';
import { utcDay } from '../../shared/costs/daily-usage.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
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

const usage = { costUsd: z.number(), turns: z.number(), inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheCreationTokens: z.number() };

/** Cost and tokens over time (docs/OBSERVABILITY.md, "Cost over time"). */
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
  ];
}
