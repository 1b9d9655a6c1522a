import type { LiveEvent } from '../live/types';
import { num, str, type Row } from './fields';

/**
 * The rows of the agents page as a small store with one subscription per agent (issue 21):
 * a live event patches the row it names and wakes only that row's component, so a fleet
 * of 2,000 agents sending metrics never re-renders the table. A fetched page is merged in
 * the same way: a row whose fields did not change keeps its object and is not woken.
 */
export interface AgentRowData {
  id: string;
  name: string;
  /** the runtime status (`never-started` when it never ran) */
  status: string;
  hostId: string | null;
  costUsd: number;
  cpuPercent: number | null;
  memoryMb: number | null;
  restarts: number;
  /** why it is not running as asked (a failed start or placement, a budget): shown under the status */
  reason: string | null;
  labels: Record<string, string>;
  cpu: number[];
  mem: number[];
}

const MAX_SAMPLES = 40;

export interface AgentRowStore {
  get(id: string): AgentRowData | undefined;
  subscribe(id: string, wake: () => void): () => void;
  /** merges a fetched page */
  merge(items: readonly Row[]): void;
  /** patches the rows an event names */
  apply(event: LiveEvent): void;
}

const same = (a: AgentRowData, b: AgentRowData): boolean =>
  a.name === b.name && a.status === b.status && a.hostId === b.hostId && a.costUsd === b.costUsd && a.cpuPercent === b.cpuPercent && a.memoryMb === b.memoryMb && a.restarts === b.restarts && a.reason === b.reason;

export function createAgentRowStore(): AgentRowStore {
  const rows = new Map<string, AgentRowData>();
  const listeners = new Map<string, Set<() => void>>();
  const put = (next: AgentRowData): void => {
    rows.set(next.id, next);
    for (const wake of listeners.get(next.id) ?? []) wake();
  };
  const patch = (id: string, fields: Partial<AgentRowData>): void => {
    const row = rows.get(id);
    if (row) put({ ...row, ...fields });
  };
  return {
    get: (id) => rows.get(id),
    subscribe(id, wake) {
      const set = listeners.get(id) ?? new Set();
      set.add(wake);
      listeners.set(id, set);
      return () => {
        set.delete(wake);
        if (set.size === 0) listeners.delete(id);
      };
    },
    merge(items) {
      for (const item of items) {
        const id = str(item, 'id');
        if (!id) continue;
        const old = rows.get(id);
        const next: AgentRowData = {
          id,
          name: str(item, 'name') ?? id,
          status: str(item, 'runtimeStatus', 'runtime.status') ?? 'never-started',
          hostId: str(item, 'hostId', 'runtime.hostId') ?? null,
          costUsd: num(item, 'costUsd', 'runtime.costUsd') ?? 0,
          cpuPercent: num(item, 'cpuPercent', 'runtime.cpuPercent') ?? null,
          memoryMb: num(item, 'memoryMb', 'runtime.memoryMb') ?? null,
          restarts: num(item, 'restarts', 'runtime.restarts') ?? 0,
          reason: str(item, 'reason', 'runtime.reason') ?? null,
          labels: ((item as { labels?: Record<string, string> }).labels ?? {}) as Record<string, string>,
          cpu: old?.cpu ?? [],
          mem: old?.mem ?? [],
        };
        if (!old || !same(old, next)) put(next);
      }
    },
    apply(event) {
      if (event.type === 'agent.metrics') {
        const samples = Array.isArray((event.data as { agents?: unknown })?.agents) ? (event.data as { agents: Row[] }).agents : [];
        for (const s of samples) {
          const id = str(s, 'agentId');
          const row = id ? rows.get(id) : undefined;
          if (!row) continue;
          const cpu = num(s, 'cpuPercent');
          const mem = num(s, 'memoryMb');
          put({
            ...row,
            cpuPercent: cpu ?? row.cpuPercent,
            memoryMb: mem ?? row.memoryMb,
            cpu: cpu === undefined ? row.cpu : [...row.cpu, cpu].slice(-MAX_SAMPLES),
            mem: mem === undefined ? row.mem : [...row.mem, mem].slice(-MAX_SAMPLES),
          });
        }
        return;
      }
      if (event.type === 'agent.status' && event.agentId) {
        const status = str(event.data, 'status');
        const reason = str(event.data, 'reason') ?? null;
        if (status) patch(event.agentId, { status, reason, ...(event.hostId ? { hostId: event.hostId } : {}) });
      }
    },
  };
}
