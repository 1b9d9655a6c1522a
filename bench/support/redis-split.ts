/**
 * What a bench phase asked of Redis: the commands Redis ran (INFO commandstats, calls and
 * microseconds) between two snapshots, per request. Redis shares the cores with everything
 * else, and each command also costs its client the encoding and the parsing; a path that
 * makes fewer calls per request is cheaper twice.
 *
 * The figures are the server's: every client of that Redis counts, so run it on a quiet one.
 */
import type { Redis } from 'ioredis';

export type CommandStats = Map<string, { calls: number; usec: number }>;

export async function redisSnapshot(redis: Redis): Promise<CommandStats> {
  const out: CommandStats = new Map();
  const info = await redis.info('commandstats');
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

export function redisBetween(before: CommandStats, after: CommandStats): CommandStats {
  const out: CommandStats = new Map();
  for (const [name, now] of after) {
    const was = before.get(name) ?? { calls: 0, usec: 0 };
    const calls = now.calls - was.calls;
    if (calls > 0) out.set(name, { calls, usec: now.usec - was.usec });
  }
  // the INFO that took the second snapshot is the bench's, not Nox's
  const info = out.get('info');
  if (info && --info.calls === 0) out.delete('info');
  return out;
}

/** "Redis per request: 38.1 commands, 157 µs (evalsha 3.2 × 33 µs, xadd 5.5, ...)" */
export function redisLine(stats: CommandStats, requests: number, top = 8): string {
  if (requests <= 0 || stats.size === 0) return 'Redis per request: nothing measured';
  const all = [...stats.entries()].sort((a, b) => b[1].usec - a[1].usec);
  const calls = all.reduce((n, [, s]) => n + s.calls, 0);
  const usec = all.reduce((n, [, s]) => n + s.usec, 0);
  const parts = all.slice(0, top).map(([name, s]) => `${name} ${(s.calls / requests).toFixed(2)} × ${(s.usec / s.calls).toFixed(1)} µs`);
  return `Redis per request: ${(calls / requests).toFixed(1)} commands, ${(usec / requests).toFixed(0)} µs of Redis time (${parts.join(', ')})`;
}
