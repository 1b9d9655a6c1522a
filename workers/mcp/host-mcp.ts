import { errorFields } from '../../shared/logger.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startContainerWatcher, type ContainerWatcher, type ContainerWatcherOptions } from './container-watcher.js';

/**
 * What a worker host starts for MCP services, from its config (`[mcp]`): the engine and
 * the container watcher. A host without a reachable engine still runs agents — only
 * without MCP services — so an unreachable engine is reported (`available: false` with
 * the reason, for /health and placement) instead of failing the host's boot.
 */
export type HostMcp =
  | { available: true; engine: Engine; watcher: ContainerWatcher; engineName: string; stop(): Promise<void> }
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
    logger.warn('no container engine: MCP services are off on this host', errorFields(err));
    return { available: false, reason, stop: async () => undefined };
  }
  const watcher = await startContainerWatcher({
    engine,
    hostId: options.hostId,
    logger,
    isAgentRunning: options.isAgentRunning,
    onStats: options.onStats,
    reapIntervalMs: cfg.reap_interval_ms,
    statsIntervalMs: cfg.stats_interval_ms,
    stopTimeoutS: cfg.stop_timeout_s,
    events: ctx.events,
  });
  logger.info('MCP services on', { engine: engineName, endpoint: engine.endpoint.display });
  return { available: true, engine, watcher, engineName, stop: () => watcher.stop() };
}
