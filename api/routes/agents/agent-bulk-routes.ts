import { z } from 'zod';
import { agentConfigSchema, newAgentConfig, type AgentConfig } from '../../../shared/agents/agent-config.js';
import { AGENT_EVENT } from '../../../shared/agents/agent-events.js';
import { agentStoreFor, requireAgent } from '../../../shared/agents/agent-store.js';
import { agentRequestDepsFor } from '../../../shared/approvals/agent-request-deps.js';
import { ID_PATTERN } from '../../../shared/ids.js';
import { deleteAgentAct, restartAgentAct, startAgentAct, stopAgentAct, type ActBy } from '../../agents/agent-acts.js';
import { listAgents } from '../../agents/agent-list.js';
import { runPerAgent, summarize } from '../../agents/bulk-run.js';
import { OPERATORS } from '../../http/auth.js';
import { requester } from '../../http/requester.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import type { ApiDeps } from '../../deps.js';
import { requestView } from './agent-views.js';

/**
 * Acting on many agents at once (issue 21): `POST /api/agents/bulk` creates N agents from
 * a template agent (ids `<template>-001`, `-002` ... after the highest one taken), or
 * starts, stops, restarts or deletes the agents a selector picks (ids, runtime status,
 * labels, parent, host, text). Each agent's act is the single-agent one (agent-acts.ts):
 * a spawn job, a host command job, a registry change, a delete_agent approval; the answer
 * has a result per agent, failures included (a running agent's deletion is a 409 there, a
 * deletion waiting for a person is `pending` with its approval id).
 *
 * Only people (operators, admins): an agent's creations are spawns, approved one by one.
 */
export const BULK_MAX = 1000;
const CONCURRENCY = 16;

const selector = z
  .object({
    ids: z.array(z.string().regex(ID_PATTERN)).max(BULK_MAX).optional(),
    /** runtime statuses, `never-started` included */
    status: z.array(z.string().regex(/^[a-z][a-z-]{0,39}$/)).max(50).optional(),
    /** `key=value` labels, all must match */
    label: z.array(z.string().regex(/^[a-z0-9_.-]{1,63}(=.{0,63})?$/)).max(50).optional(),
    parent: z.string().regex(ID_PATTERN).optional(),
    host: z.array(z.string().min(1).max(200)).max(50).optional(),
    q: z.string().min(1).max(200).optional(),
    /** an empty selector picks nothing; `all: true` says every agent is meant */
    all: z.literal(true).optional(),
  })
  .strict()
  .refine((s) => Object.keys(s).length > 0, 'a selector needs at least one field (or all: true)');

const bulkBody = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('create'),
      /** the agent whose config the new ones copy */
      template: z.string().regex(ID_PATTERN),
      count: z.number().int().min(1).max(BULK_MAX),
      start: z.boolean().default(false),
      /** labels added to the template's */
      labels: agentConfigSchema.shape.labels.optional(),
    })
    .strict(),
  z.object({ action: z.enum(['start', 'stop', 'restart', 'delete']), selector, reason: z.string().max(500).optional() }).strict(),
]);

const bulkResult = z.object({
  action: z.string(),
  matched: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  results: z.array(z.object({ id: z.string(), ok: z.boolean(), result: z.record(z.string(), z.unknown()).optional(), status: z.number().optional(), code: z.string().optional(), detail: z.string().optional() })),
});

/** `<template>-001` ...: numbers after the highest taken, at least three digits */
export function nextIds(template: string, taken: Iterable<string>, count: number): string[] {
  const pattern = new RegExp(`^${template}-(\\d+)$`);
  let high = 0;
  for (const id of taken) {
    const m = pattern.exec(id);
    if (m) high = Math.max(high, Number(m[1]));
  }
  const width = Math.max(3, String(high + count).length);
  return Array.from({ length: count }, (_, i) => `${template}-${String(high + i + 1).padStart(width, '0')}`);
}

export function agentBulkRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const store = agentStoreFor(ctx);
  const acts = { ctx, store, requestDeps: agentRequestDepsFor(ctx) };

  const createFrom = async (template: AgentConfig, id: string, by: ActBy, start: boolean, labels: Record<string, string>): Promise<Record<string, unknown>> => {
    const { id: _id, name: _n, created_at: _c, last_modified: _m, ...rest } = template;
    const config = newAgentConfig({ ...rest, id, name: id, labels: { ...template.labels, ...labels } });
    await store.create(config, by.requestedBy);
    await ctx.events.publish({ type: AGENT_EVENT.created, agentId: id, correlationId: by.correlationId, data: { by: by.requestedBy, parent: config.parent ?? null, template: template.id } });
    return start ? { created: true, ...(await startAgentAct(acts, id, by)) } : { created: true };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/agents/bulk',
      summary:
        'Act on many agents: `create` N from a template agent (ids <template>-001 …), or `start` / `stop` / `restart` / `delete` the agents a selector picks. A result per agent, failures included; deletions are delete_agent approvals as for one agent',
      tag: 'agents',
      auth: OPERATORS,
      body: bulkBody,
      responses: { 200: { description: 'a result per agent', schema: bulkResult } },
      handler: async ({ body, principal, correlationId, logger }) => {
        const by: ActBy = { requestedBy: requester(principal), correlationId, ...('reason' in body && body.reason !== undefined ? { reason: body.reason } : {}) };
        if (body.action === 'create') {
          const template = await requireAgent(store, body.template);
          const ids = nextIds(template.id, (await store.list()).map((c) => c.id), body.count);
          // concurrent creates: the registry writer commits them in groups (issue 21, item 1)
          const results = await runPerAgent(ids, 64, (id) => createFrom(template, id, by, body.start, body.labels ?? {}));
          logger.info('bulk create', { template: template.id, count: body.count, failed: results.filter((r) => !r.ok).length });
          return { action: 'create', ...summarize(results) };
        }
        const { ids, all: _all, ...filters } = body.selector;
        const page = await listAgents(ctx, store, { ...filters, sort: 'id', order: 'asc', limit: Number.MAX_SAFE_INTEGER });
        const wanted = ids ? new Set(ids) : undefined;
        const picked = page.rows.map((r) => r.config.id).filter((id) => wanted === undefined || wanted.has(id));
        // ids the selector names that do not exist get their 404 too
        const missing = ids ? ids.filter((id) => !picked.includes(id)) : [];
        const act = {
          start: (id: string) => startAgentAct(acts, id, by),
          stop: (id: string) => stopAgentAct(acts, id, by),
          restart: (id: string) => restartAgentAct(acts, id, by),
          delete: async (id: string) => {
            const r = await deleteAgentAct(acts, id, by);
            return r.outcome === 'done' ? { deleted: true } : { status: r.waiting.status, approval_id: r.waiting.approval.id, request: requestView(r.waiting.request) };
          },
        }[body.action];
        const results = await runPerAgent([...picked, ...missing], CONCURRENCY, act);
        logger.info('bulk act', { action: body.action, matched: results.length, failed: results.filter((r) => !r.ok).length });
        return { action: body.action, ...summarize(results) };
      },
    }),
  ];
}
