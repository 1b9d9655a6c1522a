import type { NoxContext } from '../../shared/runtime/context.js';
import type { PermissionGate } from '../approvals/permission-gate.js';
import { errorFields } from '../../shared/logger.js';
import type { WorkerHost, WorkerHostOptions } from '../host.js';
import { defaultHostId } from '../host-identity.js';
import { adoptLeftovers, HOST_SHUTDOWN_REASON, type AdoptionReport } from './agent-adoption.js';
import { hostHandlers, spawnHandlers } from './agent-handlers.js';
import { failOverAgents } from './failover.js';
import { createAgentManager, type AgentManager } from './agent-manager.js';
import { startHealthMonitor, type HealthMonitor } from './health-monitor.js';
import { announceHostSandbox } from './sandbox/host-report.js';
import type { HostSandbox } from '../../shared/types.js';

/**
 * Everything a worker host needs to run agents, in the shape startWorkerHost takes:
 *
 *   const agents = createAgentHost(ctx);
 *   const host = await startWorkerHost(ctx, agents.hostOptions);
 *   await agents.attach(host);   // spawn-worker pause, health monitor, adoption
 */
export interface AgentHost {
  readonly manager: AgentManager;
  readonly hostOptions: WorkerHostOptions;
  attach(host: WorkerHost): Promise<AdoptionReport>;
  readonly monitor: HealthMonitor | undefined;
  /** what the host found and published about its agents' sandbox (once attached) */
  readonly sandboxReport: Promise<HostSandbox | undefined> | undefined;
}

/** `permissions`: the approvals gate that decides tool-permission questions (issue 6); without it the agents' own rules do. */
export function createAgentHost(ctx: NoxContext, extra: WorkerHostOptions = {}, options: { permissions?: PermissionGate } = {}): AgentHost {
  const hostId = ctx.config.worker.host_id ?? defaultHostId();
  const manager = createAgentManager(ctx, hostId, ctx.logger, options);
  let monitor: HealthMonitor | undefined;
  let sandboxReport: Promise<HostSandbox | undefined> | undefined;
  return {
    manager,
    get monitor() {
      return monitor;
    },
    get sandboxReport() {
      return sandboxReport;
    },
    hostOptions: {
      ...extra,
      sharedQueues: { ...extra.sharedQueues, spawn: { ...extra.sharedQueues?.spawn, ...spawnHandlers(manager) } },
      hostHandlers: { ...extra.hostHandlers, ...hostHandlers(manager) },
      running: () => manager.running(),
      onHostDown: async (deadHostId) => {
        await failOverAgents(ctx, deadHostId, ctx.logger.child({ component: 'failover' })).catch((err) => ctx.logger.warn('agent failover failed', { deadHost: deadHostId, ...errorFields(err) }));
        await extra.onHostDown?.(deadHostId);
      },
      beforeDeregister: async () => {
        monitor?.stop();
        // the background check must not outlive the host (it writes to Redis, which its caller closes next)
        await sandboxReport;
        await manager.shutdown(HOST_SHUTDOWN_REASON).catch((err) => ctx.logger.warn('stopping agents failed', errorFields(err)));
        await extra.beforeDeregister?.();
      },
    },
    async attach(host) {
      if (host.id !== hostId) throw new Error(`agent host built for ${hostId} but the worker host is ${host.id}`);
      manager.attachSpawnWorker(host.workers.get('spawn'));
      monitor = startHealthMonitor(ctx, manager);
      // checked in the background: a host that cannot sandbox still serves everything else,
      // and says so in its log and registration (its agents fail with the reason)
      sandboxReport = announceHostSandbox(ctx, hostId, ctx.logger.child({ component: 'agent-sandbox', hostId }));
      return adoptLeftovers(ctx, manager, ctx.config.agent.stop_grace_ms);
    },
  };
}
