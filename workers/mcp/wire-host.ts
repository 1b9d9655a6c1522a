import { approvalsFor } from '../../shared/approvals/approvals.js';
import { createMcpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { createInstallStore } from '../../shared/mcp/install-requests.js';
import { createUploadStore } from '../../shared/mcp/uploads.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { JobHandlers } from '../job-router.js';
import { ownerOf } from '../../shared/agents/runtime-state.js';
import { startHostMcp, type HostMcp, type HostMcpOptions } from './host-mcp.js';
import { mcpHostHandlers } from './host-handlers.js';
import { startInstallWatch, type InstallWatch } from './install-watch.js';
import { mcpQueueHandlers } from './mcp-handlers.js';

/**
 * Everything a worker host runs for MCP services, in one call (bin/commands/worker.ts):
 *
 *   const mcp = await wireMcpHost(ctx, { hostId });
 *   createAgentHost(ctx, { sharedQueues: { ...others, ...mcp.sharedQueues }, hostHandlers: { ...others, ...mcp.hostHandlers } }, ...)
 *   ...on shutdown: await mcp.stop();
 *
 * - the engine and the container watcher (startHostMcp: stats, reaping orphans);
 * - the host-queue job `mcp.kill-agent-containers`;
 * - with an engine: the shared `mcp` queue (install, remove, import an upload) and the install watcher that
 *   turns install_mcp decisions into install jobs. A host without an engine does not take
 *   `mcp` jobs, so an install always lands on an engine.
 *
 * `isAgentRunning` defaults to "this host owns the agent" (its `agentOwner` key, claimed
 * from spawn to stop and kept across a host restart that adopts its agents), so it is
 * right even before the agents runtime is attached — the watcher reaps once at start.
 */
export interface WiredMcpHost {
  sharedQueues: Readonly<Record<string, JobHandlers>>;
  hostHandlers: JobHandlers;
  readonly host: HostMcp;
  health(): { available: boolean; engine?: string; reason?: string; reaperLastError?: string; reaperLastRunAt?: number; installSweepLastError?: string; installSweepLastRunAt?: number };
  stop(): Promise<void>;
}

export interface WireMcpOptions extends Omit<HostMcpOptions, 'isAgentRunning'> {
  isAgentRunning?: HostMcpOptions['isAgentRunning'];
  /** how often open install requests are checked for a decision the event tailer missed. Default 10 s. */
  installSweepIntervalMs?: number;
}

export async function wireMcpHost(ctx: NoxContext, options: WireMcpOptions): Promise<WiredMcpHost> {
  const isAgentRunning = options.isAgentRunning ?? (async (agentId: string) => (await ownerOf(ctx.redis, ctx.keys, agentId)) === options.hostId);
  const host = await startHostMcp(ctx, { ...options, isAgentRunning });
  const hostHandlers = mcpHostHandlers(() => host);
  if (!host.available) {
    return {
      sharedQueues: {},
      hostHandlers,
      host,
      health: () => ({ available: false, reason: host.reason }),
      stop: () => host.stop(),
    };
  }
  const logger = ctx.logger.child({ component: 'mcp', hostId: options.hostId });
  const registry = createRegistryClient(ctx, { watchCommits: true });
  const catalog = createMcpCatalogStore(registry);
  const installs = createInstallStore(ctx);
  const approvals = approvalsFor(ctx);
  let watch: InstallWatch | undefined;
  try {
    watch = await startInstallWatch(ctx, { installs, approvals, logger, sweepIntervalMs: options.installSweepIntervalMs });
  } catch (err) {
    await registry.close();
    await host.stop();
    throw err;
  }
  return {
    sharedQueues: { mcp: mcpQueueHandlers({ ctx, engine: () => host.engine, catalog, installs, approvals, uploads: createUploadStore(ctx) }) },
    hostHandlers,
    host,
    health: () => ({
      available: true,
      engine: host.engineName,
      reaperLastError: host.watcher.reaper.lastError,
      reaperLastRunAt: host.watcher.reaper.lastRunAt,
      installSweepLastError: watch?.sweep.lastError?.message,
      installSweepLastRunAt: watch?.sweep.lastRunAt,
    }),
    async stop() {
      await watch?.stop();
      await registry.close();
      await host.stop();
    },
  };
}
