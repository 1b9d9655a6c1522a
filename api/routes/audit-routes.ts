import { z } from 'zod';
import { STREAM_ID_PATTERN } from '../../shared/events/event-bus.js';
import { createAuditLog } from '../audit/audit-log.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS } from '../http/auth.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time, e.g. 2026-11-28T07:00:00Z');

const auditQuery = z
  .object({
    /** `user:<name>`, `agent:<id>` or `anonymous` */
    actor: z.string().max(200).optional(),
    /** part of the action, e.g. `POST /api/agents` or `DELETE` */
    action: z.string().max(200).optional(),
    /** part of the path acted on, e.g. an agent id */
    target: z.string().max(500).optional(),
    outcome: z.enum(['ok', 'denied', 'refused', 'failed']).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** the previous page's `next` */
    cursor: z.string().regex(STREAM_ID_PATTERN, 'must be the `next` of a previous page').optional(),
  })
  .strict();

const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  role: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'denied', 'refused', 'failed']),
  status: z.number(),
  correlationId: z.string(),
  address: z.string(),
});

/** The audit trail, newest first (docs/OBSERVABILITY.md, "Audit trail"). Read only: no route writes or erases it. */
export function auditRoutes(deps: ApiDeps): RouteSpec[] {
  const log = createAuditLog(deps.ctx);
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      summary: "Who did what: every state-changing request of a person or an agent, newest first, filtered and paged",
      tag: 'audit',
      auth: OPERATORS,
      query: auditQuery,
      responses: { 200: { description: 'A page of entries', schema: z.object({ entries: z.array(auditEntrySchema), next: z.string().nullable() }) } },
      handler: async ({ query }) => {
        const page = await log.list(query);
        return { entries: page.entries, next: page.next ?? null };
      },
    }),
  ];
}
