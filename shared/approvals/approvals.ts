import { METRIC } from '../metrics/catalogue.js';
import { ApprovalAlreadyDecidedError, ApprovalNotFoundError } from '../errors/approval-errors.js';
import type { Logger } from '../logger.js';
import { createRegistryClient } from '../registry/registry-client.js';
import type { NoxContext } from '../runtime/context.js';
import { enqueueEvaluate } from './approval-jobs.js';
import type { ApprovalRequest } from './approval-request.js';
import { createApprovalStore, type ApprovalStore, type DecisionInput } from './approval-store.js';
import { createPolicySource, type PolicySource } from './policy-source.js';
import { createRecorder, recordQuietly, type Recorder } from './recorder.js';

/**
 * The approvals workflow as the API, the hosts and the agents runtime use it, one per
 * process context:
 *
 *   const approvals = approvalsFor(ctx);
 *   await approvals.submit(newApprovalRequest({...}), correlationId); // stored + queued
 *   await approvals.decide(id, { decision: 'approve', decided_by: 'user:alice', reason: '' });
 *
 * `submit` stores the request (so it can be read at once) and queues its evaluation on the
 * `approvals` queue; policy or a person decides later. `decide` is the one way a request
 * gets decided (person, policy, timeout): the first decision wins, the others get 409.
 */
export interface Approvals {
  readonly store: ApprovalStore;
  readonly policy: PolicySource;
  readonly recorder: Recorder;
  submit(request: ApprovalRequest, correlationId: string): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest>;
  decide(id: string, input: DecisionInput): Promise<ApprovalRequest>;
  /** closes its registry client (whose queue events hold a Redis connection of their own) */
  close(): Promise<void>;
}

const cache = new WeakMap<NoxContext, Approvals>();

export function approvalsFor(ctx: NoxContext): Approvals {
  let approvals = cache.get(ctx);
  if (!approvals) {
    approvals = createApprovals(ctx, ctx.logger.child({ component: 'approvals' }));
    cache.set(ctx, approvals);
    ctx.onClose(() => closeApprovals(ctx));
  }
  return approvals;
}

/** Closes and forgets the context's approvals (tests; a process's shutdown). */
export async function closeApprovals(ctx: NoxContext): Promise<void> {
  const approvals = cache.get(ctx);
  cache.delete(ctx);
  await approvals?.close();
}

export function createApprovals(ctx: NoxContext, logger: Logger): Approvals {
  // Its own client, so that closing the approvals closes exactly what they opened.
  const registry = createRegistryClient(ctx);
  const store = createApprovalStore(ctx.redis, ctx.keys, ctx.config.events.stream_max_len);
  const policy = createPolicySource(ctx.config, registry, logger);
  const recorder = createRecorder(ctx, registry, store, logger);

  const get = async (id: string): Promise<ApprovalRequest> => {
    const found = await store.get(id);
    if (!found) throw new ApprovalNotFoundError(id);
    return found;
  };

  return {
    store,
    policy,
    recorder,
    async submit(request, correlationId) {
      const created = await store.create({ ...request, correlation_id: request.correlation_id ?? correlationId });
      if (created) ctx.metrics.counter(METRIC.approvalsRequested).inc({ type: request.request_type });
      const current = await get(request.id);
      // A retried ask for a request that is already decided needs no evaluation.
      if (current.status === 'pending') await enqueueEvaluate(ctx, current, correlationId);
      return current;
    },
    get,
    async decide(id, input) {
      const current = await get(id);
      if (current.status !== 'pending') throw new ApprovalAlreadyDecidedError(id, current.status, current.decided_by);
      const decided = await store.decide(current, input);
      if (!decided) {
        const now = await get(id);
        throw new ApprovalAlreadyDecidedError(id, now.status, now.decided_by);
      }
      ctx.metrics.counter(METRIC.approvalsDecided).inc({ decision: decided.decision ?? 'unknown' });
      logger.info('approval decided', { approvalId: id, agentId: decided.agent_id, decision: decided.decision, decidedBy: decided.decided_by });
      await recordQuietly(recorder, decided, logger);
      return decided;
    },
    close: () => registry.close(),
  };
}
