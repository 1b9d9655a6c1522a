import { eventFeedFor } from '../../shared/events/event-feed.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { APPROVAL_EVENT } from '../../shared/approvals/approval-store.js';
import type { Approvals } from '../../shared/approvals/approvals.js';

/**
 * Waits for approvals to be decided, in one process: the process's shared event feed
 * (shared/events/event-feed.ts) feeds every waiter from `approval.decided` events. `submitAndWait` starts
 * listening before the request is submitted, so a decision cannot slip by; a request that
 * is already decided (asked twice) resolves at once. No timer of its own: the approvals
 * timeout decides every request eventually.
 *
 * Used by the permission gate (tool uses) and by any server-side source that must wait for
 * its act to be approved (spawn_agent, install_mcp, delete_agent):
 *
 *   const decided = await waiter.submitAndWait(newApprovalRequest({...}), correlationId);
 *   if (decided.decision !== 'approve') throw ...;
 */
export interface DecisionWaiter {
  submitAndWait(request: ApprovalRequest, correlationId: string): Promise<ApprovalRequest>;
  /** stop waiting for one request (its promise never settles) */
  forget(id: string): void;
  readonly waiting: number;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  close(): Promise<void>;
}

export function createDecisionWaiter(ctx: NoxContext, approvals: Approvals): DecisionWaiter {
  const waiters = new Map<string, (decided: ApprovalRequest) => void>();
  const feed = eventFeedFor(ctx);
  let unsubscribe: (() => void) | undefined;
  let starting: Promise<void> | undefined;

  const ensureTailer = (): Promise<void> => {
    starting ??= (async () => {
      unsubscribe = await feed.subscribe(
        (event: DomainEvent) => {
          const decided = event.data as ApprovalRequest;
          waiters.get(decided.id)?.(decided);
        },
        (type) => type === APPROVAL_EVENT.decided,
      );
    })().catch((err: unknown) => {
      starting = undefined; // the next waiter tries again
      throw err;
    });
    return starting;
  };

  return {
    async submitAndWait(request, correlationId) {
      await ensureTailer();
      const decided = new Promise<ApprovalRequest>((resolve) => {
        waiters.set(request.id, (d) => {
          waiters.delete(request.id);
          resolve(d);
        });
      });
      try {
        const current = await approvals.submit(request, correlationId);
        if (current.status !== 'pending') waiters.get(request.id)?.(current);
      } catch (err) {
        waiters.delete(request.id);
        throw err;
      }
      return decided;
    },
    forget(id) {
      waiters.delete(id);
    },
    get waiting() {
      return waiters.size;
    },
    get lastError() {
      return feed.tailer.lastError;
    },
    get lastRunAt() {
      return feed.tailer.lastRunAt;
    },
    async close() {
      waiters.clear();
      unsubscribe?.();
    },
  };
}
