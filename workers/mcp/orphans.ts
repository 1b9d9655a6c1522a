import type { ManagedContainer } from './engine/containers.js';
import { isProcessAlive } from './engine/process-identity.js';

/**
 * Which of this host's service containers have lost their owner. Nothing will ever talk to
 * such a container again:
 * - `agent-not-running`: its agent is not running on this host;
 * - `process-gone`: the worker host process that ran its session (label `nox.process`, pid +
 *   start time) is gone — the host crashed or restarted;
 * - `session-gone`: that process is this one, but the session (label `nox.session`) has
 *   ended — its own removal failed, or it was cut short.
 */
export type OrphanReason = 'agent-not-running' | 'process-gone' | 'session-gone';

export interface OrphanVerdict {
  container: ManagedContainer;
  reason: OrphanReason;
}

export interface OrphanChecks {
  isAgentRunning: (agentId: string) => boolean | Promise<boolean>;
  /** liveness of a process identity; default: alive with the same start time */
  processAlive?: (identity: string) => boolean;
  /** this process's identity, and whether one of its sessions is still open (both or neither) */
  self?: { process: string; sessionLive: (session: string) => boolean };
}

export async function findOrphans(containers: ManagedContainer[], checks: OrphanChecks): Promise<OrphanVerdict[]> {
  const processAlive = checks.processAlive ?? isProcessAlive;
  const out: OrphanVerdict[] = [];
  for (const container of containers) {
    const { owner } = container;
    if (!(await checks.isAgentRunning(owner.agentId))) out.push({ container, reason: 'agent-not-running' });
    else if (!owner.process || !processAlive(owner.process)) out.push({ container, reason: 'process-gone' });
    else if (checks.self && owner.process === checks.self.process && !checks.self.sessionLive(owner.session)) out.push({ container, reason: 'session-gone' });
  }
  return out;
}
