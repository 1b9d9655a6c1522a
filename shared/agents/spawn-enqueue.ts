import { AGENT_EVENT } from './agent-events.js';
import { SpawnRefusedError } from '../errors/agent-errors.js';
import { NoLiveHostError } from '../errors/service-errors.js';
import { liveHosts } from '../hosts/host-directory.js';
import { PRIORITY } from '../queues/priority.js';
import type { NoxContext } from '../runtime/context.js';
import type { AgentConfig } from './agent-config.js';
import { AGENT_JOB, type SpawnJob } from './agent-jobs.js';
import type { AgentStore } from './agent-store-contract.js';
import { enforceSpawnGuards } from './spawn-guards.js';

/**
 * Starting an agent = an `agent.spawn` job on the shared `spawn` queue (placement, the
 * recorded guards and idempotency live in its handler). Before the job, the guards are
 * checked without counting, so a refused start is a clear error at once (and an
 * `agent.spawn-refused` event). Used by the API's start/reset/create and by an approved
 * spawn request (which passes a fixed `jobId`, so acting on it twice queues one spawn).
 */
export interface SpawnEnvelope {
  correlationId: string;
  requestedBy: string;
  /** a fixed job id: adding it again while the job exists is a no-op */
  jobId?: string;
  /** refuse (503 `ERROR_CODE.noLiveHost`) when no worker host is alive. Default true. */
  requireLiveHost?: boolean;
}

export async function checkSpawn(ctx: NoxContext, store: AgentStore, agent: AgentConfig, envelope: SpawnEnvelope): Promise<void> {
  if ((envelope.requireLiveHost ?? true) && (await liveHosts(ctx.redis, ctx.keys)).length === 0) throw new NoLiveHostError();
  try {
    await enforceSpawnGuards(ctx.redis, ctx.keys, ctx.config, store, agent, { record: false });
  } catch (err) {
    if (err instanceof SpawnRefusedError) {
      await ctx.events.publish({ type: AGENT_EVENT.spawnRefused, agentId: agent.id, correlationId: envelope.correlationId, data: { code: err.code, reason: err.message, by: envelope.requestedBy } });
    }
    throw err;
  }
}

/** Checks, then queues the spawn job; returns its id. */
export async function enqueueSpawn(ctx: NoxContext, store: AgentStore, agent: AgentConfig, envelope: SpawnEnvelope): Promise<string | undefined> {
  await checkSpawn(ctx, store, agent, envelope);
  const data: SpawnJob = { agentId: agent.id, correlationId: envelope.correlationId, requestedBy: envelope.requestedBy };
  const job = await ctx.queue('spawn').add(AGENT_JOB.spawn, data, { priority: PRIORITY.high, ...(envelope.jobId ? { jobId: envelope.jobId } : {}) });
  return job.id;
}
