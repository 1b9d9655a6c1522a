import type { Logger } from '../../shared/logger.js';

/**
 * Throttles an agent's process group with a SIGSTOP/SIGCONT duty cycle: in every period
 * the group runs for `fraction × period`, then is stopped for the rest. Why not renice:
 * nice only matters when the CPU is contended and would not cap an agent on an idle
 * machine; cgroups would, but need privileges a worker host usually lacks. SIGSTOP works
 * everywhere and covers the agent's tools too (they share its group). The CLI keeps its
 * pipes open while stopped, so nothing is lost, only delayed.
 */
export interface CpuThrottle {
  /** start or adjust: `fraction` of each period the group may run (clamped to 0.05..1) */
  apply(agentId: string, pgid: number, fraction: number): void;
  release(agentId: string): void;
  releaseAll(): void;
  isThrottled(agentId: string): boolean;
  /** what the agent would use unthrottled, estimated from a sample taken while throttled */
  demand(agentId: string, measuredCpu: number): number;
  agents(): string[];
}

interface Entry {
  pgid: number;
  fraction: number;
  timer: NodeJS.Timeout;
  stopTimer?: NodeJS.Timeout;
}

export function createCpuThrottle(periodMs: number, logger: Logger): CpuThrottle {
  const entries = new Map<string, Entry>();
  const signal = (pgid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') logger.warn('throttle signal failed', { pgid, sig, error: (err as Error).message });
    }
  };
  const cycle = (entry: Entry): void => {
    signal(entry.pgid, 'SIGCONT');
    if (entry.fraction >= 1) return;
    entry.stopTimer = setTimeout(() => signal(entry.pgid, 'SIGSTOP'), Math.max(1, Math.round(entry.fraction * periodMs)));
    entry.stopTimer.unref();
  };
  const release = (agentId: string): void => {
    const entry = entries.get(agentId);
    if (!entry) return;
    clearInterval(entry.timer);
    if (entry.stopTimer) clearTimeout(entry.stopTimer);
    entries.delete(agentId);
    signal(entry.pgid, 'SIGCONT');
  };
  return {
    apply(agentId, pgid, fraction) {
      const f = Math.min(1, Math.max(0.05, fraction));
      const existing = entries.get(agentId);
      if (existing && existing.pgid === pgid) {
        existing.fraction = f;
        return;
      }
      if (existing) release(agentId);
      const entry: Entry = { pgid, fraction: f, timer: setInterval(() => cycle(entry), periodMs) };
      entry.timer.unref();
      entries.set(agentId, entry);
      cycle(entry);
    },
    release,
    releaseAll() {
      for (const id of [...entries.keys()]) release(id);
    },
    isThrottled: (agentId) => entries.has(agentId),
    demand(agentId, measured) {
      const entry = entries.get(agentId);
      return entry ? measured / entry.fraction : measured;
    },
    agents: () => [...entries.keys()],
  };
}
