import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';
import { emptyUsage, type DayUsage, type TurnUsage } from './daily-usage.js';

/**
 * What the turns done for a task cost (docs/AGENTS.md, "Budgets per task"): one Redis hash
 * per task (`keys.taskUsage(id)`), fields `costUsd`, `turns`, the four token counts, and
 * `agent|<agentId>` — the cost each agent's turns for it came to. The host that ran a turn
 * adds it at the turn's `result` (HINCRBYFLOAT: several hosts may add at once). A turn
 * counts for a task when it carries the task's id (workers/messages/turn-task.ts says which
 * turns do). Kept as long as the task's id may be used; read by the budget gate
 * (workers/agents/budget-guard.ts), `GET /api/budgets` and the task views.
 */
/** the day ledger's measures (cost, turns, tokens by kind), and what each agent's turns came to */
export type TaskUsage = DayUsage & {
  /** agent id → the cost of its turns for the task */
  byAgent: Record<string, number>;
};

const COUNTS = ['turns', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens'] as const;
const AGENT_FIELD = 'agent|';

export function emptyTaskUsage(): TaskUsage {
  return { ...emptyUsage(), byAgent: {} };
}

/**
 * KEYS: the task's usage hash, the tasks list's version; ARGV: the agent's field, the cost,
 * then field/count pairs. One script by SHA (atomic like the MULTI it replaces, and sent with
 * the turn's other auto-pipelined writes instead of on its own).
 */
const ADD_TASK_TURN = redisScript(`
local key = KEYS[1]
redis.call('HINCRBYFLOAT', key, 'costUsd', ARGV[2])
redis.call('HINCRBYFLOAT', key, ARGV[1], ARGV[2])
redis.call('HINCRBY', key, 'turns', 1)
for i = 3, #ARGV, 2 do redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1]) end
redis.call('INCR', KEYS[2])
return 1
`);

/** Adds one finished turn to its task (one script, so a reader never sees half a turn). */
export async function addTaskTurnUsage(redis: Redis, keys: Keys, taskId: string, agentId: string, usage: TurnUsage): Promise<void> {
  const args: (string | number)[] = [`${AGENT_FIELD}${agentId}`, usage.costUsd];
  for (const m of COUNTS) if (m !== 'turns' && usage[m] > 0) args.push(m, usage[m]);
  // the tasks list shows each task's usage: its ETag changes with it (api/tasks/task-list.ts)
  await ADD_TASK_TURN(redis, [keys.taskUsage(taskId), keys.taskListVersion()], args);
}

/** The usage of each task asked for (a task no turn was done for: all zero), in one round trip. */
export async function readTaskUsage(redis: Redis, keys: Keys, taskIds: readonly string[]): Promise<Map<string, TaskUsage>> {
  const out = new Map<string, TaskUsage>();
  if (taskIds.length === 0) return out;
  const pipe = redis.pipeline();
  for (const id of taskIds) pipe.hgetall(keys.taskUsage(id));
  const replies = (await pipe.exec()) ?? [];
  taskIds.forEach((id, i) => out.set(id, parseTaskUsage((replies[i]?.[1] ?? {}) as Record<string, string>)));
  return out;
}

export function parseTaskUsage(hash: Record<string, string>): TaskUsage {
  const usage = emptyTaskUsage();
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith(AGENT_FIELD)) usage.byAgent[field.slice(AGENT_FIELD.length)] = Number(value);
    else if (field === 'costUsd') usage.costUsd = Number(value);
    else if ((COUNTS as readonly string[]).includes(field)) usage[field as (typeof COUNTS)[number]] = Number(value);
  }
  return usage;
}
