import { rmSync } from 'node:fs';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { AGENT_JOB } from '../../shared/agents/agent-jobs.js';
import { agentStoreFor } from '../../shared/agents/agent-store.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { dropPrefix, testConfig, testContext, uniquePrefix } from '../../test/support/harness.js';

/**
 * The agent benches' common ground: a host config for N agents (configs in the Redis store,
 * no registry appends: the registry writer is not part of a host's cost; no spawn-rate
 * limit), their configs, all of them spawned through the real `spawn` queue, and clean-up.
 */
export interface Fleet {
  config: NoxConfig;
  ctx: NoxContext;
  ids: string[];
  /** every spawn job at once, as a burst of starts would come */
  spawnAll(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function agentFleet(n: number, idPrefix: string, overrides: Record<string, unknown>): Promise<Fleet> {
  const config = testConfig({
    prefix: uniquePrefix(),
    overrides: {
      'log.level': 'error',
      'agent.store': 'redis',
      'agent.registry_appends': false,
      'agent.max_spawn_rate': 100_000,
      'worker.capacity': n,
      'worker.concurrency': 32,
      'worker.heartbeat_interval_ms': 1000,
      'worker.heartbeat_ttl_ms': 5000,
      ...overrides,
    },
  });
  const ctx = testContext(config, 'worker');
  await waitForRedis(ctx.redis);
  const store = agentStoreFor(ctx);
  const ids = Array.from({ length: n }, (_, i) => `${idPrefix}-${i}`);
  for (const id of ids) await store.create(newAgentConfig({ id }), 'system');
  return {
    config,
    ctx,
    ids,
    async spawnAll() {
      await ctx.queue('spawn').addBulk(ids.map((agentId) => ({ name: AGENT_JOB.spawn, data: { agentId, correlationId: `bench-${agentId}`, requestedBy: 'system' }, opts: { priority: PRIORITY.high } })));
    },
    async cleanup() {
      await dropPrefix(config.redis.prefix);
      await ctx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
