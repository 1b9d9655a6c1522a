import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NoxConfig } from '../config/schema.js';
import { SpawnRefusedError } from '../errors/agent-errors.js';
import type { Keys } from '../keys.js';
import type { AgentConfig } from './agent-config.js';
import type { AgentStore } from './agent-store.js';

/**
 * Limits on agents spawning agents (DESIGN.md, "Agents"): at most `max_spawn_rate` spawns
 * per hour over the cluster, at most `max_spawn_rate_per_parent` per hour for the children
 * of one parent (or the parent's own resource_limits.max_spawn_rate), and no deeper than
 * `max_depth` (an agent with no parent has depth 0).
 *
 * The API checks (`record: false`) so a refused start gets a clear error at once; the spawn
 * handler checks and records atomically (one Lua script over both sliding windows), so two
 * hosts racing cannot both slip under the limit.
 */
const HOUR_MS = 3_600_000;

const CHECK_AND_RECORD = `
local now = tonumber(ARGV[1])
local cutoff = now - ${HOUR_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
-- a retried job was counted on its first attempt: it is not a new spawn
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 'ok' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 'rate' end
if #KEYS > 1 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 'parent-rate' end
end
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ${HOUR_MS})
  if #KEYS > 1 then
    redis.call('ZADD', KEYS[2], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[2], ${HOUR_MS})
  end
end
return 'ok'
`;

/** Number of ancestors; a cycle or a chain longer than 100 counts as too deep. */
export async function depthOf(store: AgentStore, agent: AgentConfig): Promise<number> {
  let depth = 0;
  let parent = agent.parent;
  const seen = new Set([agent.id]);
  while (parent && depth <= 100) {
    if (seen.has(parent)) return Number.POSITIVE_INFINITY;
    seen.add(parent);
    depth++;
    parent = (await store.get(parent))?.parent;
  }
  return depth;
}

export async function enforceSpawnGuards(
  redis: Redis,
  keys: Keys,
  config: NoxConfig,
  store: AgentStore,
  agent: AgentConfig,
  options: { record: boolean; /** the spawn job's id: its retries count once */ spawnId?: string },
): Promise<void> {
  const limits = config.agent;
  const depth = await depthOf(store, agent);
  if (depth > limits.max_depth) {
    throw new SpawnRefusedError('depth', `Agent "${agent.id}" would sit at depth ${depth}; max_depth is ${limits.max_depth}`, limits.max_depth);
  }
  const parent = agent.parent ? await store.get(agent.parent) : undefined;
  const parentLimit = parent?.resource_limits.max_spawn_rate ?? limits.max_spawn_rate_per_parent;
  const keyList = agent.parent ? [keys.spawnLog(), keys.spawnLog(agent.parent)] : [keys.spawnLog()];
  const member = options.spawnId ? `${agent.id}.${options.spawnId}` : `${agent.id}.${Date.now()}.${randomBytes(3).toString('hex')}`;
  const verdict = (await redis.eval(
    CHECK_AND_RECORD,
    keyList.length,
    ...keyList,
    String(Date.now()),
    String(limits.max_spawn_rate),
    String(parentLimit),
    member,
    options.record ? '1' : '0',
  )) as string;
  if (verdict === 'rate') {
    throw new SpawnRefusedError('rate', `The cluster has spawned ${limits.max_spawn_rate} agents in the last hour (max_spawn_rate)`, limits.max_spawn_rate);
  }
  if (verdict === 'parent-rate') {
    throw new SpawnRefusedError('parent-rate', `Parent "${agent.parent}" has spawned ${parentLimit} agents in the last hour`, parentLimit);
  }
}
