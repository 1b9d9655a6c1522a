import type { Redis } from 'ioredis';
import { EVENT_FIELD } from '../events/event-bus.js';
import type { Keys } from '../keys.js';
import type { DomainEvent } from '../types.js';
import { isAfterDesc, zsetPageDesc, type ZKey } from '../zset-keyset.js';
import { approvalRequestSchema, statusOf, type ApprovalRequest, type ApprovalStatus, type Decision, type RiskLevel, type RequestType } from './approval-request.js';

/**
 * Approvals in Redis (keys from shared/keys.ts): one hash per request holding the
 * immutable request JSON plus its status and decision as separate fields, an index of
 * all, and the pending set.
 *
 * Every state change is one Lua script, so exactly one decision wins however many
 * deciders race (a person, the timeout, a retried job), and the domain event is added to
 * the event stream in the same script: a decision is never visible without its event, and
 * an event is never sent for a decision that lost. The winner is also put in the
 * `unrecorded` set until its history line is submitted (recorder.ts).
 */
export const APPROVAL_EVENT = {
  requested: 'approval.requested',
  decided: 'approval.decided',
} as const;

export interface DecisionInput {
  decision: Decision;
  decided_by: string;
  reason: string;
  policy_rule?: string;
  at?: Date;
}

export interface ListFilter {
  status?: ApprovalStatus | 'all';
  agent_id?: string;
  /** `agent:<id>`, `user:<name>`: who asked (an agent token lists only its own asks) */
  requested_by?: string;
  risk_level?: RiskLevel;
  request_type?: RequestType;
  /** the (created ms, id) of the previous page's last approval: the page starts after it (shared/zset-keyset.ts) */
  after?: ZKey;
  limit: number;
}

/** Creates the hash unless it exists; indexes it. Returns 1 when created. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'request', ARGV[1], 'status', 'pending')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

/** Pending and not yet escalated → escalated, in the pending set, event out. */
const ESCALATE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
if redis.call('HSETNX', KEYS[1], 'escalated', '1') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[1], 'policy_rule', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', ARGV[6], ARGV[7])
return 1
`;

/** Pending → decided (first caller wins), out of the pending set, into unrecorded, event out. */
const DECIDE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decision', ARGV[2], 'decided_by', ARGV[3], 'decided_at', ARGV[4], 'reason', ARGV[5], 'policy_rule', ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[7])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', ARGV[10], ARGV[11])
return 1
`;

export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<boolean>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** newest first; `next`: the key to ask the next page after (absent at the end) */
  list(filter: ListFilter): Promise<{ approvals: ApprovalRequest[]; total: number; next?: ZKey }>;
  /** true when this call escalated it (the caller then sends the webhook) */
  escalate(request: ApprovalRequest, expiresAt: number, policyRule: string): Promise<boolean>;
  /** the decided record when this call's decision won; undefined when it was already decided */
  decide(request: ApprovalRequest, input: DecisionInput): Promise<ApprovalRequest | undefined>;
  /** ids decided before `beforeMs` whose history line is not yet submitted */
  unrecorded(beforeMs: number, limit: number): Promise<string[]>;
  markRecorded(id: string): Promise<void>;
  /** drops the oldest decided approvals beyond `keep` (the registry keeps every one) */
  trim(keep: number): Promise<number>;
}

export function createApprovalStore(redis: Redis, keys: Keys, streamMaxLen: number): ApprovalStore {
  const eventJson = (type: string, request: ApprovalRequest): string => {
    const event: DomainEvent<ApprovalRequest> = {
      type,
      at: new Date().toISOString(),
      agentId: request.agent_id,
      ...(request.correlation_id ? { correlationId: request.correlation_id } : {}),
      data: request,
    };
    return JSON.stringify(event);
  };

  const decode = (fields: Record<string, string>): ApprovalRequest | undefined => {
    if (!fields.request) return undefined;
    const base = JSON.parse(fields.request) as Record<string, unknown>;
    const extra: Record<string, unknown> = { status: fields.status ?? 'pending' };
    for (const f of ['decision', 'decided_by', 'decided_at', 'reason', 'policy_rule'] as const) if (fields[f]) extra[f] = fields[f];
    if (fields.expires_at) extra.expires_at = Number(fields.expires_at);
    const parsed = approvalRequestSchema.safeParse({ ...base, ...extra });
    return parsed.success ? parsed.data : undefined;
  };

  const get = async (id: string): Promise<ApprovalRequest | undefined> => decode(await redis.hgetall(keys.approval(id)));

  const getMany = async (ids: string[]): Promise<ApprovalRequest[]> => {
    if (ids.length === 0) return [];
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetall(keys.approval(id));
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([, v]) => decode((v ?? {}) as Record<string, string>)).filter((r): r is ApprovalRequest => r !== undefined);
  };

  return {
    async create(request) {
      const { status: _s, decision: _d, decided_by: _b, decided_at: _a, reason: _r, policy_rule: _p, expires_at: _e, ...immutable } = request;
      const created = await redis.eval(CREATE, 2, keys.approval(request.id), keys.approvalIndex(), JSON.stringify(immutable), String(Date.parse(request.created_at)), request.id);
      return created === 1;
    },
    get,
    async list(filter) {
      const set = filter.status === 'pending' ? keys.approvalsPending() : keys.approvalIndex();
      const narrowed = filter.agent_id !== undefined || filter.requested_by !== undefined || filter.risk_level !== undefined || filter.request_type !== undefined || (filter.status !== undefined && filter.status !== 'all' && filter.status !== 'pending');
      if (!narrowed) {
        const [page, total] = await Promise.all([zsetPageDesc(redis, set, { limit: filter.limit, ...(filter.after ? { after: filter.after } : {}) }), redis.zcard(set)]);
        const last = page.items.at(-1);
        return { approvals: await getMany(page.items.map((k) => k.member)), total, ...(page.more && last ? { next: last } : {}) };
      }
      // Filters other than status read the (bounded) index and filter in memory.
      const all = await getMany(await redis.zrevrange(set, 0, -1));
      const matching = all.filter(
        (a) =>
          (filter.status === undefined || filter.status === 'all' || a.status === filter.status) &&
          (filter.agent_id === undefined || a.agent_id === filter.agent_id) &&
          (filter.requested_by === undefined || a.requested_by === filter.requested_by) &&
          (filter.risk_level === undefined || a.risk_level === filter.risk_level) &&
          (filter.request_type === undefined || a.request_type === filter.request_type),
      );
      // the index's own order: created time, then id, newest first
      const keyOf = (a: ApprovalRequest): ZKey => ({ score: Date.parse(a.created_at), member: a.id });
      const rest = filter.after ? matching.filter((a) => isAfterDesc(keyOf(a).score, a.id, filter.after!)) : matching;
      const page = rest.slice(0, filter.limit);
      const last = page.at(-1);
      return { approvals: page, total: matching.length, ...(rest.length > filter.limit && last ? { next: keyOf(last) } : {}) };
    },
    async escalate(request, expiresAt, policyRule) {
      const next: ApprovalRequest = { ...request, expires_at: expiresAt, policy_rule: policyRule };
      const done = await redis.eval(
        ESCALATE,
        3,
        keys.approval(request.id),
        keys.approvalsPending(),
        keys.events(),
        String(expiresAt),
        policyRule,
        String(Date.parse(request.created_at)),
        request.id,
        String(streamMaxLen),
        EVENT_FIELD,
        eventJson(APPROVAL_EVENT.requested, next),
      );
      return done === 1;
    },
    async decide(request, input) {
      const at = (input.at ?? new Date()).toISOString();
      const decided: ApprovalRequest = {
        ...request,
        status: statusOf(input.decision),
        decision: input.decision,
        decided_by: input.decided_by,
        decided_at: at,
        reason: input.reason,
        policy_rule: input.policy_rule ?? request.policy_rule ?? 'none',
      };
      const won = await redis.eval(
        DECIDE,
        4,
        keys.approval(request.id),
        keys.approvalsPending(),
        keys.approvalsUnrecorded(),
        keys.events(),
        decided.status,
        input.decision,
        input.decided_by,
        at,
        input.reason,
        decided.policy_rule as string,
        request.id,
        String(Date.parse(at)),
        String(streamMaxLen),
        EVENT_FIELD,
        eventJson(APPROVAL_EVENT.decided, decided),
      );
      return won === 1 ? decided : undefined;
    },
    async unrecorded(beforeMs, limit) {
      return redis.zrangebyscore(keys.approvalsUnrecorded(), '-inf', String(beforeMs), 'LIMIT', 0, limit);
    },
    async markRecorded(id) {
      await redis.zrem(keys.approvalsUnrecorded(), id);
    },
    async trim(keep) {
      const total = await redis.zcard(keys.approvalIndex());
      if (total <= keep) return 0;
      const oldest = await redis.zrange(keys.approvalIndex(), 0, total - keep - 1);
      let removed = 0;
      for (const id of oldest) {
        const status = await redis.hget(keys.approval(id), 'status');
        if (status === 'pending') continue;
        await redis.multi().del(keys.approval(id)).zrem(keys.approvalIndex(), id).exec();
        removed++;
      }
      return removed;
    },
  };
}
