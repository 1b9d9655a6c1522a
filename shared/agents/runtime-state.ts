import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { redisScript } from '../redis-script.js';
import type { AgentStatus } from './agent-status.js';

/**
 * An agent's live state: one Redis hash per agent (keys.agent(id)), written by the host
 * that runs it and read by the API. Numbers are stored as decimal strings.
 *
 * Cost: the CLI's `total_cost_usd` is cumulative for one PROCESS. `costBaseUsd` holds the
 * total of the processes that have ended; `processCostUsd` the running one's latest figure;
 * `costUsd` = base + process, so a restart never counts a cost twice nor loses one.
 */
export interface AgentRuntime {
  id: string;
  status: AgentStatus | 'unknown';
  hostId?: string;
  pid?: number;
  sessionId?: string;
  /** true once a process has started the session (later starts use --resume) */
  sessionStarted: boolean;
  reason?: string;
  /** the catalogue code of the reason: a failure (shared/agents/start-failure.ts), or ERROR_CODE.agentParked / agentStalled */
  reasonCode?: string;
  /**
   * ISO time a parked agent resumes (a usage or rate limit's reset; workers/agents/parking.ts).
   * Kept across stops and host restarts until the park ends, so the next start is parked too.
   */
  resumesAt?: string;
  /** why it is parked (the status's reason while parked; kept for a restart to show it again) */
  parkReason?: string;
  restarts: number;
  costUsd: number;
  costBaseUsd: number;
  processCostUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  turns: number;
  queuedTurns: number;
  cpuPercent?: number;
  memoryMb?: number;
  /** the agent's MCP containers (workers/mcp/stats-reporter.ts) */
  mcpContainers?: number;
  mcpMemoryMb?: number;
  mcpCpuPercent?: number;
  throttled: boolean;
  circuitOpen: boolean;
  startedAt?: string;
  updatedAt?: string;
}

const NUMERIC = new Set([
  'pid',
  'restarts',
  'costUsd',
  'costBaseUsd',
  'processCostUsd',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheCreationTokens',
  'turns',
  'queuedTurns',
  'cpuPercent',
  'memoryMb',
  'mcpContainers',
  'mcpMemoryMb',
  'mcpCpuPercent',
]);
const BOOLEAN = new Set(['sessionStarted', 'throttled', 'circuitOpen']);

export function decodeRuntime(id: string, hash: Record<string, string>): AgentRuntime {
  const out: Record<string, unknown> = {
    id,
    status: 'unknown',
    sessionStarted: false,
    restarts: 0,
    costUsd: 0,
    costBaseUsd: 0,
    processCostUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    turns: 0,
    queuedTurns: 0,
    throttled: false,
    circuitOpen: false,
  };
  for (const [k, v] of Object.entries(hash)) {
    if (v === '') continue;
    if (NUMERIC.has(k)) out[k] = Number(v);
    else if (BOOLEAN.has(k)) out[k] = v === '1';
    else out[k] = v;
  }
  return out as unknown as AgentRuntime;
}

export type RuntimeFields = Partial<Record<keyof AgentRuntime, string | number | boolean | undefined>>;

export function encodeFields(fields: RuntimeFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) out[k] = '';
    else if (typeof v === 'boolean') out[k] = v ? '1' : '0';
    else out[k] = String(v);
  }
  return out;
}

export async function readRuntime(redis: Redis, keys: Keys, id: string): Promise<AgentRuntime | undefined> {
  const hash = await redis.hgetall(keys.agent(id));
  return Object.keys(hash).length === 0 ? undefined : decodeRuntime(id, hash);
}

export async function readRuntimes(redis: Redis, keys: Keys, ids: readonly string[]): Promise<Map<string, AgentRuntime>> {
  const out = new Map<string, AgentRuntime>();
  if (ids.length === 0) return out;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.agent(id));
  const replies = (await pipeline.exec()) ?? [];
  ids.forEach((id, i) => {
    const hash = (replies[i]?.[1] ?? {}) as Record<string, string>;
    if (Object.keys(hash).length > 0) out.set(id, decodeRuntime(id, hash));
  });
  return out;
}

/** HSET of the field/value pairs in ARGV[2..] on KEYS[1], and ARGV[1] into the index KEYS[2]. */
const WRITE = redisScript(`
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`);

/**
 * The fields, and the agent in the index: one script by SHA (not a MULTI, so an auto-pipelined
 * connection sends it with whatever else is going out; one command where two plain ones were —
 * a supervisor writes its hash twice per turn).
 */
export async function writeRuntime(redis: Redis, keys: Keys, id: string, fields: RuntimeFields): Promise<void> {
  const args: string[] = [id];
  for (const [k, v] of Object.entries(encodeFields({ ...fields, updatedAt: new Date().toISOString() }))) args.push(k, v);
  await WRITE(redis, [keys.agent(id), keys.agentIndex()], args);
}

export async function deleteRuntime(redis: Redis, keys: Keys, id: string): Promise<void> {
  await redis.multi().del(keys.agent(id), keys.agentOwner(id), keys.agentConversation(id), keys.agentSamples(id), keys.agentSession(id), keys.agentWaitingTurns(id)).srem(keys.agentIndex(), id).exec();
}

/**
 * Claims an agent for a host, atomically: succeeds when nobody owns it, when this host
 * already does, or when the owner's heartbeat key is gone (a dead host). This is what
 * keeps an agent from running twice when spawn jobs are retried or race.
 * Returns `claimed`, `mine` (already ours) or the id of the live host that owns it.
 */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return 'mine' end
if owner and redis.call('EXISTS', ARGV[2] .. owner .. ARGV[3]) == 1 then return owner end
redis.call('SET', KEYS[1], ARGV[1])
return 'claimed'
`;

export async function claimAgent(redis: Redis, keys: Keys, agentId: string, hostId: string): Promise<'claimed' | 'mine' | string> {
  // the alive key of host X is `${prefix}:host:X:alive` (keys.hostAlive); built in Lua from its two halves
  const alive = keys.hostAlive('x');
  const [head, tail] = [alive.slice(0, alive.length - 'x:alive'.length), ':alive'];
  return (await redis.eval(CLAIM, 1, keys.agentOwner(agentId), hostId, head, tail)) as string;
}

/** Releases a claim, only if this host still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export async function releaseAgent(redis: Redis, keys: Keys, agentId: string, hostId: string): Promise<void> {
  await redis.eval(RELEASE, 1, keys.agentOwner(agentId), hostId);
}

export async function ownerOf(redis: Redis, keys: Keys, agentId: string): Promise<string | undefined> {
  return (await redis.get(keys.agentOwner(agentId))) ?? undefined;
}
