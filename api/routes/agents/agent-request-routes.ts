import { z } from 'zod';
import { agentRequestDepsFor } from '../../../shared/approvals/agent-request-deps.js';
import { APPROVAL_ID_PATTERN } from '../../../shared/approvals/approval-request.js';
import { AgentRequestNotFoundError } from '../../../shared/errors/agent-errors.js';
import type { ApiDeps } from '../../deps.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { agentRequestView, READERS, requestView } from './agent-views.js';

/**
 * /api/agent-requests: a spawn by an agent or a deletion that waited for an approval
 * (agent-lifecycle-routes.ts answered 202 with its `approval_id`), and how it ended.
 */
const requestParams = z.object({ id: z.string().regex(APPROVAL_ID_PATTERN, `must match ${APPROVAL_ID_PATTERN.source}`) }).strict();

export function agentRequestRoutes(deps: ApiDeps): RouteSpec[] {
  const { requests } = agentRequestDepsFor(deps.ctx);

  return [
    defineRoute({
      method: 'get',
      path: '/api/agent-requests/:id',
      summary: 'A spawn or deletion that waited for an approval, by its approval id: pending, acting, done, denied or failed (with the reason)',
      tag: 'agents',
      auth: READERS,
      params: requestParams,
      responses: { 200: { description: 'the request', schema: agentRequestView } },
      handler: async ({ params, principal }) => {
        const found = await requests.get(params.id);
        // an agent reads only what it asked for
        if (!found || (principal?.role === 'agent' && found.requested_by !== `agent:${principal.agentId}`)) throw new AgentRequestNotFoundError(params.id);
        return requestView(found);
      },
    }),
  ];
}
