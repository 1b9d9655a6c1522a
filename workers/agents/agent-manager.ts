import os from 'node:os';
import type { PermissionGate } from '../approvals/permission-gate.js';
import { UnrecoverableError, type Worker } from 'bullmq';
import { agentStoreFor, requireAgent, type AgentStore } from '../../shared/agents/agent-store.js';
import { claimAgent, releaseAgent } from '../../shared/agents/runtime-state.js';
import { revokeAgentTokens } from '../../shared/auth/revocation.js';
import { AgentNotRunningError, isSandboxError } from '../../shared/errors/agent-errors.js';
import { failureReason } from '../../shared/errors/job-errors.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { createConversationBuffer, type ConversationBuffer } from './conversation-buffer.js';
import type { AgentProcess } from './process-runner.js';
import { processStartTime } from './proc-info.js';
import { createSupervisor, type Supervisor } from './supervisor.js';

/**
 * The agents of one host: a supervisor per agent, the capacity check, the pid records a
 * restarted host needs (agent-adoption.ts), and the spawn worker's pause/resume (a full
 * host stops taking spawn jobs so that they go to hosts with room).
 */
export interface AgentManager {
  readonly hostId: string;
  readonly hostname: string;
  readonly store: AgentStore;
  readonly conversation: ConversationBuffer;
  /** agents holding capacity (every supervisor not yet settled) */
  running(): number;
  hasRoom(): boolean;
  get(agentId: string): Supervisor | undefined;
  all(): Supervisor[];
  /** starts an agent here; a no-op when it already runs here. Returns false when another live host owns it. */
  start(agentId: string): Promise<'started' | 'already-running' | { ownedBy: string }>;
  require(agentId: string): Supervisor;
  stop(agentId: string, reason?: string): Promise<void>;
  /**
   * Lets an agent go to another host (a drain): between turns only (Supervisor.handOver);
   * resolves true once its process is gone, its session mirrored, its tokens revoked and
   * its claim released — ready to be placed again. False mid-turn or when not here.
   */
  handOver(agentId: string, reason: string): Promise<boolean>;
  /** the spawn worker to pause while the host is full */
  attachSpawnWorker(worker: Worker | undefined): void;
  /** stops every agent (host shutdown); their records stay so the next host on this machine resumes them */
  shutdown(reason: string): Promise<void>;
  /** called whenever one of this host's agents is between turns with nothing queued (the message deliverer listens) */
  onAgentIdle(listener: (agentId: string) => void): () => void;
  /** called when a usage limit refused a turn of inbox messages the model never saw: they belong back in the inbox (the deliverer listens) */
  onTurnRefused(listener: (agentId: string, messageIds: readonly string[]) => void): () => void;
}

export function createAgentManager(ctx: NoxContext, hostId: string, logger: Logger, options: { permissions?: PermissionGate } = {}): AgentManager {
  const hostname = os.hostname();
  const store = agentStoreFor(ctx);
  const conversation = createConversationBuffer(ctx);
  const supervisors = new Map<string, Supervisor>();
  const log = logger.child({ component: 'agent-manager', hostId });
  let spawnWorker: Worker | undefined;
  let shuttingDown = false;
  const starting = new Map<string, Supervisor>();
  const idleListeners = new Set<(agentId: string) => void>();
  const refusedListeners = new Set<(agentId: string, messageIds: readonly string[]) => void>();
  /** calls every listener; one that throws is logged, never thrown into the supervisor */
  const tell = <A extends unknown[]>(listeners: Set<(...args: A) => void>, what: string, ...args: A): void => {
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (err) {
        log.warn(`${what} listener threw`, { agentId: args[0], ...errorFields(err) });
      }
    }
  };
  const onIdle = (agentId: string): void => tell(idleListeners, 'idle', agentId);
  const onTurnRefused = (agentId: string, messageIds: readonly string[]): void => tell(refusedListeners, 'refused turn', agentId, messageIds);

  const capacity = (): number => ctx.config.worker.capacity;
  const running = (): number => supervisors.size;

  const updateSpawnWorker = (): void => {
    if (!spawnWorker) return;
    const full = running() >= capacity();
    // never awaited: this runs inside job handlers, and pause() waits for active jobs
    if (full && !spawnWorker.isPaused()) {
      log.info('host full; pausing its spawn worker', { running: running(), capacity: capacity() });
      void spawnWorker.pause(true).catch((err) => log.warn('could not pause spawn worker', errorFields(err)));
    } else if (!full && spawnWorker.isPaused() && !shuttingDown) {
      log.info('host has room again; resuming its spawn worker', { running: running(), capacity: capacity() });
      spawnWorker.resume();
    }
  };

  const onProcess = (agentId: string, proc: AgentProcess | undefined): void => {
    const key = ctx.keys.machineAgentPids(hostname);
    const write = proc
      ? ctx.redis
          .multi()
          .hset(key, agentId, JSON.stringify({ pid: proc.pid, startTime: processStartTime(proc.pid), hostId }))
          .sadd(ctx.keys.hostAgents(hostId), agentId)
          .exec()
      : ctx.redis.hset(key, agentId, JSON.stringify({ pid: 0, hostId }));
    write.catch((err) => log.warn('pid record failed', { agentId, ...errorFields(err) }));
  };

  const forget = async (agentId: string): Promise<void> => {
    await ctx.redis.multi().hdel(ctx.keys.machineAgentPids(hostname), agentId).srem(ctx.keys.hostAgents(hostId), agentId).exec();
    await releaseAgent(ctx.redis, ctx.keys, agentId, hostId);
  };

  /** what onSettled started for an agent (a hand-over waits for it) */
  const releases = new Map<string, Promise<void>>();
  const onSettled = (agentId: string): void => {
    supervisors.delete(agentId);
    updateSpawnWorker();
    // its process is gone: so are its tokens (the next start mints one that works)
    const revoked = revokeAgentTokens(ctx, agentId, 'stopped').catch((err) => log.warn('could not revoke the agent tokens', { agentId, ...errorFields(err) }));
    // stopped for good (failed, a limit, an operator): nothing to resume after a host restart
    const forgotten = shuttingDown ? undefined : forget(agentId).catch((err) => log.warn('could not release agent', { agentId, ...errorFields(err) }));
    const released = Promise.all([revoked, forgotten]).then(() => undefined);
    releases.set(agentId, released);
    void released.then(() => releases.get(agentId) === released && releases.delete(agentId));
  };

  /** claim, then start; the claim makes a second host (or a retried job) a no-op */
  const startHere = async (agentId: string): Promise<'started' | { ownedBy: string }> => {
    // looked up before the claim: a host that cannot see the agent must not keep it claimed
    await requireAgent(store, agentId);
    const claim = await claimAgent(ctx.redis, ctx.keys, agentId, hostId);
    if (claim !== 'claimed' && claim !== 'mine') return { ownedBy: claim };
    const supervisor = createSupervisor(agentId, {
      ctx,
      hostId,
      logger: log,
      conversation,
      loadConfig: () => requireAgent(store, agentId),
      onProcess,
      onSettled,
      onIdle,
      onTurnRefused,
      permissions: options.permissions,
    });
    supervisors.set(agentId, supervisor);
    updateSpawnWorker();
    try {
      await supervisor.start();
    } catch (err) {
      await forget(agentId);
      // the agent is `failed` with the reason; retrying the job would only repeat it
      if (isSandboxError(err)) throw new UnrecoverableError(failureReason(err.code, err.message));
      throw err;
    }
    return 'started';
  };

  const manager: AgentManager = {
    hostId,
    hostname,
    store,
    conversation,
    running,
    hasRoom: () => running() < capacity(),
    get: (agentId) => supervisors.get(agentId),
    all: () => [...supervisors.values()],
    async start(agentId) {
      const existing = supervisors.get(agentId) ?? starting.get(agentId);
      if (existing) return 'already-running';
      // claimed synchronously below, so two concurrent starts on this host cannot both pass
      const placeholder = {} as Supervisor;
      starting.set(agentId, placeholder);
      try {
        return await startHere(agentId);
      } finally {
        starting.delete(agentId);
        // placement is over: a later spawn (after a stop) must not find a stale lock
        await ctx.redis.del(ctx.keys.agentSpawning(agentId)).catch(() => 0);
      }
    },
    require(agentId) {
      const s = supervisors.get(agentId);
      if (!s) throw new AgentNotRunningError(agentId, 'not on this host');
      return s;
    },
    async stop(agentId, reason) {
      const s = supervisors.get(agentId);
      if (s) await s.stop(reason);
      await forget(agentId);
    },
    async handOver(agentId, reason) {
      const s = supervisors.get(agentId);
      if (!s || !(await s.handOver(reason))) return false;
      // the revocation and the release onSettled started: the next host's start must come
      // after them (its token would otherwise fall to this revocation, its claim be refused)
      await releases.get(agentId);
      return true;
    },
    attachSpawnWorker(worker) {
      spawnWorker = worker;
      updateSpawnWorker();
    },
    async shutdown(reason) {
      shuttingDown = true;
      const all = [...supervisors.values()];
      await Promise.allSettled(all.map((s) => s.stop(reason)));
      // keep the machine records (pid 0): a host restarted on this machine resumes these agents
      await Promise.allSettled(all.map((s) => releaseAgent(ctx.redis, ctx.keys, s.agentId, hostId)));
      await conversation.stop();
    },
    onAgentIdle(listener) {
      idleListeners.add(listener);
      return () => idleListeners.delete(listener);
    },
    onTurnRefused(listener) {
      refusedListeners.add(listener);
      return () => refusedListeners.delete(listener);
    },
  };
  return manager;
}
