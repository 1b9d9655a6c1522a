import { markHostStopped } from '../../shared/hosts/host-directory.js';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentManager } from '../agents/agent-manager.js';
import type { WorkerHost } from '../host.js';

/**
 * What a host does once its host credential is revoked or expired (credential-watch.ts): it
 * leaves the cluster as a host that died does, on purpose, so that what the cluster already
 * does for a dead host moves its work — and says why.
 *
 * 1. It stops fetching jobs at once (every BullMQ worker closed without waiting: an active
 *    job's lock lapses and another host takes the job, as after a crash; handlers are
 *    idempotent) and stops its heartbeat and peer checks.
 * 2. It kills its agents' process groups. Their tokens are refused already (the API checks the
 *    credential on every request), and a second copy must never run beside the one a peer
 *    starts. Their runtime stays live (crashed or as it was), so the peers' failover resumes
 *    each one elsewhere with its mirrored session and its undelivered messages.
 * 3. Its registration keeps the reason (`stopped` in GET /api/system/hosts) and loses its
 *    alive key, so the peers see it gone now, not one TTL later; `host.stopped` says why.
 *
 * The process should exit afterwards (`nox worker` does, code 3): its supervisors would
 * otherwise try to restart the agents it killed.
 */
export interface LossTargets {
  host: WorkerHost;
  agents: AgentManager;
}

export async function leaveCluster(ctx: NoxContext, targets: LossTargets, reason: string): Promise<void> {
  const { host, agents } = targets;
  const log = host.logger.child({ component: 'credential-watch' });
  log.error('host credential lost: this host stops taking work', { reason });
  host.heartbeat.stop();
  host.peers.stop();
  // forced: no wait for active jobs; bounded all the same, the agents must not outlive a hung close
  await Promise.race([Promise.allSettled([...host.workers.values()].map((w) => w.close(true))), new Promise((r) => setTimeout(r, 2000).unref())]);
  const killed: string[] = [];
  for (const supervisor of agents.all()) {
    const pid = supervisor.pid;
    if (pid === undefined || pid <= 0) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(supervisor.agentId);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') log.warn('could not kill an agent', { agentId: supervisor.agentId, pid, ...errorFields(err) });
    }
  }
  try {
    await markHostStopped(ctx.redis, ctx.keys, host.id, reason);
    await ctx.events.publish({ type: HOST_EVENT.stopped, hostId: host.id, data: { clean: false, reason, agentsKilled: killed } });
  } catch (err) {
    log.warn('could not record why this host stopped', errorFields(err));
  }
  log.error('host stopped taking work; its agents go to other hosts', { reason, agentsKilled: killed });
}
