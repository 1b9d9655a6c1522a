import type { Redis } from 'ioredis';
import { AgentExistsError, AgentNotFoundError } from '../errors/agent-errors.js';
import type { Keys } from '../keys.js';
import { registryClientFor } from '../registry/registry-client.js';
import type { NoxContext } from '../runtime/context.js';
import type { AgentStore } from './agent-store-contract.js';
import { agentConfigSchema, type AgentConfig } from './agent-config.js';
import { createRegistryAgentStore } from './registry-agent-store.js';

/**
 * Where agent configs are kept, behind one interface with two implementations:
 * - `registry` (default): agents.toml through the RegistryClient (registry-agent-store.ts);
 *   every change is a git commit made by the registry writer, so one must be running
 *   (`nox up` starts it);
 * - `redis`: one Redis hash (keys.agentConfigs(), id → JSON), for deployments without a
 *   shared registry folder and for the bench. Chosen by `agent.store`.
 */
export type { AgentStore } from './agent-store-contract.js';
export { requireAgent } from './agent-store-contract.js';

export function createRedisAgentStore(redis: Redis, keys: Keys): AgentStore {
  const key = keys.agentConfigs();
  const versionKey = keys.agentConfigsVersion();
  const decode = (json: string): AgentConfig | undefined => {
    try {
      const parsed = agentConfigSchema.safeParse(JSON.parse(json));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async list() {
      const all = await redis.hgetall(key);
      return Object.values(all)
        .map(decode)
        .filter((c): c is AgentConfig => c !== undefined)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    async get(id) {
      const json = await redis.hget(key, id);
      return json ? decode(json) : undefined;
    },
    async version() {
      return (await redis.get(versionKey)) ?? '0';
    },
    async create(config) {
      const [[, created] = []] = ((await redis.multi().hsetnx(key, config.id, JSON.stringify(config)).incr(versionKey).exec()) ?? []) as [unknown, number][];
      if (created === 0) throw new AgentExistsError(config.id);
    },
    async update(config) {
      if (!(await redis.hexists(key, config.id))) throw new AgentNotFoundError(config.id);
      await redis.multi().hset(key, config.id, JSON.stringify(config)).incr(versionKey).exec();
    },
    async remove(id) {
      const [[, removed] = []] = ((await redis.multi().hdel(key, id).incr(versionKey).exec()) ?? []) as [unknown, number][];
      return (removed ?? 0) > 0;
    },
  };
}

/** The store of this process, by `agent.store` (the registry one on the context's shared client). */
export function agentStoreFor(ctx: NoxContext): AgentStore {
  if (ctx.config.agent.store === 'redis') return createRedisAgentStore(ctx.redis, ctx.keys);
  return createRegistryAgentStore(registryClientFor(ctx), ctx.logger);
}
