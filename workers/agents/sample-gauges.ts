import { METRIC } from '../../shared/metrics/catalogue.js';
import type { NoxMetrics } from '../../shared/metrics/nox-metrics.js';

export interface SampledAgent {
  agentId: string;
  cpuPercent: number;
  memoryMb: number;
}

/**
 * The health monitor's samples on Prometheus's gauges: CPU and memory per running agent and
 * the count of agents running. An agent gone since the last sample loses its series, so a
 * stopped agent does not show its last figures forever.
 */
export function sampleGauges(metrics: NoxMetrics): { set(samples: readonly SampledAgent[]): void } {
  let shown = new Set<string>();
  return {
    set(samples) {
      const cpu = metrics.gauge(METRIC.agentCpu);
      const memory = metrics.gauge(METRIC.agentMemory);
      // per agent, or summed into one `(all)` series when metrics.per_agent is off
      const byLabel = new Map<string, { cpu: number; memory: number }>();
      for (const s of samples) {
        const label = metrics.agentLabel(s.agentId);
        const sum = byLabel.get(label) ?? { cpu: 0, memory: 0 };
        byLabel.set(label, { cpu: sum.cpu + s.cpuPercent, memory: sum.memory + Math.round(s.memoryMb * 1048576) });
      }
      const now = new Set<string>();
      for (const [agent, v] of byLabel) {
        cpu.set({ agent }, v.cpu);
        memory.set({ agent }, v.memory);
        now.add(agent);
      }
      for (const gone of shown) {
        if (now.has(gone)) continue;
        cpu.remove({ agent: gone });
        memory.remove({ agent: gone });
      }
      shown = now;
      metrics.gauge(METRIC.agentsRunning).set(samples.length);
    },
  };
}
