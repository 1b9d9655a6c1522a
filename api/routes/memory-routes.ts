import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NotFoundError } from '../../shared/errors/not-found-error.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { files } from '../../shared/registry/layout.js';
import type { ApiDeps } from '../deps.js';
import { onlySelf } from '../http/agent-scope.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/agents/:id/memory: an agent's long-term notes, kept in agents/<id>/memory.toml as
 * `[memory.<key>]` tables ({ value, updated_at, by }), one commit per change. An agent reads
 * and writes only its own memory (the tools server's remember/recall); people read, and
 * operators may write.
 */
const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const idParams = z.object({ id: z.string().regex(ID_PATTERN) }).strict();
const keyParams = z.object({ id: z.string().regex(ID_PATTERN), key: z.string().regex(KEY, `must match ${KEY.source}`) }).strict();

export function memoryRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const agents = agentStoreFor(ctx);
  const registry = registryClientFor(ctx);

  const memoryOf = (id: string): Record<string, unknown> => ({ ...((registry.read.agentMemory(id).memory ?? {}) as Record<string, unknown>) });

  return [
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/memory',
      summary: 'An agent’s memory (memory.toml), or one key of it',
      tag: 'agents',
      auth: [...PEOPLE, 'agent'],
      params: idParams,
      query: z.object({ key: z.string().regex(KEY).optional() }).strict(),
      handler: async ({ params, query, principal }) => {
        onlySelf(principal, params.id, 'the memory');
        await requireAgent(agents, params.id);
        const memory = memoryOf(params.id);
        if (!query.key) return { memory };
        if (!(query.key in memory)) throw new NotFoundError(`agent ${params.id} has no memory under ${query.key}`, ERROR_CODE.memoryNotFound);
        return { memory: { [query.key]: memory[query.key] } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/agents/:id/memory/:key',
      summary: 'Keep a value in an agent’s memory (one registry commit)',
      tag: 'agents',
      auth: [...OPERATORS, 'agent'],
      params: keyParams,
      body: z.object({ value: z.string().max(20_000) }).strict(),
      handler: async ({ params, body, principal, correlationId }) => {
        onlySelf(principal, params.id, 'the memory');
        await requireAgent(agents, params.id);
        const entry = { value: body.value, updated_at: new Date().toISOString(), by: requester(principal) };
        const result = await registry.change(
          { message: `memory of ${params.id}: ${params.key}`, changes: [{ op: 'set', file: files.agentMemory(params.id), key: ['memory', params.key], value: entry }] },
          requester(principal) as never,
          { correlationId },
        );
        return { key: params.key, ...entry, sha: result.sha };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/agents/:id/memory/:key',
      summary: 'Forget one key of an agent’s memory',
      tag: 'agents',
      auth: [...OPERATORS, 'agent'],
      params: keyParams,
      status: 204,
      handler: async ({ params, principal, correlationId }) => {
        onlySelf(principal, params.id, 'the memory');
        await registry.change({ message: `memory of ${params.id}: forget ${params.key}`, changes: [{ op: 'unset', file: files.agentMemory(params.id), key: ['memory', params.key] }] }, requester(principal) as never, { correlationId });
        return undefined;
      },
    }),
  ];
}
