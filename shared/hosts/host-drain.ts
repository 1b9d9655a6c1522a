import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';

/**
 * A host's drain (issue 15, item 4; docs/HOSTS.md "Cordon and drain"): asked for through
 * the API (`POST /api/system/hosts/<id>/drain`), carried out by the host itself
 * (workers/hosts/host-drain.ts). The state is kept in Redis beside the cordon, so it
 * outlives the host's restarts, and it ends with the cordon (uncordon).
 *
 *   drain asked → cordoned + `draining` → (its last agent gone) → `drained`
 */
export type HostDrainState = 'draining' | 'drained';

/** The job on the host's own queue that makes it look at its drain at once (it also does every heartbeat interval). */
export const HOST_JOB = {
  drain: 'host.drain',
} as const;

/**
 * Cordons the host and marks it draining (one MULTI). A host already draining or drained
 * keeps its state: a drained host has nothing left to move. Returns the state, whether
 * this call changed it, and whether it cordoned the host (it was not cordoned before).
 */
export async function startDrain(redis: Redis, keys: Keys, hostId: string): Promise<{ state: HostDrainState; changed: boolean; cordoned: boolean }> {
  const replies = await redis.multi().sadd(keys.hostsCordoned(), hostId).hsetnx(keys.hostsDrain(), hostId, 'draining').hget(keys.hostsDrain(), hostId).exec();
  return { state: (replies?.[2]?.[1] as HostDrainState | null) ?? 'draining', changed: replies?.[1]?.[1] === 1, cordoned: replies?.[0]?.[1] === 1 };
}

export async function drainStateOf(redis: Redis, keys: Keys, hostId: string): Promise<HostDrainState | undefined> {
  return ((await redis.hget(keys.hostsDrain(), hostId)) as HostDrainState | null) ?? undefined;
}

const MOVE_STATE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/**
 * `from` → `to`, only if the state is still `from` (an uncordon in between wins): draining →
 * drained when the last agent has gone, drained → draining when a restarted host adopted
 * agents again. True only for the call that made the change.
 */
export async function moveDrainState(redis: Redis, keys: Keys, hostId: string, from: HostDrainState, to: HostDrainState): Promise<boolean> {
  return (await redis.eval(MOVE_STATE, 1, keys.hostsDrain(), hostId, from, to)) === 1;
}
