import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { enqueueAgentRequest } from '../../shared/approvals/approval-jobs.js';
import { APPROVAL_EVENT } from '../../shared/approvals/approval-store.js';
import { createStreamTailer, type StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from '../../shared/runtime/periodic-task.js';
import { agentRequestDepsFor } from './agent-request-deps.js';

/**
 * Turns decisions of spawn_agent and delete_agent approvals into `approval.agent-request`
 * jobs (the pattern of workers/mcp/install-watch.ts). The approvals workflow knows nothing
 * of agents: it publishes `approval.decided`, and this watcher enqueues the act at once.
 * Events can be missed (no host was up, the tailer reconnected, a host died after the
 * decision), so a sweep also walks the open agent requests every
 * `approvals.sweep_interval_ms` and enqueues those whose approval is no longer pending.
 * The job id is fixed per approval and the request's own status guards the act, so several
 * hosts doing this at once still act once.
 */
export interface AgentRequestWatch {
  readonly sweep: PeriodicTask<number>;
  readonly tailer: StreamTailer;
  stop(): Promise<void>;
}

const TYPES: readonly string[] = ['spawn_agent', 'delete_agent'];

export async function startAgentRequestWatch(ctx: NoxContext, options: { sweepIntervalMs?: number } = {}): Promise<AgentRequestWatch> {
  const deps = agentRequestDepsFor(ctx);
  const { logger } = deps;
  const tailer = createStreamTailer({ redis: ctx.connect('blocking', 'agent-request-watch'), stream: ctx.keys.events(), logger, accept: (type) => type === APPROVAL_EVENT.decided });
  tailer.onEvent((event) => {
    if (event.type !== APPROVAL_EVENT.decided) return;
    const request = event.data as ApprovalRequest;
    if (!TYPES.includes(request?.request_type)) return;
    enqueueAgentRequest(ctx, request.id, request.correlation_id).catch((err) => logger.warn('enqueueing an agent request failed (the sweep retries)', { approvalId: request.id, ...errorFields(err) }));
  });
  await tailer.start();

  const sweepOnce = async (): Promise<number> => {
    let enqueued = 0;
    for (const id of await deps.requests.open()) {
      const approval = await deps.approvals.store.get(id);
      // decided, or gone from Redis (trimmed): the job settles the request either way
      if (approval?.status === 'pending') continue;
      // An `acting` one too: while its job exists the add is a no-op; if the actor died, the
      // job takes it over once the claim's lease has passed.
      await enqueueAgentRequest(ctx, id);
      enqueued++;
    }
    return enqueued;
  };
  const sweep = startPeriodic('agent request sweep', options.sweepIntervalMs ?? ctx.config.approvals.sweep_interval_ms, sweepOnce, logger);
  void sweep.runNow();

  return {
    sweep,
    tailer,
    async stop() {
      sweep.stop();
      await tailer.stop();
    },
  };
}
