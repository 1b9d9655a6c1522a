import type { LiveEvent } from '../live/types';
import { num, str, type Row } from './fields';

/**
 * An agent as the pages show it, read from GET /api/agents (issue 4): its config
 * (agents.toml) and its runtime state (Redis), whether the API nests the runtime or
 * flattens it.
 */
export interface AgentView {
  id: string;
  name?: string;
  status?: string;
  hostId?: string;
  model?: string;
  cpuPercent?: number;
  memoryMb?: number;
  costUsd?: number;
  restarts?: number;
  reason?: string;
  raw: Row;
}

export function toAgentView(row: Row): AgentView {
  return {
    id: str(row, 'id', 'config.id') ?? '?',
    name: str(row, 'name', 'config.name'),
    // the runtime status (issue 21): never the config's desired `status` (active/inactive)
    status: str(row, 'runtimeStatus', 'runtime.status', 'state.status') ?? 'never-started',
    hostId: str(row, 'runtime.hostId', 'hostId', 'host', 'state.hostId'),
    model: str(row, 'model', 'config.model'),
    cpuPercent: num(row, 'runtime.cpuPercent', 'cpuPercent', 'cpu'),
    memoryMb: num(row, 'runtime.memoryMb', 'memoryMb', 'memory'),
    costUsd: num(row, 'runtime.costUsd', 'costUsd', 'cost_usd', 'cost.totalUsd'),
    restarts: num(row, 'runtime.restarts', 'restarts'),
    reason: str(row, 'runtime.reason', 'reason'),
    raw: row,
  };
}

export interface MetricSeries {
  cpu: number[];
  mem: number[];
}

const MAX_SAMPLES = 40;

/** CPU and memory samples per agent from the `agent.metrics` events, oldest first. */
export function metricsByAgent(events: readonly LiveEvent[]): Map<string, MetricSeries> {
  const out = new Map<string, MetricSeries>();
  // events are newest first; walk backwards so series come out oldest first
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as LiveEvent;
    if (e.type !== 'agent.metrics') continue;
    const samples = Array.isArray((e.data as { agents?: unknown })?.agents) ? ((e.data as { agents: Row[] }).agents) : [{ ...(e.data as Row), agentId: e.agentId }];
    for (const s of samples) {
      const id = str(s, 'agentId', 'id') ?? e.agentId;
      if (!id) continue;
      const series = out.get(id) ?? { cpu: [], mem: [] };
      const cpu = num(s, 'cpuPercent', 'cpu');
      const mem = num(s, 'memoryMb', 'memory', 'rssMb');
      if (cpu !== undefined) series.cpu.push(cpu);
      if (mem !== undefined) series.mem.push(mem);
      out.set(id, series);
    }
  }
  for (const s of out.values()) {
    s.cpu = s.cpu.slice(-MAX_SAMPLES);
    s.mem = s.mem.slice(-MAX_SAMPLES);
  }
  return out;
}

/** Events that change what the agents list shows (output and metrics are handled live). */
export const AGENT_LIST_EVENTS = ['agent.'];
export const notChatter = (e: LiveEvent) => e.type !== 'agent.output' && e.type !== 'agent.metrics';
