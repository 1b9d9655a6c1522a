import type { EventBus } from '../../shared/events/event-bus.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import { listManagedContainers, stopAndRemove, type ManagedContainer } from './engine/containers.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { MCP_EVENT } from '../../shared/mcp/mcp-jobs.js';
import { processIdentity } from './engine/process-identity.js';
import { createStatsSampler, statsByAgent, type AgentContainerStats, type ContainerStats } from './container-stats.js';
import { findOrphans, type OrphanReason } from './orphans.js';

/**
 * The host's eye on its MCP service containers (those labelled `nox.host=<this host>`):
 * lists them, samples their stats for the agents' metrics, kills the containers of an
 * agent that stopped, and removes orphans (orphans.ts) once at start — after a crash or
 * a restart, nothing from the previous life is left running — and then on an interval.
 *
 * Nothing here can crash the host: each loop catches its own errors into `lastError`
 * (read by /health) and tries again on the next tick.
 */
export interface ContainerWatcherOptions {
  engine: Engine;
  hostId: string;
  logger: Logger;
  /**
   * whether an agent is running on this host now (the supervisor's view). Count an agent
   * that is starting or restarting as running: its CLI may already have opened sessions.
   */
  isAgentRunning: (agentId: string) => boolean | Promise<boolean>;
  /** `mcp.reap_interval_ms` */
  reapIntervalMs: number;
  /** `mcp.stats_interval_ms` */
  statsIntervalMs: number;
  /** `mcp.stop_timeout_s`: grace before SIGKILL when a container is stopped */
  stopTimeoutS: number;
  /** domain events `mcp.container.removed` (optional: tests and tools may run without Redis) */
  events?: EventBus;
  /** called after every stats sample, with the per-agent sums */
  onStats?: (byAgent: Map<string, AgentContainerStats>, samples: ContainerStats[]) => void;
  /** liveness of a process identity (label `nox.process`); default: alive with the same start time */
  processAlive?: (identity: string) => boolean;
  /**
   * whether a session of THIS process (label `nox.session`) is still open (the host's MCP
   * endpoints know); without it, containers of this process are never reaped as `session-gone`
   */
  sessionLive?: (session: string) => boolean;
}

export interface LoopState {
  lastRunAt: number | undefined;
  lastError: string | undefined;
}

export interface ContainerWatcher {
  /** this host's service containers, any state */
  list(): Promise<ManagedContainer[]>;
  /** one stats sample of this host's running containers (also feeds `latestStats`) */
  sampleStats(): Promise<ContainerStats[]>;
  /** per-agent sums of the last sample */
  latestStats(): ReadonlyMap<string, AgentContainerStats>;
  /** stops and removes every container of the agent on this host; returns how many */
  killAgent(agentId: string, reason?: string): Promise<number>;
  /** one reaping pass; returns the ids removed */
  reap(): Promise<string[]>;
  readonly reaper: Readonly<LoopState & { removedTotal: number }>;
  readonly stats: Readonly<LoopState>;
  stop(): Promise<void>;
}

export async function startContainerWatcher(options: ContainerWatcherOptions): Promise<ContainerWatcher> {
  const { engine, hostId } = options;
  const logger = options.logger.child({ component: 'mcp-watcher', hostId });
  const self = options.sessionLive ? { process: processIdentity(), sessionLive: options.sessionLive } : undefined;
  const sampler = createStatsSampler(engine);
  const reaper = { lastRunAt: undefined as number | undefined, lastError: undefined as string | undefined, removedTotal: 0 };
  const stats = { lastRunAt: undefined as number | undefined, lastError: undefined as string | undefined };
  let latest = new Map<string, AgentContainerStats>();
  let stopped = false;
  let reaping: Promise<string[]> | undefined;
  let sampling: Promise<ContainerStats[]> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const list = (): Promise<ManagedContainer[]> => listManagedContainers(engine, { host: hostId });

  const remove = async (c: ManagedContainer, reason: OrphanReason | string): Promise<boolean> => {
    try {
      await stopAndRemove(engine, c.id, { graceSeconds: options.stopTimeoutS });
    } catch (err) {
      logger.warn('could not remove a service container', { containerId: c.id, agentId: c.owner.agentId, ...errorFields(err) });
      throw err;
    }
    logger.info('service container removed', { containerId: c.id, agentId: c.owner.agentId, mcpService: c.owner.service, reason });
    await options.events
      ?.publish({ type: MCP_EVENT.containerRemoved, agentId: c.owner.agentId, hostId, data: { containerId: c.id, service: c.owner.service, reason } })
      .catch((err: unknown) => logger.warn('could not publish mcp.container.removed', errorFields(err)));
    return true;
  };

  const reapOnce = async (): Promise<string[]> => {
    const orphans = await findOrphans(await list(), { isAgentRunning: options.isAgentRunning, processAlive: options.processAlive, self });
    const results = await Promise.allSettled(orphans.map((o) => remove(o.container, o.reason).then(() => o.container.id)));
    const removed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failures = results.filter((r) => r.status === 'rejected');
    reaper.removedTotal += removed.length;
    if (failures.length > 0) throw (failures[0] as PromiseRejectedResult).reason;
    return removed;
  };

  /** Runs a loop body once at a time, recording lastRunAt/lastError; never throws from a timer. */
  const track = <T>(state: LoopState, body: () => Promise<T>): Promise<T> => {
    const p = body().then(
      (v) => {
        state.lastRunAt = Date.now();
        state.lastError = undefined;
        return v;
      },
      (err: unknown) => {
        state.lastRunAt = Date.now();
        state.lastError = err instanceof Error ? err.message : String(err);
        throw err;
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  const reap = (): Promise<string[]> => {
    reaping ??= track(reaper, reapOnce).finally(() => (reaping = undefined));
    return reaping;
  };

  const sampleStats = (): Promise<ContainerStats[]> => {
    sampling ??= track(stats, async () => {
      const samples = await sampler.sample(await list());
      latest = statsByAgent(samples);
      options.onStats?.(latest, samples);
      return samples;
    }).finally(() => (sampling = undefined));
    return sampling;
  };

  const tick = (what: string, run: () => Promise<unknown>) => () => {
    if (stopped) return;
    run().catch((err: unknown) => logger.warn(`${what} failed`, errorFields(err)));
  };
  const reapTimer = setInterval(tick('orphan reaping', reap), options.reapIntervalMs);
  const statsTimer = setInterval(tick('stats sampling', sampleStats), options.statsIntervalMs);
  reapTimer.unref();
  statsTimer.unref();

  // At boot: whatever this host left behind last time goes now. A failure (engine down)
  // is recorded, not thrown: the host still runs its agents, and the next tick retries.
  await reap().catch((err: unknown) => logger.warn('boot reaping failed', errorFields(err)));

  return {
    list,
    sampleStats,
    latestStats: () => latest,
    async killAgent(agentId, reason = 'agent-stopped') {
      const mine = await listManagedContainers(engine, { host: hostId, agent: agentId });
      const results = await Promise.allSettled(mine.map((c) => remove(c, reason)));
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
      return mine.length;
    },
    reap,
    reaper,
    stats,
    async stop() {
      stopped = true;
      clearInterval(reapTimer);
      clearInterval(statsTimer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
