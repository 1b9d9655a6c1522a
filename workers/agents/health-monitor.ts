import pidusage from 'pidusage';
import { sampleGauges } from './sample-gauges.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentManager } from './agent-manager.js';
import { createCpuThrottle, type CpuThrottle } from './cpu-throttle.js';
import { processGroups } from './proc-info.js';

/**
 * Samples every agent process tree on the host once per `agent.sampling_interval_ms`:
 * one pass over /proc to find each agent's group members (its tools and MCP servers share
 * its process group), then ONE pidusage call for all of those pids. Per agent, CPU% and
 * memory (RSS) are the sums over its tree; they go to the agent's Redis hash, to a bounded
 * Redis list of samples, and out as one `agent.metrics` event per host per interval; at most
 * once per `agent.registry_samples_interval_ms`, a sample per agent is appended to the
 * registry's resource-usage.toml (batched appends).
 *
 * Limits (resource_limits):
 * - memory over `max_memory_mb` → the agent is stopped (TERM, KILL after the grace) with
 *   the reason;
 * - CPU over `max_cpu_percent` for `agent.cpu_sustain_samples` samples in a row →
 *   throttled by a SIGSTOP/SIGCONT duty cycle on its group (cpu-throttle.ts).
 */
export interface AgentSample {
  agentId: string;
  pids: number;
  cpuPercent: number;
  memoryMb: number;
}

export interface HealthMonitor {
  sampleNow(): Promise<AgentSample[]>;
  stop(): void;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  /** ms the last sample took (the sampling cost) */
  readonly lastDurationMs: number;
  readonly throttle: CpuThrottle;
}

const SAMPLES_KEPT = 720;

export function startHealthMonitor(ctx: NoxContext, manager: AgentManager): HealthMonitor {
  const cfg = ctx.config.agent;
  const logger = ctx.logger.child({ component: 'health-monitor', hostId: manager.hostId });
  const throttle = createCpuThrottle(cfg.throttle_period_ms, logger);
  const overCpu = new Map<string, number>();
  let lastError: Error | undefined;
  let lastRunAt = 0;
  let lastDurationMs = 0;
  let running: Promise<AgentSample[]> | undefined;
  let lastRegistrySample = 0;
  const gauges = sampleGauges(ctx.metrics);

  const sampleOnce = async (): Promise<AgentSample[]> => {
    const t0 = performance.now();
    const agents = manager.all().filter((s) => s.pid !== undefined && s.pid > 0);
    const groups = processGroups(new Set(agents.map((s) => s.pid as number)));
    const allPids = [...groups.values()].flat();
    const stats = allPids.length > 0 ? await pidusage(allPids, { maxage: Math.max(60_000, cfg.sampling_interval_ms * 3) }).catch(() => ({}) as Record<string, pidusage.Status>) : {};
    const samples: AgentSample[] = [];
    for (const s of agents) {
      const pids = groups.get(s.pid as number) ?? [];
      let cpu = 0;
      let mem = 0;
      for (const pid of pids) {
        const st = (stats as Record<string, pidusage.Status | undefined>)[pid];
        if (!st) continue;
        cpu += st.cpu;
        mem += st.memory;
      }
      samples.push({ agentId: s.agentId, pids: pids.length, cpuPercent: round1(cpu), memoryMb: round1(mem / 1048576) });
    }
    // no pidusage.clear(): its per-pid history is what makes CPU% a delta since the last
    // sample rather than an average since the process started (unused entries expire after maxage)
    gauges.set(samples);
    await enforce(samples);
    await persist(samples);
    lastDurationMs = performance.now() - t0;
    return samples;
  };

  const enforce = async (samples: AgentSample[]): Promise<void> => {
    for (const sample of samples) {
      const sup = manager.get(sample.agentId);
      const limits = sup?.config?.resource_limits;
      if (!sup || !limits) continue;
      if (limits.max_memory_mb !== undefined && sample.memoryMb > limits.max_memory_mb) {
        throttle.release(sample.agentId);
        const reason = `memory limit: ${sample.memoryMb} MB > max_memory_mb ${limits.max_memory_mb}`;
        logger.warn('agent over its memory limit; stopping it', { agentId: sample.agentId, memoryMb: sample.memoryMb });
        await ctx.events.publish({ type: AGENT_EVENT.limit, agentId: sample.agentId, hostId: manager.hostId, data: { limit: 'memory', memoryMb: sample.memoryMb, maxMemoryMb: limits.max_memory_mb } });
        void manager.stop(sample.agentId, reason).catch((err) => logger.warn('stopping an agent over its memory limit failed', errorFields(err)));
        continue;
      }
      const max = limits.max_cpu_percent;
      if (max === undefined) {
        if (throttle.isThrottled(sample.agentId)) throttle.release(sample.agentId);
        continue;
      }
      // measured while throttled is lower than what the agent wants: estimate its demand
      const demand = throttle.demand(sample.agentId, sample.cpuPercent);
      const streak = demand > max ? (overCpu.get(sample.agentId) ?? 0) + 1 : 0;
      overCpu.set(sample.agentId, streak);
      if (streak >= cfg.cpu_sustain_samples) {
        const first = !throttle.isThrottled(sample.agentId);
        throttle.apply(sample.agentId, sup.pid as number, max / demand);
        if (first) {
          sup.setThrottled(true);
          logger.warn('agent over its CPU limit; throttling it', { agentId: sample.agentId, cpuPercent: demand, max });
        }
      } else if (demand <= max && throttle.isThrottled(sample.agentId)) {
        throttle.release(sample.agentId);
        sup.setThrottled(false);
      }
    }
    for (const id of throttle.agents()) if (!manager.get(id)) throttle.release(id);
  };

  const persist = async (samples: AgentSample[]): Promise<void> => {
    if (samples.length === 0) return;
    const at = new Date().toISOString();
    const pipeline = ctx.redis.pipeline();
    for (const s of samples) {
      pipeline.hset(ctx.keys.agent(s.agentId), { cpuPercent: String(s.cpuPercent), memoryMb: String(s.memoryMb), sampledAt: at });
      pipeline.rpush(ctx.keys.agentSamples(s.agentId), JSON.stringify({ at, cpuPercent: s.cpuPercent, memoryMb: s.memoryMb, pids: s.pids }));
      pipeline.ltrim(ctx.keys.agentSamples(s.agentId), -SAMPLES_KEPT, -1);
    }
    await pipeline.exec();
    await ctx.events.publish({ type: AGENT_EVENT.metrics, hostId: manager.hostId, data: { at, agents: samples } });
    if (ctx.config.agent.registry_appends && Date.now() - lastRegistrySample >= ctx.config.agent.registry_samples_interval_ms) {
      lastRegistrySample = Date.now();
      // resource-usage.toml: batched appends, committed by the registry writer
      const registry = registryClientFor(ctx);
      await Promise.all(
        samples.map((s) => registry.append({ target: 'resource-usage', entry: { at, agentId: s.agentId, hostId: manager.hostId, cpu_percent: s.cpuPercent, memory_mb: s.memoryMb, pids: s.pids } })),
      );
    }
  };

  const sampleNow = (): Promise<AgentSample[]> => {
    running ??= sampleOnce()
      .then((r) => {
        lastError = undefined;
        lastRunAt = Date.now();
        return r;
      })
      .catch((err) => {
        lastError = err as Error;
        logger.warn('sampling failed', errorFields(err));
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sampleNow(), cfg.sampling_interval_ms);
  timer.unref();

  return {
    sampleNow,
    stop() {
      clearInterval(timer);
      throttle.releaseAll();
    },
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    get lastDurationMs() {
      return lastDurationMs;
    },
    throttle,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
