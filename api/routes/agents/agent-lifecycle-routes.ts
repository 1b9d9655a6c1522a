import { z } from 'zod';
import { agentConfigInputSchema, agentConfigPatchSchema, newAgentConfig, patchAgentConfig, type AgentConfig } from '../../../shared/agents/agent-config.js';
import { AGENT_EVENT } from '../../../shared/agents/agent-events.js';
import { AGENT_JOB, type AgentCommandJob } from '../../../shared/agents/agent-jobs.js';
import { isLive } from '../../../shared/agents/agent-status.js';
import { agentStoreFor, requireAgent } from '../../../shared/agents/agent-store.js';
import { readRuntime, writeRuntime } from '../../../shared/agents/runtime-state.js';
import { checkSpawn, enqueueSpawn as queueSpawn } from '../../../shared/agents/spawn-enqueue.js';
import { agentRequestDepsFor } from '../../../shared/approvals/agent-request-deps.js';
import { AgentExistsError, AgentNotParkedError } from '../../../shared/errors/agent-errors.js';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import { ConflictError } from '../../../shared/errors/service-errors.js';
import { PRIORITY } from '../../../shared/queues/priority.js';
import type { Principal } from '../../../shared/types.js';
import { deleteAgentAct, restartAgentAct, startAgentAct, stopAgentAct } from '../../agents/agent-acts.js';
import { askForAgentRequest, openRequestFor, spawnApproval, spawnRequest } from '../../agents/agent-request-ask.js';
import { sendHostCommand } from '../../agents/host-command.js';
import type { ApiDeps } from '../../deps.js';
import { OPERATORS } from '../../http/auth.js';
import { requester } from '../../http/requester.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { requireAgentProject } from '../../projects/project-acts.js';
import { agentView, answer, CREATORS, idParams, view, waiting, waitingView } from './agent-views.js';

/**
 * The life of an agent: create, change, delete; start, stop, restart, interrupt, unpark (resume now), reset.
 * People act; an agent principal may create agents (they become its children: `parent` is
 * forced to itself, so the spawn guards see the hierarchy).
 *
 * Acting on a running agent = a job on the owning host's own queue; starting = a job on
 * the shared `spawn` queue (placement, guards and idempotency live in its handler).
 *
 * Two acts wait for an approval (issue 6; docs/APPROVALS.md, "Other sources"): a create by
 * an agent principal (`spawn_agent`, what the tools server's spawn_agent calls) and every
 * delete (`delete_agent`). Both are checked first as before (spawn guards, 409 while
 * running); then the policy decides: approved at once → done now (201 / 204, as before);
 * denied at once → 403 `ERROR_CODE.approvalDenied`; a person must decide → 202 with the
 * `approval_id`, and the act happens once it is approved (GET /api/agent-requests/:id,
 * agent-request-routes.ts, says how it ended).
 */
const createBody = agentConfigInputSchema.extend({ start: z.boolean().default(false) });
const reasonBody = z.object({ reason: z.string().max(500).optional() }).strict().default({});

export function agentLifecycleRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const store = agentStoreFor(ctx);
  const requestDeps = agentRequestDepsFor(ctx);
  const acts = { ctx, store, requestDeps };

  const enqueueSpawn = (agent: AgentConfig, correlationId: string, principal: Principal | undefined): Promise<string | undefined> =>
    queueSpawn(ctx, store, agent, { correlationId, requestedBy: requester(principal) });

  /** the job of a host command for an existing agent (404 when there is none) */
  const commandFor = async (agentId: string, principal: Principal | undefined, correlationId: string, reason?: string): Promise<AgentCommandJob> => {
    await requireAgent(store, agentId);
    return { agentId, ...(reason === undefined ? {} : { reason }), correlationId, requestedBy: requester(principal) };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/agents',
      summary: 'Create an agent (and start it when `start` is true). For an agent principal this is a spawn: it waits for a spawn_agent approval',
      tag: 'agents',
      auth: CREATORS,
      body: createBody,
      status: 201,
      responses: {
        201: { description: 'created (by a person; or by an agent, approved at once by the policy: `approval_id` says which approval)', schema: agentView.extend({ spawnJobId: z.string().optional(), approval_id: z.string().optional() }) },
        202: { description: 'an agent’s spawn waits for a person: decide `approval_id`; GET /api/agent-requests/{approval_id} says how it ended', schema: waitingView },
      },
      handler: async ({ body, principal, correlationId }, _req, res) => {
        const { start, ...input } = body;
        if (principal?.role === 'agent') input.parent = principal.agentId;
        const config = newAgentConfig(input);
        if (config.parent) await requireAgent(store, config.parent);
        requireAgentProject(ctx, config); // an unknown project: 404 before anything is created
        if (principal?.role === 'agent') {
          // The fast refusals first (as for a person): the id is taken, the guards say no.
          if (await store.get(config.id)) throw new AgentExistsError(config.id);
          const again = await openRequestFor(requestDeps, 'spawn', config.id, requester(principal));
          if (again) return answer(res, 202, waiting(again));
          if (start) await checkSpawn(ctx, store, config, { correlationId, requestedBy: requester(principal) });
          const approval = spawnApproval(config, principal.agentId as string, start, correlationId);
          const outcome = await askForAgentRequest(ctx, requestDeps, spawnRequest(approval, config, start), approval, correlationId);
          if (outcome.status !== 'done') return answer(res, 202, waiting(outcome));
          const jobId = outcome.request.result?.spawn_job_id;
          return answer(res, 201, { ...view(config, undefined), approval_id: approval.id, ...(typeof jobId === 'string' ? { spawnJobId: jobId } : {}) });
        }
        await store.create(config, requester(principal));
        await ctx.events.publish({ type: AGENT_EVENT.created, agentId: config.id, correlationId, data: { by: requester(principal), parent: config.parent ?? null } });
        const jobId = start ? await enqueueSpawn(config, correlationId, principal) : undefined;
        return { ...view(config, undefined), ...(jobId ? { spawnJobId: jobId } : {}) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/agents/:id',
      summary: 'Change an agent’s config (takes effect at its next start or restart)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      body: agentConfigPatchSchema,
      handler: async ({ params, body, principal, correlationId }) => {
        const next = patchAgentConfig(await requireAgent(store, params.id), body);
        await store.update(next, requester(principal));
        await ctx.events.publish({ type: AGENT_EVENT.updated, agentId: params.id, correlationId, data: { fields: Object.keys(body) } });
        return view(next, await readRuntime(ctx.redis, ctx.keys, params.id));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/agents/:id',
      summary: 'Delete an agent (a delete_agent approval); a running one must be stopped first',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      status: 204,
      responses: {
        204: { description: 'deleted: the policy approved it at once' },
        202: { description: 'the deletion waits for a person: decide `approval_id`; GET /api/agent-requests/{approval_id} says how it ended', schema: waitingView },
      },
      handler: async ({ params, principal, correlationId }, _req, res) => {
        const r = await deleteAgentAct(acts, params.id, { requestedBy: requester(principal), correlationId });
        return r.outcome === 'done' ? answer(res, 204) : answer(res, 202, waiting(r.waiting));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/start',
      summary: 'Start an agent: a spawn job places it on a live host (a no-op when it runs already)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      status: 202,
      handler: async ({ params, principal, correlationId }) => startAgentAct(acts, params.id, { requestedBy: requester(principal), correlationId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/stop',
      summary: 'Stop an agent (TERM to its process group, KILL after the grace)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      body: reasonBody,
      status: 202,
      handler: async ({ params, body, principal, correlationId }) => stopAgentAct(acts, params.id, { requestedBy: requester(principal), correlationId, ...(body.reason === undefined ? {} : { reason: body.reason }) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/restart',
      summary: 'Restart a running agent (same session, --resume)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      body: reasonBody,
      status: 202,
      handler: async ({ params, body, principal, correlationId }) => restartAgentAct(acts, params.id, { requestedBy: requester(principal), correlationId, ...(body.reason === undefined ? {} : { reason: body.reason }) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/interrupt',
      summary: 'Interrupt the turn in progress (an interrupt control request)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      status: 202,
      handler: async ({ params, principal, correlationId }) => {
        const data = await commandFor(params.id, principal, correlationId);
        return { id: params.id, ...(await sendHostCommand(ctx, params.id, AGENT_JOB.interrupt, data, PRIORITY.critical)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/unpark',
      summary: 'Resume a parked agent now, before its usage limit resets: the turn the limit held runs once now (409 when it is not parked)',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      status: 202,
      handler: async ({ params, principal, correlationId }) => {
        const data = await commandFor(params.id, principal, correlationId);
        const status = (await readRuntime(ctx.redis, ctx.keys, params.id))?.status;
        if (status !== 'parked') throw new AgentNotParkedError(params.id, status ?? 'never started');
        return { id: params.id, ...(await sendHostCommand(ctx, params.id, AGENT_JOB.unpark, data, PRIORITY.critical)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/reset',
      summary: 'Close the circuit breaker of a failed agent and start it again',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      status: 202,
      handler: async ({ params, principal, correlationId }) => {
        const agent = await requireAgent(store, params.id);
        const runtime = await readRuntime(ctx.redis, ctx.keys, params.id);
        if (runtime && isLive(runtime.status)) throw new ConflictError(`Agent "${params.id}" is ${runtime.status}; only a stopped or failed agent can be reset`, ERROR_CODE.agentRunning);
        await writeRuntime(ctx.redis, ctx.keys, params.id, { circuitOpen: false, status: 'stopped', reason: `reset by ${requester(principal)}` });
        await ctx.events.publish({ type: AGENT_EVENT.reset, agentId: params.id, correlationId, data: { by: requester(principal) } });
        return { id: params.id, queued: true, jobId: await enqueueSpawn(agent, correlationId, principal) };
      },
    }),
  ];
}
