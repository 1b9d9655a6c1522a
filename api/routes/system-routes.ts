import { z } from 'zod';
import { isRedisDownError } from '../../shared/errors/coerce-error.js';
import { RedisUnavailableError } from '../../shared/errors/service-errors.js';
import { listHosts } from '../../shared/hosts/host-directory.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { noxVersion } from '../../shared/runtime/version.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { hostsWaitingForRegistry, readPublication } from '../../shared/registry/registry-publication.js';
import { readsFromRedis } from '../../shared/registry/registry-client.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { costToday } from '../costs/cost-report.js';
import { pingHost } from '../ping.js';
import { allQueueNames, queueCounts } from '../queue-stats.js';

const hostSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  pid: z.number(),
  capacity: z.number(),
  running: z.number(),
  labels: z.record(z.string(), z.string()),
  version: z.string(),
  startedAt: z.string(),
  lastHeartbeat: z.string(),
  alive: z.boolean(),
  /** no new agent is placed there (POST /api/system/hosts/{id}/cordon) */
  cordoned: z.boolean(),
  /** how it gets its agents' tokens, and whether it holds the signing key (docs/HOSTS.md, "Joining a host") */
  agentTokens: z.enum(['signing-key', 'host-credential']).optional(),
  signingKey: z.boolean().optional(),
  /** the host credential it joined with; `revokedAt` once revoked */
  credential: z.object({ id: z.string(), revokedAt: z.string().optional() }).optional(),
  /** why it stopped taking work on its own (its credential revoked or expired) */
  stopped: z.object({ reason: z.string(), at: z.string() }).optional(),
  /** asked to drain (POST /api/system/hosts/{id}/drain): `draining` while agents are left on it, then `drained` */
  drain: z.enum(['draining', 'drained']).optional(),
  /** how the host runs its agents (docs/SANDBOX.md); absent until it has checked */
  loops: z.record(z.string(), z.object({ lastRunAt: z.string().nullable(), lastError: z.string().nullable() })).optional(),
  sandbox: z
    .object({
      mode: z.enum(['bubblewrap', 'off']),
      ready: z.boolean(),
      problem: z.string().optional(),
      fix: z.string().optional(),
      version: z.string().optional(),
      agentCommand: z.string(),
      agentCommandVersion: z.string(),
      checkedAt: z.string(),
    })
    .optional(),
});

const pingBody = z
  .object({
    hostId: z.string().regex(ID_PATTERN).optional(),
    /** simulated work on the host, for load and shutdown checks */
    workMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict()
  .default({});

async function redisLatency(deps: ApiDeps): Promise<number> {
  const t0 = performance.now();
  try {
    await deps.ctx.redis.ping();
  } catch (err) {
    throw isRedisDownError(err) ? new RedisUnavailableError(err) : err;
  }
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

export function systemRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/system/health',
      summary: 'Readiness: Redis, live hosts, queue counts, event stream',
      tag: 'system',
      auth: PEOPLE,
      handler: async () => {
        const redisMs = await redisLatency(deps);
        const hosts = await listHosts(ctx.redis, ctx.keys);
        const live = hosts.filter((h) => h.alive);
        const alive = live.length;
        const queues = await queueCounts(ctx, await allQueueNames(ctx));
        const tailer = deps.tailer;
        // the worker side: each live host's loops as of its last heartbeat
        const failing = live.flatMap((h) => Object.entries(h.loops ?? {}).flatMap(([loop, l]) => (l.lastError ? [{ hostId: h.id, loop, error: l.lastError, lastRunAt: l.lastRunAt }] : [])));
        // hosts on other machines read the registry from what the writer published: none yet, none of them can work
        const published = await readPublication(ctx.redis, ctx.keys);
        const status = alive > 0 && !tailer.lastError && failing.length === 0 && published ? 'ok' : 'degraded';
        return {
          status,
          version: noxVersion(),
          redis: { ok: true, latencyMs: redisMs },
          hosts: { alive, total: hosts.length },
          loops: Object.fromEntries(live.map((h) => [h.id, h.loops ?? {}])),
          failingLoops: failing,
          registry: {
            reads: readsFromRedis(ctx) ? 'redis' : 'folder',
            published: published ?? null,
            // hosts on other machines that have said, lately, that they wait for the first publication
            waitingHosts: await hostsWaitingForRegistry(ctx.redis, ctx.keys, 3 * ctx.config.registry.wait_log_interval_ms),
            ...(published ? {} : { problem: 'the registry writer has never published the registry to Redis: hosts reading from Redis wait (start `nox up` or `nox worker --registry-writer` where the registry folder is)' }),
          },
          events: { lastId: tailer.lastId, lastError: tailer.lastError?.message ?? null, lastReadAt: tailer.lastRunAt || null },
          queues,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/system/hosts',
      summary: 'Every registered worker host, alive first',
      tag: 'system',
      auth: PEOPLE,
      responses: { 200: { description: 'Hosts', schema: z.object({ hosts: z.array(hostSchema) }) } },
      handler: async () => ({ hosts: await listHosts(ctx.redis, ctx.keys) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/system/metrics',
      summary: 'System metrics: hosts, capacity, queues, events, this API process',
      tag: 'system',
      auth: PEOPLE,
      handler: async () => {
        const hosts = await listHosts(ctx.redis, ctx.keys);
        const live = hosts.filter((h) => h.alive);
        const queues = await queueCounts(ctx, await allQueueNames(ctx));
        const sum = (state: string): number => Object.values(queues).reduce((n, c) => n + (c[state] ?? 0), 0);
        const mem = process.memoryUsage();
        return {
          timestamp: new Date().toISOString(),
          hosts: { alive: live.length, total: hosts.length },
          capacity: { total: live.reduce((n, h) => n + h.capacity, 0), running: live.reduce((n, h) => n + h.running, 0) },
          active_agents: live.reduce((n, h) => n + h.running, 0),
          queue_depth: sum('waiting') + sum('prioritized') + sum('delayed'),
          jobs_active: sum('active'),
          jobs_failed: sum('failed'),
          events_stream_length: await ctx.redis.xlen(ctx.keys.events()),
          cost_today_usd: await costToday(ctx),
          api: {
            uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
            rss_mb: Math.round(mem.rss / 1048576),
            heap_used_mb: Math.round(mem.heapUsed / 1048576),
            socket_waiters: deps.waiters.pending,
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/system/ping',
      summary: 'Round trip API → host queue → worker host → event stream → API, with timings',
      tag: 'system',
      auth: OPERATORS,
      body: pingBody,
      handler: async ({ body, correlationId, principal }) =>
        pingHost(deps, {
          hostId: body.hostId,
          workMs: body.workMs,
          correlationId,
          requestedBy: requester(principal),
        }),
    }),
  ];
}
