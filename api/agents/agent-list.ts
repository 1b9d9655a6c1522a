import { createHash } from 'node:crypto';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { AgentStore } from '../../shared/agents/agent-store-contract.js';
import { readRuntimes, type AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { pageOf, type SortValue } from '../http/list-cursor.js';

/**
 * The agents list at fleet size (issue 21): filter, count, sort and page 2,000 agents
 * without reading 2,000 runtime hashes. The configs come from the agent store (whichever
 * reader it uses: agents.toml or Redis); of the runtime, one pipelined HMGET per agent
 * reads just the fields the compact item shows, and only the page of a `view=full` list
 * reads whole hashes.
 *
 * The runtime status is whatever string the supervisor wrote (shared/agents/agent-status.ts
 * today; new statuses need no change here), `never-started` when an agent has no runtime.
 */
export const NEVER_STARTED = 'never-started';
export const AGENT_SORTS = ['id', 'name', 'created', 'status', 'host', 'cost', 'cpu', 'memory', 'restarts'] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

export interface AgentListQuery {
  status?: string[];
  host?: string[];
  /** `key=value` pairs, all must match the agent's labels */
  label?: string[];
  /** the `project` label (a shorthand for label=project=<p>) */
  project?: string;
  parent?: string;
  /** case-insensitive text in the id or the name */
  q?: string;
  sort: AgentSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

/** What the list shows of an agent's runtime: the HMGET fields, in order. */
const FIELDS = ['status', 'hostId', 'costUsd', 'cpuPercent', 'memoryMb', 'restarts', 'reason'] as const;

export interface AgentSummary {
  id: string;
  name: string;
  /** the runtime status (`never-started` when it never ran), not the config's desired status */
  runtimeStatus: string;
  hostId: string | null;
  costUsd: number;
  cpuPercent: number | null;
  memoryMb: number | null;
  restarts: number;
  /** why it is not running as asked (a failed start or placement, a budget...), when it says */
  reason: string | null;
  labels: Record<string, string>;
  parent?: string;
  created_at: string;
}

export interface AgentListRow {
  config: AgentConfig;
  summary: AgentSummary;
}

export interface AgentListPage {
  rows: AgentListRow[];
  next: string | null;
  /** agents matching every filter */
  total: number;
  /** agents matching every filter but the status one, by runtime status */
  counts: Record<string, number>;
}

const num = (v: string | null | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

async function summaries(ctx: NoxContext, configs: readonly AgentConfig[]): Promise<AgentSummary[]> {
  const pipeline = ctx.redis.pipeline();
  for (const c of configs) pipeline.hmget(ctx.keys.agent(c.id), ...FIELDS);
  const replies = (await pipeline.exec()) ?? [];
  return configs.map((c, i) => {
    const [status, hostId, cost, cpu, memory, restarts, reason] = (replies[i]?.[1] ?? []) as (string | null)[];
    return {
      id: c.id,
      name: c.name,
      // a start that failed before any process leaves a reason and no status (or `unknown`)
      runtimeStatus: status && status !== 'unknown' ? status : NEVER_STARTED,
      hostId: hostId || null,
      costUsd: num(cost) ?? 0,
      cpuPercent: num(cpu),
      memoryMb: num(memory),
      restarts: num(restarts) ?? 0,
      reason: reason || null,
      labels: c.labels,
      ...(c.parent ? { parent: c.parent } : {}),
      created_at: c.created_at,
    };
  });
}

function sortKey(sort: AgentSort): (s: AgentSummary) => SortValue {
  switch (sort) {
    case 'id':
      return (s) => s.id;
    case 'name':
      return (s) => s.name.toLowerCase();
    case 'created':
      return (s) => s.created_at;
    case 'status':
      return (s) => s.runtimeStatus;
    case 'host':
      return (s) => s.hostId ?? '';
    case 'cost':
      return (s) => s.costUsd;
    case 'cpu':
      return (s) => s.cpuPercent ?? -1;
    case 'memory':
      return (s) => s.memoryMb ?? -1;
    case 'restarts':
      return (s) => s.restarts;
  }
}

function labelMatcher(query: AgentListQuery): (c: AgentConfig) => boolean {
  const pairs = (query.label ?? []).map((l) => {
    const at = l.indexOf('=');
    return at < 0 ? ([l, undefined] as const) : ([l.slice(0, at), l.slice(at + 1)] as const);
  });
  if (query.project !== undefined) pairs.push(['project', query.project]);
  return (c) => pairs.every(([k, v]) => (v === undefined ? k in c.labels : c.labels[k] === v));
}

export async function listAgents(ctx: NoxContext, store: AgentStore, query: AgentListQuery): Promise<AgentListPage> {
  const text = query.q?.toLowerCase();
  const labelsMatch = labelMatcher(query);
  const configs = (await store.list()).filter(
    (c) =>
      (query.parent === undefined || c.parent === query.parent) &&
      labelsMatch(c) &&
      (text === undefined || c.id.includes(text) || c.name.toLowerCase().includes(text)),
  );
  const byId = new Map(configs.map((c) => [c.id, c]));
  const hosts = query.host ? new Set(query.host) : undefined;
  const onHost = (await summaries(ctx, configs)).filter((s) => hosts === undefined || hosts.has(s.hostId ?? ''));
  const counts: Record<string, number> = {};
  for (const s of onHost) counts[s.runtimeStatus] = (counts[s.runtimeStatus] ?? 0) + 1;
  const statuses = query.status ? new Set(query.status) : undefined;
  const matching = statuses === undefined ? onHost : onHost.filter((s) => statuses.has(s.runtimeStatus));
  const page = pageOf(matching, { sort: `${query.sort}:${query.order}`, desc: query.order === 'desc', limit: query.limit, cursor: query.cursor, keyOf: sortKey(query.sort), idOf: (s) => s.id });
  return { rows: page.items.map((summary) => ({ config: byId.get(summary.id) as AgentConfig, summary })), next: page.next, total: matching.length, counts };
}

/** The whole runtime of the rows of one page (`view=full`). */
export function fullRuntimes(ctx: NoxContext, rows: readonly AgentListRow[]): Promise<Map<string, AgentRuntime>> {
  return readRuntimes(ctx.redis, ctx.keys, rows.map((r) => r.config.id));
}

/**
 * The list's ETag, without reading the list: the store's version (agents.toml's signature,
 * or the Redis store's counter) and the last id of the event stream — every runtime change
 * (status, cost, the metrics samples) is published as an event after it is written, so a
 * list read after the tag is computed is never older than the tag says. Undefined when the
 * store keeps no version (then every answer is a 200).
 */
export async function listVersion(ctx: NoxContext, store: AgentStore, scope: string): Promise<string | undefined> {
  if (!store.version) return undefined;
  const [config, last] = await Promise.all([store.version(), ctx.redis.xrevrange(ctx.keys.events(), '+', '-', 'COUNT', 1)]);
  const events = last[0]?.[0] ?? '0-0';
  return `W/"${createHash('sha1').update(`${config}|${events}|${scope}`).digest('base64url')}"`;
}
