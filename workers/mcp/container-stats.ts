import type { Engine } from '../../shared/mcp/engine.js';
import { engineStatus } from '../../shared/mcp/engine.js';
import type { ManagedContainer } from './engine/containers.js';

/**
 * One-shot stats of service containers, reported with their agent's metrics.
 *
 * CPU is computed from two of our own samples (the delta of the container's CPU time over
 * the delta of the host's), not from the engine's `precpu_stats`: Podman leaves those at
 * zero for a one-shot request, Docker fills them only when it waits a second. So the first
 * sample of a container has no CPU figure; the next ones do. The figure is Docker's: 100 =
 * one core busy.
 */
export interface ContainerStats {
  containerId: string;
  agentId: string;
  service: string;
  /** bytes in use, page cache that can be dropped excluded (as `docker stats` shows it) */
  memoryBytes: number;
  memoryLimitBytes: number;
  /** percent of one core since the previous sample; undefined on the first */
  cpuPercent: number | undefined;
  pids: number;
  at: number;
}

export interface AgentContainerStats {
  agentId: string;
  containers: number;
  memoryBytes: number;
  cpuPercent: number;
}

interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
}

export interface StatsSampler {
  sample(containers: ManagedContainer[]): Promise<ContainerStats[]>;
}

export function createStatsSampler(engine: Engine): StatsSampler {
  const previous = new Map<string, { cpu: number; system: number }>();
  return {
    async sample(containers) {
      const running = containers.filter((c) => c.state === 'running');
      const results = await Promise.all(running.map((c) => one(c)));
      // Forget containers that are gone so the map does not grow forever.
      const live = new Set(running.map((c) => c.id));
      for (const id of previous.keys()) if (!live.has(id)) previous.delete(id);
      return results.filter((r): r is ContainerStats => r !== undefined);
    },
  };

  async function one(c: ManagedContainer): Promise<ContainerStats | undefined> {
    let raw: RawStats;
    try {
      raw = (await engine.docker.getContainer(c.id).stats({ stream: false })) as RawStats;
    } catch (err) {
      if (engineStatus(err) === 404 || engineStatus(err) === 409) return undefined; // exited meanwhile
      throw err;
    }
    const cpu = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const system = raw.cpu_stats?.system_cpu_usage ?? 0;
    const cores = raw.cpu_stats?.online_cpus ?? raw.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
    const before = previous.get(c.id);
    previous.set(c.id, { cpu, system });
    let cpuPercent: number | undefined;
    if (before && system > before.system) cpuPercent = Math.max(0, ((cpu - before.cpu) / (system - before.system)) * cores * 100);
    const mem = raw.memory_stats ?? {};
    const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? 0;
    return {
      containerId: c.id,
      agentId: c.owner.agentId,
      service: c.owner.service,
      memoryBytes: Math.max(0, (mem.usage ?? 0) - cache),
      memoryLimitBytes: mem.limit ?? 0,
      cpuPercent,
      pids: raw.pids_stats?.current ?? 0,
      at: Date.now(),
    };
  }
}

/** Sums the samples per agent: what the agent's metrics add for its MCP containers. */
export function statsByAgent(samples: ContainerStats[]): Map<string, AgentContainerStats> {
  const out = new Map<string, AgentContainerStats>();
  for (const s of samples) {
    const a = out.get(s.agentId) ?? { agentId: s.agentId, containers: 0, memoryBytes: 0, cpuPercent: 0 };
    a.containers += 1;
    a.memoryBytes += s.memoryBytes;
    a.cpuPercent += s.cpuPercent ?? 0;
    out.set(s.agentId, a);
  }
  return out;
}
