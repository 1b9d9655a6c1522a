import { z } from 'zod';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NotFoundError } from '../../shared/errors/not-found-error.js';
import { listHosts, setHostCordoned } from '../../shared/hosts/host-directory.js';
import { HOST_JOB, startDrain } from '../../shared/hosts/host-drain.js';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { ID_PATTERN } from '../../shared/ids.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * Cordon and uncordon a worker host (issue 15): a cordoned host gets no new agent (spawns
 * and failovers skip it, workers/agents/placement.ts) and keeps running the ones it has.
 * Idempotent: cordoning a cordoned host changes nothing and publishes nothing.
 */
/** a host that has registered (alive or not): 404 otherwise */
async function requireKnownHost(ctx: ApiDeps['ctx'], hostId: string): Promise<void> {
  const known = (await listHosts(ctx.redis, ctx.keys)).some((h) => h.id === hostId);
  if (!known) throw new NotFoundError(`No worker host "${hostId}"`, ERROR_CODE.hostNotFound);
}

const hostParams = z.object({ id: z.string().regex(ID_PATTERN) });
const cordonAnswer = z.object({ hostId: z.string(), cordoned: z.boolean(), changed: z.boolean() });

export function hostRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const route = (verb: 'cordon' | 'uncordon', cordoned: boolean): RouteSpec =>
    defineRoute({
      method: 'post',
      path: `/api/system/hosts/:id/${verb}`,
      summary: cordoned ? 'Cordon a host: no new agent is placed there; its running agents stay' : 'Lift a host’s cordon: agents may be placed there again',
      tag: 'system',
      auth: OPERATORS,
      params: hostParams,
      responses: { 200: { description: 'The host’s cordon state', schema: cordonAnswer } },
      handler: async ({ params, principal, correlationId }) => {
        await requireKnownHost(ctx, params.id);
        const changed = await setHostCordoned(ctx.redis, ctx.keys, params.id, cordoned);
        if (changed) {
          await ctx.events.publish({ type: cordoned ? HOST_EVENT.cordoned : HOST_EVENT.uncordoned, hostId: params.id, correlationId, data: { by: requester(principal) } });
        }
        return { hostId: params.id, cordoned, changed };
      },
    });
  return [route('cordon', true), route('uncordon', false), drainRoute(deps)];
}

/**
 * Drain a host (issue 15, item 4; docs/HOSTS.md "Cordon and drain"): cordons it and marks it
 * `draining`; the host moves its agents to other hosts between turns, with their sessions,
 * and turns `drained` once none is left. The job on its queue makes it start at once (it
 * also looks every heartbeat interval, so a host down now drains when it comes back).
 * Idempotent: a host already draining or drained is left as it is. Uncordon ends a drain.
 */
const drainAnswer = z.object({ hostId: z.string(), state: z.enum(['draining', 'drained']), changed: z.boolean() });

function drainRoute(deps: ApiDeps): RouteSpec {
  const { ctx } = deps;
  return defineRoute({
    method: 'post',
    path: '/api/system/hosts/:id/drain',
    summary: 'Drain a host: cordon it and move its agents to other hosts between turns, with their sessions',
    tag: 'system',
    auth: OPERATORS,
    params: hostParams,
    responses: { 200: { description: 'The host’s drain state', schema: drainAnswer } },
    handler: async ({ params, principal, correlationId }) => {
      await requireKnownHost(ctx, params.id);
      const { state, changed, cordoned } = await startDrain(ctx.redis, ctx.keys, params.id);
      const by = requester(principal);
      if (cordoned) await ctx.events.publish({ type: HOST_EVENT.cordoned, hostId: params.id, correlationId, data: { by } });
      if (changed) {
        await ctx.events.publish({ type: HOST_EVENT.draining, hostId: params.id, correlationId, data: { by } });
        await ctx.queue(ctx.keys.hostQueue(params.id)).add(HOST_JOB.drain, { correlationId, requestedBy: by }, { priority: PRIORITY.high });
      }
      return { hostId: params.id, state, changed };
    },
  });
}
