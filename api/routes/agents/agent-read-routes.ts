import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../../shared/agents/agent-store.js';
import { readConversation } from '../../../shared/agents/conversation-log.js';
import { readRuntime, readRuntimes } from '../../../shared/agents/runtime-state.js';
import type { ApiDeps } from '../../deps.js';
import { onlySelf } from '../../http/agent-scope.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { agentView, idParams, publicAgentView, READERS, viewFor } from './agent-views.js';

/**
 * Reading agents: every agent or one (config from the agent store joined with runtime
 * state from Redis), its conversation and its metrics. People read everything. An agent
 * token reads its own config, conversation and metrics, and of the others only the public
 * view (agent-views.ts `publicView`); another's conversation or metrics is 403
 * `ERROR_CODE.notOwnAgent` (agent ids are public, so saying so leaks nothing).
 */
const oneAgent = z.union([agentView, publicAgentView]);
const pageQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function agentReadRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const store = agentStoreFor(ctx);

  return [
    defineRoute({
      method: 'get',
      path: '/api/agents',
      summary: 'Every agent: config and runtime state (an agent token: itself in full, the others’ public view)',
      tag: 'agents',
      auth: READERS,
      responses: { 200: { description: 'the agents', schema: z.object({ agents: z.array(oneAgent) }) } },
      handler: async ({ principal }) => {
        const configs = await store.list();
        const runtimes = await readRuntimes(ctx.redis, ctx.keys, configs.map((c) => c.id));
        return { agents: configs.map((c) => viewFor(principal, c, runtimes.get(c.id))) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id',
      summary: 'One agent: config and runtime state (an agent token: its own in full, another’s public view)',
      tag: 'agents',
      auth: READERS,
      params: idParams,
      responses: { 200: { description: 'the agent', schema: oneAgent } },
      handler: async ({ params, principal }) => viewFor(principal, await requireAgent(store, params.id), await readRuntime(ctx.redis, ctx.keys, params.id)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/conversation',
      summary: 'The agent’s conversation, paged by sequence number (`after` = last seq seen)',
      tag: 'agents',
      auth: READERS,
      params: idParams,
      query: pageQuery,
      handler: async ({ params, query, principal }) => {
        onlySelf(principal, params.id, 'the conversation');
        await requireAgent(store, params.id);
        const page = await readConversation(ctx.redis, ctx.keys, params.id, query.after, query.limit);
        const next = page.entries.at(-1)?.seq ?? query.after;
        return { ...page, next, more: next < page.lastSeq };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/metrics',
      summary: 'Cost, tokens, CPU and memory of an agent, with its recent samples',
      tag: 'agents',
      auth: READERS,
      params: idParams,
      handler: async ({ params, principal }) => {
        onlySelf(principal, params.id, 'the metrics');
        await requireAgent(store, params.id);
        const r = await readRuntime(ctx.redis, ctx.keys, params.id);
        const samples = (await ctx.redis.lrange(ctx.keys.agentSamples(params.id), -120, -1)).map((s) => JSON.parse(s) as unknown);
        return {
          id: params.id,
          status: r?.status ?? 'never started',
          costUsd: r?.costUsd ?? 0,
          tokens: { input: r?.inputTokens ?? 0, output: r?.outputTokens ?? 0, cacheRead: r?.cacheReadTokens ?? 0, cacheCreation: r?.cacheCreationTokens ?? 0 },
          turns: r?.turns ?? 0,
          restarts: r?.restarts ?? 0,
          cpuPercent: r?.cpuPercent ?? null,
          memoryMb: r?.memoryMb ?? null,
          throttled: r?.throttled ?? false,
          samples,
        };
      },
    }),
  ];
}
