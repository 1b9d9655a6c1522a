import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import type { Approvals } from '../../shared/approvals/approvals.js';
import { APPROVAL_EVENT } from '../../shared/approvals/approval-store.js';
import { eventFeedFor } from '../../shared/events/event-feed.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { InstallStore } from '../../shared/mcp/install-requests.js';
import { enqueueInstall } from '../../shared/mcp/mcp-jobs.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from '../../shared/runtime/periodic-task.js';

/**
 * Turns install_mcp decisions into `mcp.install` jobs. The approvals workflow knows
 * nothing of MCP: it publishes `approval.decided`, and this watcher (on every host with an
 * engine) enqueues the install at once. Events can be missed (no host was up, the tailer
 * reconnected), so a sweep also walks the open install requests every `sweepIntervalMs`
 * and enqueues those whose approval is decided. The job id is fixed per approval, so
 * several hosts doing this at once still install once.
 */
export interface InstallWatch {
  readonly sweep: PeriodicTask<number>;
  readonly tailer: StreamTailer;
  stop(): Promise<void>;
}

export async function startInstallWatch(
  ctx: NoxContext,
  deps: { installs: InstallStore; approvals: Approvals; logger: Logger; sweepIntervalMs?: number },
): Promise<InstallWatch> {
  const { installs, approvals, logger } = deps;
  const feed = eventFeedFor(ctx);
  const unsubscribe = await feed.subscribe(
    (event) => {
      const request = event.data as ApprovalRequest;
      if (request?.request_type !== 'install_mcp') return;
      enqueueInstall(ctx, request.id, request.correlation_id).catch((err) => logger.warn('enqueueing an MCP install failed (the sweep retries)', { approvalId: request.id, ...errorFields(err) }));
    },
    (type) => type === APPROVAL_EVENT.decided,
  );
  const tailer = feed.tailer;

  const sweepOnce = async (): Promise<number> => {
    let enqueued = 0;
    for (const id of await installs.open()) {
      const approval = await approvals.store.get(id);
      // decided, or gone from Redis (trimmed): the job settles the record either way
      if (approval?.status === 'pending') continue;
      // An `installing` one is enqueued too: while its job exists the add is a no-op (same
      // job id); if the job was lost (a host died after the job was removed), this revives it.
      await enqueueInstall(ctx, id);
      enqueued++;
    }
    return enqueued;
  };
  const sweep = startPeriodic('mcp install sweep', deps.sweepIntervalMs ?? 10_000, sweepOnce, logger);
  void sweep.runNow();

  return {
    sweep,
    tailer,
    async stop() {
      sweep.stop();
      unsubscribe();
    },
  };
}
