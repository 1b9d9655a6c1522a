import type { ManagedContainer } from './engine/containers.js';
import { isProcessAlive } from './engine/process-identity.js';

/**
 * Which of this host's service containers have lost their owner. A container is an
 * orphan when its agent is not running on this host, or when the bridge process that
 * created it (label `nox.bridge`, pid + start time) is gone — e.g. the CLI was SIGKILLed
 * and the bridge with it, or the whole host restarted. Either way nothing will ever talk
 * to it again.
 */
export type OrphanReason = 'agent-not-running' | 'bridge-gone';

export interface OrphanVerdict {
  container: ManagedContainer;
  reason: OrphanReason;
}

export async function findOrphans(
  containers: ManagedContainer[],
  isAgentRunning: (agentId: string) => boolean | Promise<boolean>,
  bridgeAlive: (identity: string) => boolean = isProcessAlive,
): Promise<OrphanVerdict[]> {
  const out: OrphanVerdict[] = [];
  for (const container of containers) {
    if (!(await isAgentRunning(container.owner.agentId))) out.push({ container, reason: 'agent-not-running' });
    else if (!container.owner.bridge || !bridgeAlive(container.owner.bridge)) out.push({ container, reason: 'bridge-gone' });
  }
  return out;
}
