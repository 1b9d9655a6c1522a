/**
 * Where the cores went during a bench phase: CPU seconds (user + system, from /proc) of each
 * named group of processes, a group being its root processes and all their descendants
 * (the API's cluster workers, the worker host's agents and sandboxes), plus everything else
 * on the machine as `other`. On a 2-core machine shared by the load generator, Redis, the API
 * and the worker host, a ratio against a bare handler says little without this.
 *
 * Linux only; elsewhere every snapshot is empty and the split prints nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readRuntimes } from '../../shared/agents/runtime-state.js';
import type { NoxDeployment } from './nox-deployment.js';

interface Proc {
  ppid: number;
  /** user + system time, clock ticks */
  ticks: number;
}

export type CpuSnapshot = Map<number, Proc>;

/** clock ticks per second (USER_HZ): 100 on every Linux this runs on */
const HZ = 100;

export function cpuSnapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: the fields start after its last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/**
 * CPU seconds per group between two snapshots. A process that ended between them counts what
 * it had at the first (its last stretch is lost: /proc no longer has it); one that started
 * counts from zero. Groups are given by root pids; the first group that holds an ancestor wins.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, groups: Record<string, number[]>): Record<string, number> {
  const groupOf = (pid: number): string => {
    for (let cur = pid, hops = 0; cur > 1 && hops < 64; hops++) {
      for (const [name, roots] of Object.entries(groups)) if (roots.includes(cur)) return name;
      cur = after.get(cur)?.ppid ?? before.get(cur)?.ppid ?? 0;
    }
    return 'other';
  };
  const out: Record<string, number> = Object.fromEntries([...Object.keys(groups), 'other'].map((g) => [g, 0]));
  for (const [pid, now] of after) {
    const used = now.ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) out[groupOf(pid)]! += used / HZ;
  }
  return out;
}

/** The pids whose parent is `pid` in a snapshot (a worker host's agents: their sandboxes or the programs themselves). */
export function childrenOf(snapshot: CpuSnapshot, pid: number): number[] {
  return [...snapshot].filter(([, p]) => p.ppid === pid).map(([child]) => child);
}

/** `api 3.1 s · worker 2.0 s · ...` with each group's share of the cores over `seconds` */
export function cpuLine(split: Record<string, number>, seconds: number): string {
  const total = Object.values(split).reduce((a, b) => a + b, 0);
  if (total === 0) return '(no /proc: CPU split not available)';
  return Object.entries(split)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s (${((100 * s) / seconds).toFixed(0)}% of a core)`)
    .join(' · ');
}

/** The process groups of a bench against a deployment: this process (the load), the API, the worker host, its agents, Redis. */
export async function deploymentGroups(nox: NoxDeployment, agents: string[]): Promise<Record<string, number[]>> {
  const agentPids = [...(await readRuntimes(nox.redis, nox.keys, agents)).values()].flatMap((r) => (r.pid ? [r.pid] : []));
  const redisPid = Number(/process_id:(\d+)/.exec(await nox.redis.info('server'))?.[1] ?? 0);
  return { 'load generator': [process.pid], 'nox api': [nox.processes[0]!.child.pid!], 'nox worker': [nox.processes[1]!.child.pid!], 'stand-in agents': agentPids, redis: [redisPid] };
}
