import { randomUUID } from 'node:crypto';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { AGENT_JOB, type SpawnJob } from '../../shared/agents/agent-jobs.js';
import { writeRuntime } from '../../shared/agents/runtime-state.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { liveHosts } from '../../shared/hosts/host-directory.js';
import { drainStateOf, moveDrainState } from '../../shared/hosts/host-drain.js';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import { errorFields } from '../../shared/logger.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { HostInfo } from '../../shared/types.js';
import type { AgentManager } from '../agents/agent-manager.js';
import { isBetweenTurns } from '../agents/agent-status-machine.js';
import { chooseHost } from '../agents/placement.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';

/**
 * A host carrying out its own drain (issue 15, item 4; docs/HOSTS.md "Cordon and drain").
 * While its drain state (shared/hosts/host-drain.ts) says so, every agent of this host that
 * is between turns with nothing queued is handed over (AgentManager.handOver: the process
 * stopped, the session transcript mirrored, tokens revoked, the claim released) and sent
 * back to the `spawn` queue, where placement puts it on another host, which restores the
 * session and resumes it. Never mid-turn: an agent in a turn is looked at again the moment
 * it is between turns (the manager's idle signal — decided synchronously, before the
 * message deliverer can write the next turn), and on every pass.
 *
 * Messages: the inbox is durable; a message that arrives while the agent moves waits there
 * and the next host delivers it. Before the agent is placed again, this host's deliveries in
 * progress finish (`settleDeliveries`): one that found the agent gone has put its messages
 * back, so the next host never sees a claim of this host's that is still being undone.
 * The claims of the turns the agent read here are settled by the next host from the
 * transcript it restored (workers/messages/deliverer.ts).
 *
 * Nowhere to go (no other live, uncordoned host with the agent's labels and room): the agent
 * stays and runs here, its runtime says why (`reason`, `reasonCode` ERROR_CODE.noMatchingHost,
 * event `agent.move-blocked` once), and the host stays `draining`; each pass tries again.
 * With no agent left the host turns `drained` (event `host.drained`).
 *
 * A pass runs every heartbeat interval and when the API's `host.drain` job arrives; only
 * after the host has adopted what a previous run left (it is started after attach).
 */
export interface HostDrain extends PeriodicTask<DrainPass> {
  readonly draining: boolean;
  /** stops looking, and waits for the hand-overs in progress to be placed (a host stopping mid-move must not strand one) */
  close(): Promise<void>;
}

export interface DrainPass {
  state: 'draining' | 'drained' | 'none';
  /** agents handed over by this pass */
  moved: string[];
  /** agents that stay for want of a host */
  blocked: string[];
}

export interface HostDrainDeps {
  ctx: NoxContext;
  hostId: string;
  manager: AgentManager;
  /** resolves when the message deliveries in progress on this host have finished */
  settleDeliveries(): Promise<void>;
}

export function startHostDrain(deps: HostDrainDeps): HostDrain {
  const { ctx, hostId, manager } = deps;
  const logger = ctx.logger.child({ component: 'host-drain', hostId });
  let draining = false;
  /** the other hosts as of the last pass, with the capacity this host's moves have taken since */
  let hosts: HostInfo[] = [];
  /** hand-overs in progress, until the agent is on the spawn queue */
  const moving = new Map<string, Promise<void>>();
  /** agents whose blocked move has been announced, with the reason */
  const blocked = new Map<string, string>();
  const reasonToGo = `moving to another host: ${hostId} drains`;

  const place = async (agentId: string, target: string): Promise<void> => {
    await deps.settleDeliveries();
    const correlationId = randomUUID();
    const job: SpawnJob = { agentId, correlationId, requestedBy: 'system', moveFrom: hostId, preferHost: target };
    await ctx.queue('spawn').add(AGENT_JOB.spawn, job, { jobId: `move.${agentId}.${correlationId}`, priority: PRIORITY.high });
    await ctx.events.publish({ type: AGENT_EVENT.moving, agentId, hostId, correlationId, data: { from: hostId, to: target } });
    logger.info('agent handed over: placed again elsewhere', { agentId, preferred: target });
  };

  const block = async (agentId: string, labels: Record<string, string>): Promise<void> => {
    const reason = `${hostId} drains, but no other live host has free capacity and the labels ${JSON.stringify(labels)}: the agent stays on ${hostId} until one has`;
    await writeRuntime(ctx.redis, ctx.keys, agentId, { reason, reasonCode: ERROR_CODE.noMatchingHost });
    if (blocked.get(agentId) === reason) return;
    blocked.set(agentId, reason);
    logger.warn('an agent of this draining host has nowhere to go', { agentId, labels });
    await ctx.events.publish({ type: AGENT_EVENT.moveBlocked, agentId, hostId, data: { from: hostId, code: ERROR_CODE.noMatchingHost, reason } });
  };

  /** 'moving' when the hand-over started (its first step is synchronous), 'blocked', or 'busy' (mid-turn, or already on its way) */
  const tryMove = (agentId: string): 'moving' | 'blocked' | 'busy' => {
    const s = manager.get(agentId);
    if (!draining || !s || moving.has(agentId) || !isBetweenTurns(s.status) || s.queuedTurns > 0) return 'busy';
    const labels = s.config?.labels ?? {};
    const target = chooseHost(hosts, labels);
    if (!target) {
      void block(agentId, labels).catch((err) => logger.warn('could not say why an agent stays', { agentId, ...errorFields(err) }));
      return 'blocked';
    }
    const handing = manager.handOver(agentId, reasonToGo);
    target.running++; // the next agent of this pass sees the room this one takes
    const move = handing
      .then(async (handed) => {
        if (!handed) return;
        blocked.delete(agentId);
        await place(agentId, target.id);
      })
      .catch((err: unknown) => void logger.error('handing an agent over failed', { agentId, ...errorFields(err) }))
      .finally(() => {
        moving.delete(agentId);
        if (!closed) void task.runNow(); // maybe the last one: drained
      });
    moving.set(agentId, move);
    return 'moving';
  };

  const pass = async (): Promise<DrainPass> => {
    const state = await drainStateOf(ctx.redis, ctx.keys, hostId);
    const was = draining;
    draining = state !== undefined;
    if (!draining) {
      if (was) logger.info('drain over (uncordoned)');
      blocked.clear();
      return { state: 'none', moved: [], blocked: [] };
    }
    if (!was) logger.info('host draining: moving its agents to other hosts between turns', { agents: manager.running() });
    // a drained host that has agents again (adopted after a restart): draining once more
    if (state === 'drained' && manager.running() > 0) await moveDrainState(ctx.redis, ctx.keys, hostId, 'drained', 'draining');
    hosts = (await liveHosts(ctx.redis, ctx.keys)).filter((h) => h.id !== hostId);
    const out: DrainPass = { state: 'draining', moved: [], blocked: [] };
    for (const s of manager.all()) {
      const r = tryMove(s.agentId);
      if (r === 'moving') out.moved.push(s.agentId);
      if (r === 'blocked') out.blocked.push(s.agentId);
    }
    if (manager.running() === 0 && moving.size === 0) {
      if (await moveDrainState(ctx.redis, ctx.keys, hostId, 'draining', 'drained')) {
        logger.info('host drained: no agent left on it');
        await ctx.events.publish({ type: HOST_EVENT.drained, hostId, data: {} });
      }
      out.state = 'drained';
    }
    return out;
  };

  let closed = false;
  const task = startPeriodic('host drain', ctx.config.worker.heartbeat_interval_ms, pass, logger);
  const unlisten = manager.onAgentIdle((agentId) => void tryMove(agentId));
  const stop = (): void => {
    closed = true;
    unlisten();
    task.stop();
  };
  void task.runNow();
  return {
    get draining() {
      return draining;
    },
    get lastError() {
      return task.lastError;
    },
    get lastRunAt() {
      return task.lastRunAt;
    },
    runNow: () => task.runNow(),
    stop,
    async close() {
      stop();
      await Promise.all(moving.values());
    },
  };
}
