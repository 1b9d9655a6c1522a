import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.js';

/**
 * Messages set aside while their task's budget is spent (docs/AGENTS.md, "Budgets per
 * task"). Left in the inbox they would come first again at every claim and keep the
 * agent's other mail waiting; dropped they would be lost. So a claimed message whose task
 * is over budget is moved, atomically, from the agent's in-flight claims to the task's
 * parked set (with its inbox score, so it keeps its place), and the task joins
 * `tasksBudgetHeld`. When the task has room again (its budget raised or removed), each host's
 * inbox sweep moves its messages back into their agents' inboxes, once each.
 */
// Claim → parked. Returns 1 when the task was not held before (the caller announces it), 0 when it was, -1 for no such claim.
const PARK = `
local claim = redis.call('HGET', KEYS[1], ARGV[1])
if not claim then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local score = string.match(claim, '|(.*)$')
redis.call('ZADD', KEYS[3], tonumber(score), ARGV[2] .. '|' .. ARGV[1])
return redis.call('SADD', KEYS[4], ARGV[3])`;

// Parked → the agent's inbox, by the one caller whose ZREM removes it (unless the agent has it already).
const UNPARK = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZSCORE', KEYS[3], ARGV[2]) or redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then return 0 end
redis.call('ZADD', KEYS[2], 'NX', score, ARGV[2])
return 1`;

// The task is no longer held once nothing of it is parked. Returns 1 when this call ended the hold.
const RELEASE = `
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
return redis.call('SREM', KEYS[2], ARGV[1])`;

export interface TaskParking {
  /** moves a claimed message aside for its task; true when the task became held by it */
  park(agentId: string, messageId: string, taskId: string): Promise<boolean>;
  /** tasks with messages set aside */
  held(): Promise<string[]>;
  /** puts the task's messages back in their inboxes; answers the agents that got some, and whether the hold ended */
  unpark(taskId: string): Promise<{ agents: string[]; released: boolean }>;
}

export function createTaskParking(redis: Redis, keys: Keys): TaskParking {
  return {
    async park(agentId, messageId, taskId) {
      const r = await redis.eval(PARK, 4, keys.agentInflight(agentId), keys.agentDelivered(agentId), keys.taskParked(taskId), keys.tasksBudgetHeld(), messageId, agentId, taskId);
      return r === 1;
    },
    held: () => redis.smembers(keys.tasksBudgetHeld()),
    async unpark(taskId) {
      const agents = new Set<string>();
      for (const member of await redis.zrange(keys.taskParked(taskId), 0, -1)) {
        const cut = member.indexOf('|');
        const agentId = member.slice(0, cut);
        const messageId = member.slice(cut + 1);
        const moved = await redis.eval(UNPARK, 4, keys.taskParked(taskId), keys.agentInbox(agentId), keys.agentDelivered(agentId), keys.agentInflight(agentId), member, messageId);
        if (moved === 1) agents.add(agentId);
      }
      const released = (await redis.eval(RELEASE, 2, keys.taskParked(taskId), keys.tasksBudgetHeld(), taskId)) === 1;
      return { agents: [...agents], released };
    },
  };
}
