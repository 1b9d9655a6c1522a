import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../keys.js';
import { agentConfigSchema } from './agent-config.js';
import { AgentRequestNotFoundError } from '../errors/agent-errors.js';

/**
 * Agent requests: a spawn or a deletion of an agent that waits for an approval (issue 6;
 * docs/APPROVALS.md, "Other sources"). What was asked is kept in Redis under the approval
 * id (`agentRequest(approvalId)`, a hash) until it is settled, so whoever acts on the
 * decision — the API at once when the policy approves, or the `approval.agent-request`
 * job after a person decides — finds exactly what was approved.
 *
 * Status: `pending` (no decision yet, or decided and not acted on) → `acting` (claimed by
 * one actor) → `done`, or `denied` (the approval was denied or timed out), or `failed`
 * (approved, but the act was refused at action time: `error` says why). Open requests
 * (pending, acting) are in `agentRequestsOpen()` so the sweep finds decisions the watcher
 * missed.
 *
 * Exactly one actor acts: `claim` is a compare-and-set in one Lua script. A claim is a
 * lease: an actor that died holding it (an API node between its claim and its answer) is
 * replaced once `CLAIM_LEASE_MS` has passed; a BullMQ job keeps its claim across retries
 * (the claimer is the job id).
 */
export const AGENT_REQUEST_KINDS = ['spawn', 'delete', 'merge'] as const;
export type AgentRequestKind = (typeof AGENT_REQUEST_KINDS)[number];

export const AGENT_REQUEST_STATUSES = ['pending', 'acting', 'done', 'denied', 'failed'] as const;
export type AgentRequestStatus = (typeof AGENT_REQUEST_STATUSES)[number];
export type SettledStatus = Exclude<AgentRequestStatus, 'pending' | 'acting'>;

/** How long a claim holds before another actor may take the request over. */
export const CLAIM_LEASE_MS = 60_000;
/** Settled requests stay readable this long (the registry keeps agents.toml and the approval history). */
const SETTLED_TTL_S = 7 * 24 * 3600;

/** What was asked: written once, never changed. */
export const agentRequestAskSchema = z
  .object({
    approval_id: z.string(),
    kind: z.enum(AGENT_REQUEST_KINDS),
    /** the agent concerned: the child to create (spawn) or the agent to delete */
    agent_id: z.string(),
    /** `agent:<parent>` for a spawn by an agent, `user:<name>` for a deletion */
    requested_by: z.string(),
    correlation_id: z.string().optional(),
    created_at: z.string(),
    /** spawn: the config to create, stamps included (its `created_at` tells a retried create from someone else's agent) */
    config: agentConfigSchema.optional(),
    /** spawn: start it once created */
    start: z.boolean().optional(),
    /** delete: `created_at` of the config that was asked to be deleted, so a namesake created later is never deleted */
    incarnation: z.string().optional(),
    /** merge: how the agent's branch goes to its project (docs/WORKTREES.md) */
    merge: z.object({ mode: z.enum(['merge', 'push']), head: z.string() }).strict().optional(),
  })
  .strict();
export type AgentRequestAsk = z.infer<typeof agentRequestAskSchema>;

export interface AgentRequest extends AgentRequestAsk {
  status: AgentRequestStatus;
  updated_at: string;
  error?: string;
  /** what the act did (spawn: `spawn_job_id`, `started`; delete: `removed`) */
  result?: Record<string, unknown>;
  claimed_by?: string;
}

export type ClaimOutcome = 'claimed' | 'busy' | 'missing' | SettledStatus;

export interface AgentRequestStore {
  get(approvalId: string): Promise<AgentRequest | undefined>;
  require(approvalId: string): Promise<AgentRequest>;
  /** stores it as pending unless it exists; true when created */
  create(ask: AgentRequestAsk): Promise<boolean>;
  /** pending, an expired claim or its own claim → acting by `claimer` */
  claim(approvalId: string, claimer: string, now?: number): Promise<ClaimOutcome>;
  /** lets another actor take it over at once (the claimer hit a passing failure) */
  release(approvalId: string, claimer: string): Promise<void>;
  /**
   * pending (anyone) or acting (its claimer only) → settled; true when this call settled it.
   * A denial needs no claim: a denied approval never turns into an approval.
   */
  settle(approvalId: string, claimer: string, status: SettledStatus, patch?: { error?: string; result?: Record<string, unknown> }): Promise<boolean>;
  /** approval ids of open requests, oldest first */
  open(limit?: number): Promise<string[]>;
  /** the oldest open request of this kind about this agent (asking twice while one waits finds it) */
  findOpen(kind: AgentRequestKind, agentId: string): Promise<AgentRequest | undefined>;
}

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'ask', ARGV[1], 'status', 'pending', 'updated_at', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`;

const CLAIM = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 'missing' end
if s == 'acting' then
  local by = redis.call('HGET', KEYS[1], 'claimed_by')
  local at = tonumber(redis.call('HGET', KEYS[1], 'claimed_at') or '0')
  if by ~= ARGV[1] and at > tonumber(ARGV[2]) - tonumber(ARGV[3]) then return 'busy' end
elseif s ~= 'pending' then
  return s
end
redis.call('HSET', KEYS[1], 'status', 'acting', 'claimed_by', ARGV[1], 'claimed_at', ARGV[2], 'updated_at', ARGV[4])
return 'claimed'
`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'status') == 'acting' and redis.call('HGET', KEYS[1], 'claimed_by') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'claimed_at', '0')
end
return 1
`;

const SETTLE = `
local s = redis.call('HGET', KEYS[1], 'status')
if s ~= 'pending' and s ~= 'acting' then return 0 end
if s == 'acting' and redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'error', ARGV[3], 'result', ARGV[4], 'updated_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[7])
return 1
`;

export function createAgentRequestStore(redis: Redis, keys: Keys): AgentRequestStore {
  const decode = (fields: Record<string, string>): AgentRequest | undefined => {
    if (!fields.ask) return undefined;
    const ask = agentRequestAskSchema.safeParse(JSON.parse(fields.ask));
    if (!ask.success) return undefined;
    return {
      ...ask.data,
      status: (fields.status ?? 'pending') as AgentRequestStatus,
      updated_at: fields.updated_at ?? ask.data.created_at,
      ...(fields.error ? { error: fields.error } : {}),
      ...(fields.result ? { result: JSON.parse(fields.result) as Record<string, unknown> } : {}),
      ...(fields.claimed_by ? { claimed_by: fields.claimed_by } : {}),
    };
  };
  const get = async (id: string): Promise<AgentRequest | undefined> => decode(await redis.hgetall(keys.agentRequest(id)));

  return {
    get,
    async require(id) {
      const found = await get(id);
      if (!found) throw new AgentRequestNotFoundError(id);
      return found;
    },
    async create(ask) {
      const parsed = agentRequestAskSchema.parse(ask);
      const created = await redis.eval(
        CREATE,
        2,
        keys.agentRequest(parsed.approval_id),
        keys.agentRequestsOpen(),
        JSON.stringify(parsed),
        parsed.created_at,
        String(Date.parse(parsed.created_at)),
        parsed.approval_id,
      );
      return created === 1;
    },
    async claim(id, claimer, now = Date.now()) {
      return (await redis.eval(CLAIM, 1, keys.agentRequest(id), claimer, String(now), String(CLAIM_LEASE_MS), new Date(now).toISOString())) as ClaimOutcome;
    },
    async release(id, claimer) {
      await redis.eval(RELEASE, 1, keys.agentRequest(id), claimer);
    },
    async settle(id, claimer, status, patch = {}) {
      const done = await redis.eval(
        SETTLE,
        2,
        keys.agentRequest(id),
        keys.agentRequestsOpen(),
        claimer,
        status,
        patch.error ?? '',
        patch.result ? JSON.stringify(patch.result) : '',
        new Date().toISOString(),
        String(SETTLED_TTL_S),
        id,
      );
      return done === 1;
    },
    async open(limit = 200) {
      return redis.zrange(keys.agentRequestsOpen(), 0, limit - 1);
    },
    async findOpen(kind, agentId) {
      // Open requests are few (each waits for a person): one pass over them is cheap.
      const ids = await redis.zrange(keys.agentRequestsOpen(), 0, 999);
      if (ids.length === 0) return undefined;
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(keys.agentRequest(id));
      const replies = (await pipe.exec()) ?? [];
      return replies
        .map(([, v]) => decode((v ?? {}) as Record<string, string>))
        .find((r) => r !== undefined && r.kind === kind && r.agent_id === agentId && (r.status === 'pending' || r.status === 'acting'));
    },
  };
}
