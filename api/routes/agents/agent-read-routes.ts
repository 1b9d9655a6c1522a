import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../../shared/agents/agent-store.js';
import { readConversation } from '../../../shared/agents/conversation-log.js';
import { readRuntime } from '../../../shared/agents/runtime-state.js';
import { AGENT_SORTS, fullRuntimes, listAgents, listVersion, type AgentListRow } from '../../agents/agent-list.js';
import type { ApiDeps } from '../../deps.js';
import { onlySelf, ownAgent } from '../../http/agent-scope.js';
import { ForbiddenError } from '../../../shared/errors/auth-errors.js';
import { createBodyMemory } from '../../http/body-memory.js';
import { sendJsonText } from '../../http/json-answer.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { agentSummaryView, agentView, idParams, publicAgentView, publicSummary, READERS, view, viewFor } from './agent-views.js';

/**
 * Reading agents: every agent or one (config from the agent store joined with runtime
 * state from Redis), its conversation and its metrics. People read everything. An agent
 * token reads its own config, conversation and metrics, and of the others only the public
 * view (agent-views.ts `publicView`); another's conversation or metrics is 403
 * `ERROR_CODE.notOwnAgent` (agent ids are public, so saying so leaks nothing).
 *
 * The list's serialised JSON is kept per ETag (the agent store's version, the stream's
 * last event and the request's scope and query), so while nothing changed a list is
 * answered without reading the agents again nor serialising them (docs/PERFORMANCE.md).
 */
const oneAgent = z.union([agentView, publicAgentView]);
/** `a,b` or `?x=a&x=b`: a list of short tokens */
const many = (item: z.ZodString) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
    .pipe(z.array(item).max(100));
const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(5000).default(100),
    cursor: z.string().max(2000).optional(),
    /** runtime statuses (any the supervisor writes, and `never-started`) */
    status: many(z.string().regex(/^[a-z][a-z-]{0,39}$/, 'a runtime status')).optional(),
    host: many(z.string().min(1).max(200)).optional(),
    /** `key=value` (or `key`: the label is set) */
    label: many(z.string().regex(/^[a-z0-9_.-]{1,63}(=[^,]{0,63})?$/, 'key=value')).optional(),
    project: z.string().min(1).max(63).optional(),
    parent: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
    q: z.string().min(1).max(200).optional(),
    sort: z.enum(AGENT_SORTS).default('id'),
    order: z.enum(['asc', 'desc']).default('asc'),
    /** `compact` (default): the list's columns; `full`: each agent's config and whole runtime */
    view: z.enum(['compact', 'full']).default('compact'),
  })
  .strict();
const agentListView = z.object({
  agents: z.array(z.union([agentSummaryView, agentView, publicAgentView])),
  next: z.string().nullable(),
  total: z.number(),
  counts: z.record(z.string(), z.number()),
});
const pageQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function agentReadRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const store = agentStoreFor(ctx);
  // the answered list per ETag: the tag names everything the list is made of (see listVersion)
  const bodies = createBodyMemory(64);

  return [
    defineRoute({
      method: 'get',
      path: '/api/agents',
      summary:
        'A page of agents (`limit`, `cursor` = the previous page’s `next`), filtered by runtime status, host, label, project, parent and `q` (text in id or name), sorted; `counts` by runtime status. Compact items, or `view=full` for configs and runtime. ETag / If-None-Match → 304 while nothing changed. An agent token sees itself in full and the others’ public view, and may not filter by host, label or project',
      tag: 'agents',
      auth: READERS,
      query: listQuery,
      responses: { 200: { description: 'one page of the agents', schema: agentListView }, 304: { description: 'the list is as the If-None-Match tag says' } },
      handler: async ({ principal, query }, req, res) => {
        const me = ownAgent(principal);
        if (me !== undefined && (query.host || query.label || query.project || !['id', 'name', 'created', 'status'].includes(query.sort))) {
          throw new ForbiddenError('An agent token lists other agents by their public fields only: no host, label, project filter nor sort by host or usage');
        }
        const tag = await listVersion(ctx, store, `${principal?.role ?? ''}:${me ?? ''}:${req.url.split('?')[1] ?? ''}`);
        if (tag) {
          res.setHeader('ETag', tag);
          res.setHeader('Cache-Control', 'private, no-cache');
          if (req.headers['if-none-match'] === tag) return void res.status(304).end();
          const known = bodies.get(tag);
          if (known !== undefined) return sendJsonText(req, res, known);
        }
        const page = await listAgents(ctx, store, query);
        const runtimes = query.view === 'full' ? await fullRuntimes(ctx, page.rows) : undefined;
        const item = ({ config, summary }: AgentListRow) => {
          if (me !== undefined && me !== config.id) return publicSummary(config, summary);
          return runtimes ? view(config, runtimes.get(config.id)) : summary;
        };
        const body = JSON.stringify({ agents: page.rows.map(item), next: page.next, total: page.total, counts: page.counts });
        if (!tag) return void res.type('json').send(body); // Express makes the ETag from the body
        bodies.remember(tag, body);
        sendJsonText(req, res, body);
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
