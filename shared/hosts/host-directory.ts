import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import type { HostInfo, HostSandbox, LoopHealth } from '../types.js';

/**
 * Host records in Redis: a hash per host (its registration), a key with a TTL that exists
 * while it heartbeats, and a set of host ids. A host is alive exactly while its alive key
 * exists, so a host that dies without deregistering is seen dead after one TTL.
 */
export interface HostRegistration {
  id: string;
  hostname: string;
  pid: number;
  capacity: number;
  labels: Record<string, string>;
  version: string;
  /** how it gets agent tokens, whether it holds the signing key, the credential it joined with (HostInfo) */
  agentTokens?: 'signing-key' | 'host-credential';
  signingKey?: boolean;
  credentialId?: string;
}

/** Fields a host's earlier run may have left in its registration that a new run must not inherit. */
const PER_RUN_FIELDS = ['agentTokens', 'signingKey', 'credentialId', 'credentialRevokedAt', 'stoppedReason', 'stoppedAt'] as const;

/** registration hashes of dead hosts are kept this long for post-mortems */
const DEAD_HOST_RETENTION_MS = 24 * 3600 * 1000;

export async function registerHost(redis: Redis, keys: Keys, reg: HostRegistration, ttlMs: number): Promise<void> {
  const now = new Date().toISOString();
  await redis
    .multi()
    .hdel(keys.host(reg.id), ...PER_RUN_FIELDS)
    .hset(keys.host(reg.id), {
      ...(reg.agentTokens ? { agentTokens: reg.agentTokens } : {}),
      ...(reg.signingKey !== undefined ? { signingKey: reg.signingKey ? '1' : '0' } : {}),
      ...(reg.credentialId ? { credentialId: reg.credentialId } : {}),
      id: reg.id,
      hostname: reg.hostname,
      pid: String(reg.pid),
      capacity: String(reg.capacity),
      running: '0',
      labels: JSON.stringify(reg.labels),
      version: reg.version,
      startedAt: now,
      lastHeartbeat: now,
    })
    .pexpire(keys.host(reg.id), DEAD_HOST_RETENTION_MS)
    .set(keys.hostAlive(reg.id), now, 'PX', ttlMs)
    .del(keys.hostDownReported(reg.id))
    .sadd(keys.hosts(), reg.id)
    .exec();
}

export async function heartbeatHost(
  redis: Redis,
  keys: Keys,
  hostId: string,
  ttlMs: number,
  fields: { running?: number; capacity?: number; loops?: Record<string, LoopHealth> } = {},
): Promise<void> {
  const now = new Date().toISOString();
  const update: Record<string, string> = { lastHeartbeat: now };
  if (fields.loops !== undefined) update.loops = JSON.stringify(fields.loops);
  if (fields.running !== undefined) update.running = String(fields.running);
  if (fields.capacity !== undefined) update.capacity = String(fields.capacity);
  await redis
    .multi()
    .hset(keys.host(hostId), update)
    .pexpire(keys.host(hostId), DEAD_HOST_RETENTION_MS)
    .set(keys.hostAlive(hostId), now, 'PX', ttlMs)
    .sadd(keys.hosts(), hostId)
    .exec();
}

/**
 * The host stopped taking work on its own (its credential revoked or expired): the reason stays
 * in its registration — which is not removed, so `/api/system/hosts` shows it — and its alive
 * key goes, so peers see it gone at once and fail its agents over.
 */
export async function markHostStopped(redis: Redis, keys: Keys, hostId: string, reason: string): Promise<void> {
  await redis
    .multi()
    .hset(keys.host(hostId), { stoppedReason: reason, stoppedAt: new Date().toISOString() })
    .del(keys.hostAlive(hostId))
    .exec();
}

/** How the host runs its agents (HostSandbox), kept in its registration until it deregisters. */
export async function publishHostSandbox(redis: Redis, keys: Keys, hostId: string, sandbox: HostSandbox): Promise<void> {
  await redis.hset(keys.host(hostId), 'sandbox', JSON.stringify(sandbox));
}

export async function deregisterHost(redis: Redis, keys: Keys, hostId: string): Promise<void> {
  await redis.multi().del(keys.hostAlive(hostId), keys.host(hostId), keys.hostDownReported(hostId)).srem(keys.hosts(), hostId).exec();
}

/** Every known host, alive first; hosts whose registration expired are dropped from the set. */
export async function listHosts(redis: Redis, keys: Keys): Promise<HostInfo[]> {
  const ids = await redis.smembers(keys.hosts());
  if (ids.length === 0) return [];
  const [cordonedIds, drains] = await Promise.all([redis.smembers(keys.hostsCordoned()), redis.hgetall(keys.hostsDrain())]);
  const cordoned = new Set(cordonedIds);
  const pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.hgetall(keys.host(id));
    pipeline.exists(keys.hostAlive(id));
  }
  const replies = (await pipeline.exec()) ?? [];
  const hosts: HostInfo[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const hash = (replies[i * 2]?.[1] ?? {}) as Record<string, string>;
    const alive = replies[i * 2 + 1]?.[1] === 1;
    if (!hash.id) {
      gone.push(id);
      return;
    }
    const drain = drains[id];
    hosts.push({ ...decodeHost(hash, alive, cordoned.has(id)), ...(drain === 'draining' || drain === 'drained' ? { drain } : {}) });
  });
  if (gone.length > 0) await redis.srem(keys.hosts(), ...gone);
  return hosts.sort((a, b) => Number(b.alive) - Number(a.alive) || a.id.localeCompare(b.id));
}

export async function liveHosts(redis: Redis, keys: Keys): Promise<HostInfo[]> {
  return (await listHosts(redis, keys)).filter((h) => h.alive);
}

function decodeHost(hash: Record<string, string>, alive: boolean, cordoned: boolean): HostInfo {
  let labels: Record<string, string> = {};
  try {
    labels = JSON.parse(hash.labels ?? '{}') as Record<string, string>;
  } catch {
    labels = {};
  }
  let sandbox: HostSandbox | undefined;
  try {
    sandbox = hash.sandbox ? (JSON.parse(hash.sandbox) as HostSandbox) : undefined;
  } catch {
    sandbox = undefined;
  }
  let loops: Record<string, LoopHealth> | undefined;
  try {
    loops = hash.loops ? (JSON.parse(hash.loops) as Record<string, LoopHealth>) : undefined;
  } catch {
    loops = undefined;
  }
  const agentTokens = hash.agentTokens === 'signing-key' || hash.agentTokens === 'host-credential' ? hash.agentTokens : undefined;
  return {
    ...(sandbox ? { sandbox } : {}),
    ...(loops ? { loops } : {}),
    ...(agentTokens ? { agentTokens } : {}),
    ...(hash.signingKey ? { signingKey: hash.signingKey === '1' } : {}),
    ...(hash.credentialId ? { credential: { id: hash.credentialId, ...(hash.credentialRevokedAt ? { revokedAt: hash.credentialRevokedAt } : {}) } } : {}),
    ...(hash.stoppedReason ? { stopped: { reason: hash.stoppedReason, at: hash.stoppedAt ?? '' } } : {}),
    id: hash.id ?? '',
    hostname: hash.hostname ?? '',
    pid: Number(hash.pid ?? 0),
    capacity: Number(hash.capacity ?? 0),
    running: Number(hash.running ?? 0),
    labels,
    version: hash.version ?? '',
    startedAt: hash.startedAt ?? '',
    lastHeartbeat: hash.lastHeartbeat ?? '',
    alive,
    cordoned,
  };
}

/**
 * Cordon: no new agent is placed on the host (spawns, failovers) while its running agents
 * stay. Kept in a set of its own, not in the registration hash, so it outlives the host's
 * restarts (a host cordoned for maintenance stays cordoned when it comes back) until
 * uncordoned, which ends a drain as well. Returns whether the cordon changed.
 */
export async function setHostCordoned(redis: Redis, keys: Keys, hostId: string, cordoned: boolean): Promise<boolean> {
  if (cordoned) return (await redis.sadd(keys.hostsCordoned(), hostId)) === 1;
  // lifting the cordon ends a drain too (shared/hosts/host-drain.ts)
  const replies = await redis.multi().srem(keys.hostsCordoned(), hostId).hdel(keys.hostsDrain(), hostId).exec();
  return replies?.[0]?.[1] === 1;
}
