import { agentTokenEpoch } from '../../shared/auth/revocation.js';
import { agentTokensFor } from '../host-credential/agent-token-source.js';
import { mcpCatalogFor } from '../../shared/mcp/catalog-store.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { agentRunDir } from '../agents/claude-cli/command-line.js';
import { agentTokenFile } from '../tools-server/mcp-entry.js';
import { resolveAgentSession } from './agent-mcp-config.js';
import { startContainerWatcher, type ContainerWatcher, type ContainerWatcherOptions } from './container-watcher.js';
import { createEndpointHost, registerMcpEndpointHost, type McpEndpointHost } from './endpoint/agent-endpoints.js';

/**
 * What a worker host starts for MCP services, from its config (`[mcp]`): the engine, the
 * agents' endpoints (the host runs every service container itself, one per agent
 * connection; the agents get unix sockets, never the engine) and the container watcher. A
 * host without a reachable engine still runs agents — only without MCP services — so an
 * unreachable engine is reported (`available: false` with the reason, for /health and
 * placement) instead of failing the host's boot.
 */
export type HostMcp =
  | { available: true; engine: Engine; endpoints: McpEndpointHost; watcher: ContainerWatcher; engineName: string; stop(): Promise<void> }
  | { available: false; reason: string; stop(): Promise<void> };

export interface HostMcpOptions {
  hostId: string;
  isAgentRunning: ContainerWatcherOptions['isAgentRunning'];
  onStats?: ContainerWatcherOptions['onStats'];
}

export async function startHostMcp(ctx: NoxContext, options: HostMcpOptions): Promise<HostMcp> {
  const cfg = ctx.config.mcp;
  const logger = ctx.logger.child({ component: 'host-mcp', hostId: options.hostId });
  let engine: Engine;
  let engineName: string;
  try {
    engine = createEngine({ dockerHost: cfg.docker_host });
    await engine.ping();
    const about = await engine.describe();
    engineName = `${about.name} ${about.version}`;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // expected on a machine without Docker or Podman: one line, what is off and how to turn it on (no stack)
    logger.info(`MCP services are off on this host: ${reason.replace(/\.$/, '')}. To turn them on, start Docker, or Podman's API service (\`podman system service\`), and point DOCKER_HOST or mcp.docker_host at it (docs/MCP.md)`);
    return { available: false, reason, stop: async () => undefined };
  }
  const catalog = mcpCatalogFor(ctx);
  const endpoints = createEndpointHost({
    config: ctx.config,
    engine,
    logger,
    runDir: (agentId) => agentRunDir(ctx.config, agentId),
    tokenFile: (agentId) => agentTokenFile(ctx.config, agentId),
    verifyToken: (agentId, token) => agentTokensFor(ctx).verify(agentId, token),
    tokenEpoch: (agentId) => agentTokenEpoch(ctx.redis, ctx.keys, agentId),
    resolve: (agentId, service) => resolveAgentSession(ctx, catalog, agentId, options.hostId, service),
  });
  const watcher = await startContainerWatcher({
    engine,
    hostId: options.hostId,
    logger,
    isAgentRunning: options.isAgentRunning,
    onStats: options.onStats,
    sessionLive: endpoints.sessionLive,
    reapIntervalMs: cfg.reap_interval_ms,
    statsIntervalMs: cfg.stats_interval_ms,
    stopTimeoutS: cfg.stop_timeout_s,
    events: ctx.events,
  });
  const unregister = registerMcpEndpointHost(ctx, endpoints);
  logger.info('MCP services on', { engine: engineName, endpoint: engine.endpoint.display });
  return {
    available: true,
    engine,
    endpoints,
    watcher,
    engineName,
    async stop() {
      unregister();
      await endpoints.close();
      await watcher.stop();
    },
  };
}
