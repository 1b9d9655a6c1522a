import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { AgentExistsError, AgentNotFoundError } from './agent-errors.js';
import { agentConfigSchema, type AgentConfig } from './agent-config.js';

/**
 * Where agent configs are kept. THE SEAM: agents.toml in the registry is the target
 * (issue 3's RegistryClient: cached reads, change requests through the `registry` queue).
 * Until that client is wired, `createRedisAgentStore` keeps the same records in one Redis
 * hash (keys.agentConfigs(), id → JSON). Every caller goes through this interface, so
 * moving onto the registry is one new implementation and one line where it is built
 * (`agentStoreFor`).
 */
export interface AgentStore {
  list(): Promise<AgentConfig[]>;
  get(id: string): Promise<AgentConfig | undefined>;
  /** throws AgentExistsError when the id is taken */
  create(config: AgentConfig, actor: string): Promise<void>;
  /** throws AgentNotFoundError when absent */
  update(config: AgentConfig, actor: string): Promise<void>;
  remove(id: string, actor: string): Promise<boolean>;
}

export async function requireAgent(store: AgentStore, id: string): Promise<AgentConfig> {
  const config = await store.get(id);
  if (!config) throw new AgentNotFoundError(id);
  return config;
}

export function createRedisAgentStore(redis: Redis, keys: Keys): AgentStore {
  const key = keys.agentConfigs();
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
    async create(config) {
      const created = await redis.hsetnx(key, config.id, JSON.stringify(config));
      if (created === 0) throw new AgentExistsError(config.id);
    },
    async update(config) {
      if (!(await redis.hexists(key, config.id))) throw new AgentNotFoundError(config.id);
      await redis.hset(key, config.id, JSON.stringify(config));
    },
    async remove(id) {
      return (await redis.hdel(key, id)) > 0;
    },
  };
}

/** The store every process uses. Switch to the registry-backed store here once it lands. */
export function agentStoreFor(redis: Redis, keys: Keys): AgentStore {
  return createRedisAgentStore(redis, keys);
}
