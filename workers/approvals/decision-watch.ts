import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import type { Approvals } from '../../shared/approvals/approvals.js';
import { APPROVAL_EVENT } from '../../shared/approvals/approval-store.js';
import { eventFeedFor } from '../../shared/events/event-feed.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';

/**
 * Turns decisions of some approval types into jobs, for an area whose act waits on an
 * approval (MCP installs, agent spawns and deletions). The approvals workflow knows nothing
 * of them: it publishes `approval.decided`, and this watch enqueues the act at once (the
 * process's shared event feed). Events can be missed (no host was up, the tail reconnected,
 * a host died after the decision), so a sweep also walks the area's open requests every
 * `sweepIntervalMs` and enqueues those whose approval is no longer pending. `enqueue` must
 * use a job id fixed per approval, so several hosts doing this at once act once.
 */
export interface DecisionWatch {
  readonly sweep: PeriodicTask<number>;
  /** the event tail it listens on (shared by the process) */
  readonly tailer: StreamTailer;
  stop(): Promise<void>;
}

export interface DecisionWatchOptions {
  /** for logs and the sweep's name, e.g. `mcp install` */
  name: string;
  requestTypes: readonly string[];
  approvals: Approvals;
  /** ids (approval ids) of the requests not yet acted on */
  open(): Promise<string[]>;
  enqueue(approvalId: string, correlationId?: string): Promise<unknown>;
  logger: Logger;
  sweepIntervalMs: number;
}

export async function startDecisionWatch(ctx: NoxContext, options: DecisionWatchOptions): Promise<DecisionWatch> {
  const { name, requestTypes, approvals, logger } = options;
  const feed = eventFeedFor(ctx);
  const unsubscribe = await feed.subscribe(
    (event) => {
      const request = event.data as ApprovalRequest;
      if (!requestTypes.includes(request?.request_type)) return;
      options.enqueue(request.id, request.correlation_id).catch((err) => logger.warn(`enqueueing a ${name} failed (the sweep retries)`, { approvalId: request.id, ...errorFields(err) }));
    },
    (type) => type === APPROVAL_EVENT.decided,
  );

  const sweepOnce = async (): Promise<number> => {
    let enqueued = 0;
    for (const id of await options.open()) {
      const approval = await approvals.store.get(id);
      // decided, or gone from Redis (trimmed): the job settles the request either way.
      // One being acted on is enqueued too: while its job exists the add is a no-op; if that
      // job was lost (a host died after it was removed), this revives it.
      if (approval?.status === 'pending') continue;
      await options.enqueue(id);
      enqueued++;
    }
    return enqueued;
  };
  const sweep = startPeriodic(`${name} sweep`, options.sweepIntervalMs, sweepOnce, logger);
  void sweep.runNow();

  return {
    sweep,
    tailer: feed.tailer,
    async stop() {
      sweep.stop();
      unsubscribe();
    },
  };
}
