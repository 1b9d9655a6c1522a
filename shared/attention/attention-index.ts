import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';
import { agentItem, needsAttention, type AgentAttention, type AttentionItem } from './attention-item.js';

/**
 * Which agents need a person, and since when: a small hash (`keys.attentionAgents()`) kept
 * from the `agent.status` events by every worker host (workers/attention/attention-watch.ts),
 * so `GET /api/attention` reads a few entries instead of every agent's state, and knows
 * since when a parked agent has been parked (no state field says it).
 *
 * Every host applies every event, so applying must be idempotent and order-proof: the script
 * keeps, per agent, the stream id of the last event applied and ignores an older one (a slow
 * host must not undo what a newer event said). Readers still check the agent's current
 * status (shared/agents/runtime-state.ts), so an entry that outlived its status shows nothing.
 */

/**
 * KEYS: attention hash, seen hash. ARGV: agent id, event id, status ('' = needs no one),
 * entry JSON. Returns 1 when the agent now needs a person and did not before (or for
 * another status), 0 when nothing new, -1 when the event is older than one applied.
 */
const APPLY = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last and not newer(ARGV[2], last) then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then
  local p = cjson.decode(prev)
  if p.status == ARGV[3] then
    -- the same status again (a new reason): it has needed a person since the first time
    local e = cjson.decode(ARGV[4])
    e.since = p.since
    e.eventId = p.eventId
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
`;
const apply = redisScript(APPLY);

export interface StatusEvent {
  agentId: string;
  eventId: string;
  status: string;
  /** the event's time */
  at: string;
  reason?: string;
}

export type Applied = 'entered' | 'unchanged' | 'stale';

export async function applyStatusEvent(redis: Redis, keys: Keys, e: StatusEvent): Promise<Applied> {
  const entry: AgentAttention | undefined = needsAttention(e.status) ? { status: e.status, since: e.at, eventId: e.eventId, ...(e.reason ? { reason: e.reason } : {}) } : undefined;
  const result = Number(await apply(redis, [keys.attentionAgents(), keys.attentionSeen()], [e.agentId, e.eventId, entry?.status ?? '', entry ? JSON.stringify(entry) : '']));
  return result === 1 ? 'entered' : result === -1 ? 'stale' : 'unchanged';
}

/** A deleted agent needs no one, and its ids may be used again. */
export async function forgetAgent(redis: Redis, keys: Keys, agentId: string): Promise<void> {
  await redis.multi().hdel(keys.attentionAgents(), agentId).hdel(keys.attentionSeen(), agentId).exec();
}

export async function readAgentAttention(redis: Redis, keys: Keys): Promise<Map<string, AgentAttention>> {
  const all = await redis.hgetall(keys.attentionAgents());
  const out = new Map<string, AgentAttention>();
  for (const [agentId, json] of Object.entries(all)) {
    try {
      const entry = JSON.parse(json) as AgentAttention;
      if (needsAttention(entry.status)) out.set(agentId, entry);
    } catch {
      // not ours: skipped
    }
  }
  return out;
}

/**
 * The agents that need a person now: the index's entries whose agent still has that status
 * (its runtime hash says so; the reason is the current one), parked ones only past
 * `parkedAfterMs`.
 */
export async function agentItemsNow(redis: Redis, keys: Keys, now: number, parkedAfterMs: number): Promise<AttentionItem[]> {
  const entries = [...(await readAgentAttention(redis, keys))];
  if (entries.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const [agentId] of entries) pipeline.hmget(keys.agent(agentId), 'status', 'reason');
  const replies = (await pipeline.exec()) ?? [];
  const items: AttentionItem[] = [];
  entries.forEach(([agentId, entry], i) => {
    const [status, reason] = (replies[i]?.[1] ?? []) as (string | null)[];
    if (status !== entry.status) return;
    const item = agentItem(agentId, { status: entry.status, since: entry.since, reason: reason || entry.reason }, now, parkedAfterMs);
    if (item) items.push(item);
  });
  return items;
}

/**
 * Fills in what the events could not tell (no host was running when an agent changed, or
 * the agents are older than the index): every agent whose state needs a person and that the
 * index has never heard of gets an entry dated from its state's last write. Applied as the
 * oldest possible event (`0-0`), so it never overrides what an event said.
 */
export async function seedFromStates(redis: Redis, keys: Keys): Promise<number> {
  const ids = await redis.smembers(keys.agentIndex());
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.agent(id), 'status', 'reason', 'updatedAt');
  const replies = (await pipeline.exec()) ?? [];
  let seeded = 0;
  for (const [i, agentId] of ids.entries()) {
    const [status, reason, updatedAt] = (replies[i]?.[1] ?? []) as (string | null)[];
    if (!needsAttention(status ?? undefined)) continue;
    const applied = await applyStatusEvent(redis, keys, { agentId, eventId: '0-0', status: status!, at: updatedAt || new Date().toISOString(), ...(reason ? { reason } : {}) });
    if (applied === 'entered') seeded++;
  }
  return seeded;
}
