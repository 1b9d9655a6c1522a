import { admitTurn } from './budget-gate.js';
import { budgetGuardFor } from './budget-guard.js';
import { UnrecoverableError, type Job } from 'bullmq';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { AGENT_JOB, type AgentCommandJob, type SpawnJob, type StartJob, type TurnJob } from '../../shared/agents/agent-jobs.js';
import { isLive } from '../../shared/agents/agent-status.js';
import { requireAgent } from '../../shared/agents/agent-store.js';
import { ownerOf, readRuntime } from '../../shared/agents/runtime-state.js';
import { enforceSpawnGuards } from '../../shared/agents/spawn-guards.js';
import { SpawnRefusedError } from '../../shared/errors/agent-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { failOnClientMistake, failureReason } from '../../shared/errors/job-errors.js';
import { reportStartFailure } from '../../shared/agents/start-failure.js';
import { liveHosts } from '../../shared/hosts/host-directory.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { HostInfo } from '../../shared/types.js';
import type { AgentManager } from './agent-manager.js';
import { chooseHost, labelsMatch } from './placement.js';
import { followMovedAgent } from '../hosts/follow-moved-agent.js';

/**
 * Job handlers of the agents area. All idempotent (BullMQ is at-least-once):
 * - `agent.spawn` (shared `spawn` queue): nothing if the agent already runs on a live host;
 *   otherwise guards (rate, depth; recorded once here), placement, and either a local start
 *   or an `agent.start` on the chosen host's own queue.
 * - `agent.start` (host queue): claims the agent (one owner at a time) and starts it.
 * - `agent.turn | interrupt | unpark | stop | restart` (host queue): commands for a running agent; a
 *   turn, stop or restart for an agent that has just moved to another host follows it
 *   (workers/hosts/follow-moved-agent.ts).
 * A client mistake (unknown agent, not running, over budget) is an UnrecoverableError: no
 * retry would change the answer.
 */
/** How long a placement holds its agent's spawn lock; the start (local or forwarded) releases it. */
const SPAWN_LOCK_MS = 30_000;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function spawnHandlers(manager: AgentManager): JobHandlers {
  const place = async (job: Job<SpawnJob>, env: HandlerEnv, agent: AgentConfig, hosts: HostInfo[]): Promise<unknown> => {
    const { ctx, hostId } = env;
    const { agentId, correlationId } = job.data;
    const runtime = await readRuntime(ctx.redis, ctx.keys, agentId);
    // a failover or move of an agent that has been stopped since (a person, its dead host's stop): nothing to move
    const moving = job.data.failoverFrom ?? job.data.moveFrom;
    if (moving && !isLive(runtime?.status)) return { skipped: `agent ${agentId} is ${runtime?.status ?? 'gone'}` };
    if (runtime?.circuitOpen) {
      await ctx.events.publish({ type: AGENT_EVENT.spawnRefused, agentId, correlationId, data: { code: ERROR_CODE.agentFailed, reason: 'circuit breaker open; reset the agent first' } });
      throw new UnrecoverableError(failureReason(ERROR_CODE.agentFailed, `agent ${agentId} has its circuit breaker open; POST /api/agents/${agentId}/reset`));
    }
    try {
      if (!moving) await enforceSpawnGuards(ctx.redis, ctx.keys, ctx.config, manager.store, agent, { record: true, spawnId: String(job.id) });
    } catch (err) {
      if (err instanceof SpawnRefusedError) {
        await ctx.events.publish({ type: AGENT_EVENT.spawnRefused, agentId, correlationId, data: { code: err.code, reason: err.message } });
      }
      failOnClientMistake(err);
    }
    const target = chooseHost(hosts, agent.labels, { preferHost: job.data.preferHost, selfId: hostId, selfRunning: manager.running() });
    if (!target) {
      const reason = `no live host with free capacity and labels ${JSON.stringify(agent.labels)} for agent ${agentId}`;
      // retried with backoff; the last attempt tells the dashboard why the agent never came up
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await ctx.events.publish({ type: AGENT_EVENT.spawnFailed, agentId, correlationId, data: { reason, attempts: job.attemptsMade + 1 } });
      }
      throw new Error(failureReason(ERROR_CODE.noMatchingHost, reason));
    }
    if (target.id === hostId) return { host: hostId, result: await manager.start(agentId) };
    const start: StartJob = { agentId, correlationId, requestedBy: job.data.requestedBy };
    await ctx.queue(ctx.keys.hostQueue(target.id)).add(AGENT_JOB.start, start, { jobId: `start.${agentId}.${job.id}`, priority: PRIORITY.high });
    return { host: target.id, forwarded: true };
  };

  return {
    [AGENT_JOB.spawn]: async (job: Job<SpawnJob>, env: HandlerEnv) => whyNot(job, env, () => spawn(job, env)),
  };

  async function spawn(job: Job<SpawnJob>, env: HandlerEnv): Promise<unknown> {
    const { ctx } = env;
    const { agentId } = job.data;
    const agent = await requireAgent(manager.store, agentId).catch(failOnClientMistake);
    const [owner, hosts, runtime] = await Promise.all([ownerOf(ctx.redis, ctx.keys, agentId), liveHosts(ctx.redis, ctx.keys), readRuntime(ctx.redis, ctx.keys, agentId)]);
    if (owner && hosts.some((h) => h.id === owner) && isLive(runtime?.status)) return { already: owner };
    // one placement at a time per agent: racing spawn jobs (retries, double clicks) are no-ops
    const lock = ctx.keys.agentSpawning(agentId);
    const jobId = String(job.id);
    const got = await ctx.redis.set(lock, jobId, 'PX', SPAWN_LOCK_MS, 'NX');
    if (got === null && (await ctx.redis.get(lock)) !== jobId) return { already: 'spawning' };
    try {
      return await place(job, env, agent, hosts);
    } catch (err) {
      await ctx.redis.eval(RELEASE_LOCK, 1, lock, jobId);
      throw err;
    }
  }
}

/**
 * Runs a start or placement; when it fails, the agent says why (runtime.reason, event
 * `agent.start-failed`) before the job fails — final when no retry follows.
 */
async function whyNot<T>(job: Job<{ agentId: string; correlationId?: string }>, env: HandlerEnv, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await reportStartFailure(env.ctx, job.data.agentId, err, { hostId: env.hostId, correlationId: job.data.correlationId, final }, ERROR_CODE.internal).catch((e: unknown) =>
      env.ctx.logger.warn('could not record why an agent did not start', { agentId: job.data.agentId, error: (e as Error).message }),
    );
    throw err;
  }
}

export function hostHandlers(manager: AgentManager): JobHandlers {
  return {
    [AGENT_JOB.start]: async (job: Job<StartJob>, env: HandlerEnv) => whyNot(job, env, async () => {
      const { ctx } = env;
      const agent = await requireAgent(manager.store, job.data.agentId).catch(failOnClientMistake);
      const host = (await liveHosts(ctx.redis, ctx.keys)).find((h) => h.id === env.hostId);
      if (!manager.get(agent.id) && (!manager.hasRoom() || (host && (host.cordoned || !labelsMatch(host.labels, agent.labels))))) {
        // placement was made on a stale picture (full, cordoned or draining since): hand it back to the spawn queue
        await ctx.redis.del(ctx.keys.agentSpawning(agent.id));
        await ctx.queue('spawn').add(AGENT_JOB.spawn, { agentId: agent.id, correlationId: job.data.correlationId, requestedBy: job.data.requestedBy }, { priority: PRIORITY.high, delay: 500 });
        return { requeued: true };
      }
      return { result: await manager.start(agent.id).catch(failOnClientMistake) };
    }),
    [AGENT_JOB.turn]: followMovedAgent(manager, async (job: Job<TurnJob>, env: HandlerEnv) => {
      try {
        const agent = manager.require(job.data.agentId);
        await admitTurn(budgetGuardFor(env.ctx), agent, job.data.taskId);
        agent.deliverTurn(job.data.text, job.data.correlationId, undefined, undefined, job.data.taskId);
      } catch (err) {
        failOnClientMistake(err);
      }
      return { queued: true };
    }),
    [AGENT_JOB.interrupt]: async (job: Job<AgentCommandJob>) => {
      try {
        return { interrupted: manager.require(job.data.agentId).interrupt() };
      } catch (err) {
        return failOnClientMistake(err);
      }
    },
    [AGENT_JOB.unpark]: async (job: Job<AgentCommandJob>) => {
      try {
        return { unparked: manager.require(job.data.agentId).unpark(job.data.requestedBy, job.data.correlationId) };
      } catch (err) {
        return failOnClientMistake(err);
      }
    },
    [AGENT_JOB.stop]: followMovedAgent(manager, async (job: Job<AgentCommandJob>) => {
      await manager.stop(job.data.agentId, job.data.reason ?? `stopped by ${job.data.requestedBy}`);
      return { stopped: true };
    }),
    [AGENT_JOB.restart]: followMovedAgent(manager, async (job: Job<AgentCommandJob>) => {
      try {
        await manager.require(job.data.agentId).restart(job.data.reason ?? `restarted by ${job.data.requestedBy}`);
      } catch (err) {
        failOnClientMistake(err);
      }
      return { restarted: true };
    }),
  };
}
