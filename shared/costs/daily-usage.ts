import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';

/**
 * Cost and tokens per agent per UTC day: one Redis hash per day (`keys.usageDay(day)`),
 * fields `<agentId>|<measure>`, added to at each turn's end by the host that ran it
 * (HINCRBYFLOAT / HINCRBY: several hosts may add to the same day at once). Days older than
 * `retentionDays` expire on their own. Read by `GET /api/costs` (api/costs/cost-report.ts)
 * and the overview's "today".
 */
export const USAGE_MEASURES = ['costUsd', 'turns', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens'] as const;
export type UsageMeasure = (typeof USAGE_MEASURES)[number];
export type DayUsage = Record<UsageMeasure, number>;

export interface TurnUsage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

const DAY_MS = 86_400_000;

export function utcDay(at: number | Date = Date.now()): string {
  return new Date(at).toISOString().slice(0, 10);
}

export function emptyUsage(): DayUsage {
  return { costUsd: 0, turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
}

/**
 * Adds to a day's hash: the cost (HINCRBYFLOAT), one turn, the token counts that are not 0,
 * and the hash's expiry, atomically (a reader never sees half a turn). One script sent by
 * its SHA rather than a MULTI: a MULTI is written to the socket on its own at every turn's
 * end, a script call goes out with the turn's other auto-pipelined writes.
 * KEYS[1] the day's hash; ARGV: the agent id, the cost, the expiry (ms), then field/count pairs.
 */
const ADD_TURN = redisScript(`
local key, agent = KEYS[1], ARGV[1]
redis.call('HINCRBYFLOAT', key, agent .. '|costUsd', ARGV[2])
redis.call('HINCRBY', key, agent .. '|turns', 1)
for i = 4, #ARGV, 2 do redis.call('HINCRBY', key, agent .. '|' .. ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIREAT', key, ARGV[3])
return 1
`);

/** Adds one finished turn to its agent's day. */
export async function addTurnUsage(redis: Redis, keys: Keys, agentId: string, usage: TurnUsage, retentionDays: number, at = Date.now()): Promise<void> {
  const day = utcDay(at);
  // the day's hash lives retentionDays past its end
  const args: (string | number)[] = [agentId, usage.costUsd, Date.parse(`${day}T00:00:00Z`) + (retentionDays + 1) * DAY_MS];
  for (const m of ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens'] as const) if (usage[m] > 0) args.push(m, usage[m]);
  await ADD_TURN(redis, [keys.usageDay(day)], args);
}

/** What the whole fleet spent on one UTC day (the fleet's daily budget is checked against it). */
export async function fleetSpentOn(redis: Redis, keys: Keys, day: string): Promise<number> {
  let usd = 0;
  for (const usage of Object.values((await readDays(redis, keys, day, day))[0]?.agents ?? {})) usd += usage.costUsd;
  return usd;
}

/** Every agent's usage on each day from `from` to `to` (UTC days, inclusive), oldest first. */
export async function readDays(redis: Redis, keys: Keys, from: string, to: string): Promise<{ day: string; agents: Record<string, DayUsage> }[]> {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) days.push(utcDay(t));
  const pipe = redis.pipeline();
  for (const day of days) pipe.hgetall(keys.usageDay(day));
  const replies = (await pipe.exec()) ?? [];
  return days.map((day, i) => {
    const hash = (replies[i]?.[1] ?? {}) as Record<string, string>;
    const agents: Record<string, DayUsage> = {};
    for (const [field, value] of Object.entries(hash)) {
      const cut = field.lastIndexOf('|');
      const agentId = field.slice(0, cut);
      const measure = field.slice(cut + 1) as UsageMeasure;
      if (!USAGE_MEASURES.includes(measure)) continue;
      (agents[agentId] ??= emptyUsage())[measure] = Number(value);
    }
    return { day, agents };
  });
}
