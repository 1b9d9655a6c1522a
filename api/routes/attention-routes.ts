import { z } from 'zod';
import { approvalRequestSchema, RISK_LEVELS } from '../../shared/approvals/approval-request.js';
import { ATTENTION_STATUSES } from '../../shared/attention/attention-item.js';
import { attentionList } from '../attention/attention-list.js';
import type { ApiDeps } from '../deps.js';
import { PEOPLE } from '../http/auth.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

const item = z.object({
  id: z.string(),
  kind: z.enum(['approval', ...ATTENTION_STATUSES.map((s) => `agent-${s}` as const)]),
  severity: z.enum(RISK_LEVELS),
  title: z.string(),
  reason: z.string(),
  since: z.string(),
  link: z.string(),
  agent_id: z.string(),
  approval_id: z.string().optional(),
  status: z.enum(ATTENTION_STATUSES).optional(),
  approval: approvalRequestSchema.optional(),
});

/** GET /api/attention: what needs a person (api/attention/attention-list.ts). People only: an agent has its own approvals route. */
export function attentionRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/attention',
      summary: '"Needs you": approvals waiting for a person and agents failed, stalled, parked past `attention.parked_after_ms` or over budget, most urgent first, each with its reason and a dashboard link',
      tag: 'attention',
      auth: PEOPLE,
      responses: {
        200: {
          description: 'The list',
          schema: z.object({ items: z.array(item), total: z.number(), counts: z.object({ approvals: z.number(), agents: z.number() }) }),
        },
      },
      handler: () => attentionList(deps.ctx),
    }),
  ];
}
