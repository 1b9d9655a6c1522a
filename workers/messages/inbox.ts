import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { PriorityName } from '../../shared/types.js';
import { redisScript } from '../../shared/redis-script.js';

/**
 * An agent's durable inbox in Redis and the marks that make delivery exactly-once.
 *
 * - `inbox` (sorted set): waiting message ids; score = priority band × 1e13 + arrival seq,
 *   so ZRANGE gives critical first, then high, normal, low, each oldest first.
 * - `delivered` (sorted set, bounded): ids already claimed for this agent. Adding to the
 *   inbox checks it, so a retried route job never queues a message twice.
 * - `inflight` (hash id → claim): ids claimed and written to the agent's stdin by the
 *   process `pid`, not yet confirmed. Confirmed when that same process is next between
 *   turns (so every line written before has been read and its turn has ended). A claim left
 *   by a process that is gone (worker killed, agent crashed) is uncertain: the caller checks
 *   the agent's own session transcript, the one record of what it read, and either
 *   confirms it or puts it back in the inbox (`requeue`).
 * All in Lua, so each step is atomic against other hosts and retried jobs. Every key a script
 * reads or writes comes in KEYS, none is built from ARGV or from what the script reads: "the
 * script should only access keys whose names are given as input arguments [...] never [...]
 * programmatically-generated names or based on the contents of data structures stored in the
 * database" (https://redis.io/commands/eval/). Redis Cluster routes and checks a script by its
 * KEYS; the `{nox}` hash tag only made undeclared keys happen to land in the same slot.
 */
const CRITICAL_LIMIT = (PRIORITY.critical + 1) * 1e13;

// KEYS[5]: the message's own record. An id whose message is not stored is refused (an error:
// the routing job fails and runs again), so an inbox never holds an id the deliverer cannot read,
// even when the record and this add were sent together.
const ADD = `
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('NOMESSAGE the message is not stored: ' .. ARGV[1]) end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) * 1e13 + seq, ARGV[1])
return 1`;

// ADD for several messages of one inbox, in the order given: KEYS[4 + i] = message i's own
// record, ARGV = id, priority band, id, priority band, ... Refused as a whole (nothing added)
// when one of them is not stored; answers 1/0 per message.
const ADD_MANY = `
for i = 1, #ARGV / 2 do
  if redis.call('EXISTS', KEYS[4 + i]) == 0 then return redis.error_reply('NOMESSAGE the message is not stored: ' .. ARGV[2 * i - 1]) end
end
local out = {}
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[2], id) or redis.call('HEXISTS', KEYS[3], id) == 1 or redis.call('ZSCORE', KEYS[1], id) then
    table.insert(out, 0)
  else
    local seq = redis.call('INCR', KEYS[4])
    redis.call('ZADD', KEYS[1], tonumber(ARGV[i + 1]) * 1e13 + seq, id)
    table.insert(out, 1)
  end
end
return out`;

// Claims the next turn's worth: a critical message alone, otherwise up to ARGV[2] waiting
// messages in priority order (high, normal, low), which become one turn.
const CLAIM = `
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return {} end
local n = tonumber(ARGV[2])
if tonumber(first[2]) < tonumber(ARGV[4]) then n = 1 end
local items = redis.call('ZRANGE', KEYS[1], 0, n - 1, 'WITHSCORES')
local out = {}
for i = 1, #items, 2 do
  local id, score = items[i], items[i + 1]
  redis.call('ZREM', KEYS[1], id)
  if not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    redis.call('HSET', KEYS[3], id, ARGV[1] .. '|' .. score)
    table.insert(out, id)
  end
end
local keep = tonumber(ARGV[5])
if redis.call('ZCARD', KEYS[2]) > keep then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -keep - 1) end
return out`;

// Confirms every claim of process ARGV[1]; returns the claims of other processes.
const CONFIRM_LUA = `
local all = redis.call('HGETALL', KEYS[3])
local others = {}
for i = 1, #all, 2 do
  local pid = string.match(all[i + 1], '^([^|]*)|')
  if pid == ARGV[1] then redis.call('HDEL', KEYS[3], all[i]) else table.insert(others, all[i]); table.insert(others, all[i + 1]) end
end`;
const CONFIRM = `${CONFIRM_LUA}
return others`;

// One step per turn: confirms the claims of process ARGV[1]; when no other process left any,
// claims the next turn at once ({0, ids...}); else claims nothing and answers the other claims
// ({1, id, claim, ...}). The claimed messages' records are not read here: their keys come from
// the inbox's contents, which the caller cannot name in KEYS beforehand (confirmAndClaim reads
// them right after, only when something was claimed).
const CONFIRM_CLAIM = `${CONFIRM_LUA}
if #others > 0 then table.insert(others, 1, 1); return others end
local function claim()
${CLAIM.trim()}
end
local ids = claim()
table.insert(ids, 1, 0)
return ids`;

// Puts uncertain or undeliverable claims back: out of inflight and delivered, into the inbox; answers how many.
const REQUEUE = `
local n = 0
for _, id in ipairs(ARGV) do
  local claim = redis.call('HGET', KEYS[1], id)
  if claim then
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    local score = string.match(claim, '|(.*)$')
    redis.call('ZADD', KEYS[3], tonumber(score), id)
    n = n + 1
  end
end
return n`;

const addScript = redisScript(ADD);
const addManyScript = redisScript(ADD_MANY);
const claimScript = redisScript(CLAIM);
const confirmScript = redisScript(CONFIRM);
const confirmClaimScript = redisScript(CONFIRM_CLAIM);
const requeueScript = redisScript(REQUEUE);

const claimsOf = (flat: readonly string[]): Claim[] => {
  const out: Claim[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, pid: flat[i + 1]!.split('|')[0]! });
  return out;
};

export interface Claim {
  id: string;
  pid: string;
}

export interface Inbox {
  /**
   * queues a stored message (its record in the message log) for an agent unless it was queued
   * or delivered before; true when added. Refused (rejects) when the message is not stored.
   * Adds called in one go land in the order called (one connection, commands in order).
   */
  add(agentId: string, messageId: string, priority: PriorityName): Promise<boolean>;
  /** `add` for several messages of one agent, in the order given, in one call (all refused when one is not stored); true per message added */
  addMany(agentId: string, messages: readonly { id: string; priority: PriorityName }[]): Promise<boolean[]>;
  /** takes the next turn's messages (a critical one alone, else up to `batchMax`), marks them delivered and in flight for process `pid` */
  claim(agentId: string, pid: number, batchMax: number, deliveredKeep: number): Promise<string[]>;
  /** confirms the claims of `pid`; answers the claims left by other processes */
  confirm(agentId: string, pid: number): Promise<Claim[]>;
  /**
   * `confirm` then `claim` in one step: `others` are the claims other processes left (then
   * nothing is claimed: the caller resolves them first), else `ids` is the turn claimed and
   * `records` their messages' stored JSON (null: expired), read right after the claim (one
   * EVALSHA, then one MGET only when a turn was claimed).
   */
  confirmAndClaim(agentId: string, pid: number, batchMax: number, deliveredKeep: number): Promise<{ others: Claim[]; ids: string[]; records: (string | null)[] }>;
  /** confirms one claim of another process (its transcript shows the agent read it) */
  settle(agentId: string, messageId: string): Promise<void>;
  requeue(agentId: string, messageId: string): Promise<boolean>;
  /** `requeue` for several claims in one step; answers how many went back */
  requeueMany(agentId: string, messageIds: readonly string[]): Promise<number>;
  size(agentId: string): Promise<number>;
  waiting(agentId: string): Promise<string[]>;
  wasDelivered(agentId: string, messageId: string): Promise<boolean>;
}

export function createInbox(redis: Redis, keys: Keys): Inbox {
  return {
    async add(agentId, messageId, priority) {
      const r = await addScript(redis, [keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId), keys.messageSeq(), keys.message(messageId)], [messageId, PRIORITY[priority]]);
      return r === 1;
    },
    async addMany(agentId, messages) {
      if (messages.length === 0) return [];
      const r = (await addManyScript(redis, [keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId), keys.messageSeq(), ...messages.map((m) => keys.message(m.id))], messages.flatMap((m) => [m.id, PRIORITY[m.priority]]))) as number[];
      return r.map((n) => n === 1);
    },
    async claim(agentId, pid, batchMax, deliveredKeep) {
      return (await claimScript(redis, [keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId)], [String(pid), batchMax, Date.now(), CRITICAL_LIMIT, deliveredKeep])) as string[];
    },
    async confirm(agentId, pid) {
      return claimsOf((await confirmScript(redis, [keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId)], [String(pid)])) as string[]);
    },
    async confirmAndClaim(agentId, pid, batchMax, deliveredKeep) {
      const [uncertain, ...rest] = (await confirmClaimScript(redis, [keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId)], [String(pid), batchMax, Date.now(), CRITICAL_LIMIT, deliveredKeep])) as [number, ...string[]];
      if (uncertain === 1) return { others: claimsOf(rest), ids: [], records: [] };
      // a second round trip only when a turn was claimed (an agent's turn follows it)
      return { others: [], ids: rest, records: rest.length === 0 ? [] : await redis.mget(...rest.map((id) => keys.message(id))) };
    },
    async settle(agentId, messageId) {
      await redis.hdel(keys.agentInflight(agentId), messageId);
    },
    async requeue(agentId, messageId) {
      return (await requeueScript(redis, [keys.agentInflight(agentId), keys.agentDelivered(agentId), keys.agentInbox(agentId)], [messageId])) === 1;
    },
    async requeueMany(agentId, messageIds) {
      if (messageIds.length === 0) return 0;
      return (await requeueScript(redis, [keys.agentInflight(agentId), keys.agentDelivered(agentId), keys.agentInbox(agentId)], [...messageIds])) as number;
    },
    size: (agentId) => redis.zcard(keys.agentInbox(agentId)),
    waiting: (agentId) => redis.zrange(keys.agentInbox(agentId), 0, -1),
    async wasDelivered(agentId, messageId) {
      return (await redis.zscore(keys.agentDelivered(agentId), messageId)) !== null;
    },
  };
}
