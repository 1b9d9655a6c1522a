import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';

/**
 * What agents have spent over their lives (the runtime hash's `costUsd`, docs/AGENTS.md
 * "Cost and tokens"), and what a spawn subtree has spent together: read by the budget gate
 * (workers/agents/budget-guard.ts) and the budgets report (api/costs/budget-report.ts).
 */

/** Each agent's lifetime cost (0 for one that never ran), one pipelined HGET per agent. */
export async function readAgentCosts(redis: Redis, keys: Keys, ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hget(keys.agent(id), 'costUsd');
  const replies = (await pipe.exec()) ?? [];
  ids.forEach((id, i) => out.set(id, Number(replies[i]?.[1] ?? 0) || 0));
  return out;
}

/**
 * A function answering what `root` and every agent below it (children, their children...)
 * have spent; the parent links are indexed once, so many roots cost one pass each. A cycle
 * in bad data is walked once.
 */
export function subtreeSpender(agents: Iterable<{ id: string; parent?: string | undefined }>, spent: ReadonlyMap<string, number>): (root: string) => number {
  const children = new Map<string, string[]>();
  for (const a of agents) if (a.parent) children.set(a.parent, [...(children.get(a.parent) ?? []), a.id]);
  return (root) => {
    let total = 0;
    const seen = new Set<string>();
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      total += spent.get(id) ?? 0;
      stack.push(...(children.get(id) ?? []));
    }
    return total;
  };
}
