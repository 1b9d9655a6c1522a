import os from 'node:os';
import type { Redis } from 'ioredis';
import { ERROR_CODE } from '../shared/errors/codes.js';
import { ConflictError } from '../shared/errors/service-errors.js';
import type { Keys } from '../shared/keys.js';

/**
 * A host keeps the same id across restarts (its hostname, unless configured), so that a
 * restarted host can find the agents its previous run left behind. Two live processes
 * must never share an id: an id whose alive key exists is refused, unless the holder is a
 * dead process of this same machine (a crash less than one TTL ago).
 */
export function defaultHostId(): string {
  const cleaned = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return /^[a-z0-9]/.test(cleaned) ? cleaned : `host-${cleaned}`.slice(0, 63);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function assertHostIdFree(redis: Redis, keys: Keys, hostId: string): Promise<void> {
  const alive = await redis.exists(keys.hostAlive(hostId));
  if (!alive) return;
  const [hostname, pid] = await redis.hmget(keys.host(hostId), 'hostname', 'pid');
  const samePlace = hostname === os.hostname();
  const holder = Number(pid ?? 0);
  if (samePlace && holder !== process.pid && (holder === 0 || !processAlive(holder))) return;
  throw new ConflictError(
    `host id "${hostId}" is in use by a live host (${hostname ?? '?'} pid ${pid ?? '?'}); set NOX_HOST_ID to another id`,
    ERROR_CODE.hostIdInUse,
  );
}
