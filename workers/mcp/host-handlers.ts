import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { JobHandlers } from '../job-router.js';
import type { HostMcp } from './host-mcp.js';

/**
 * Jobs on a host's own queue (`host.<id>`) for its MCP containers. Only the host that runs
 * the agent runs the containers of its sessions (they are labelled with its id), so
 * these go to that host's queue, not the shared `mcp` queue.
 *
 * `mcp.kill-agent-containers {agentId, reason?}`: stop and remove the agent's containers
 * here — sent when an agent is stopped or its process died. Idempotent: a second run finds
 * nothing to remove.
 */
export const MCP_HOST_JOB = {
  killAgentContainers: 'mcp.kill-agent-containers',
} as const;

export const killAgentContainersJob = z
  .object({
    agentId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    reason: z.string().max(200).optional(),
    correlationId: z.string().max(200).optional(),
    requestedBy: z.string().max(200).optional(),
  })
  .strict();
export type KillAgentContainersJob = z.infer<typeof killAgentContainersJob>;

export interface KillAgentContainersResult {
  removed: number;
  /** set when this host has no engine: there cannot be containers to remove */
  skipped?: string;
}

export function mcpHostHandlers(mcp: () => HostMcp | undefined): JobHandlers {
  return {
    async [MCP_HOST_JOB.killAgentContainers](job: Job): Promise<KillAgentContainersResult> {
      const parsed = killAgentContainersJob.safeParse(job.data);
      // A malformed job will never succeed: do not retry it.
      if (!parsed.success) throw new UnrecoverableError(`bad ${MCP_HOST_JOB.killAgentContainers} job: ${z.prettifyError(parsed.error)}`);
      const current = mcp();
      if (!current?.available) return { removed: 0, skipped: current ? current.reason : 'MCP not started on this host' };
      const removed = await current.watcher.killAgent(parsed.data.agentId, parsed.data.reason ?? 'agent-stopped');
      return { removed };
    },
  };
}
