import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { errorFields } from '../../shared/logger.js';
import type { AgentContainerStats } from './container-stats.js';

/**
 * Reports the MCP containers' usage with the agent's own metrics: per agent, the number of
 * containers, their memory and CPU go into the agent's runtime hash (`mcpContainers`,
 * `mcpMemoryMb`, `mcpCpuPercent`, shown by GET /api/agents/:id) and out as one
 * `agent.mcp-metrics` event per host per sampling interval. Only agents that have a runtime
 * hash are written, so a container outliving its agent cannot resurrect the agent's state.
 */
const HSET_IF_EXISTS = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], unpack(ARGV)) end return 0`;

export function containerStatsReporter(ctx: NoxContext, hostId: string): (byAgent: Map<string, AgentContainerStats>) => void {
  const logger = ctx.logger.child({ component: 'mcp-stats', hostId });
  let running = false;
  return (byAgent) => {
    if (running || byAgent.size === 0) return;
    running = true;
    const agents = [...byAgent.values()].map((s) => ({
      agentId: s.agentId,
      containers: s.containers,
      memoryMb: Math.round((s.memoryBytes / 1048576) * 10) / 10,
      cpuPercent: Math.round(s.cpuPercent * 10) / 10,
    }));
    const pipeline = ctx.redis.pipeline();
    for (const a of agents) {
      pipeline.eval(HSET_IF_EXISTS, 1, ctx.keys.agent(a.agentId), 'mcpContainers', String(a.containers), 'mcpMemoryMb', String(a.memoryMb), 'mcpCpuPercent', String(a.cpuPercent));
    }
    pipeline
      .exec()
      .then(() => ctx.events.publish({ type: AGENT_EVENT.mcpMetrics, hostId, data: { at: new Date().toISOString(), agents } }))
      .catch((err: unknown) => logger.warn('could not report MCP container stats', errorFields(err)))
      .finally(() => {
        running = false;
      });
  };
}
