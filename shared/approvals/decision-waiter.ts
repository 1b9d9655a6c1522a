import { createStreamTailer, type StreamTailer } from '../events/stream-tailer.js';
import type { NoxContext } from '../runtime/context.js';
import type { DomainEvent } from '../types.js';
import type { ApprovalRequest } from './approval-request.js';
import { APPROVAL_EVENT } from './approval-store.js';
import type { Approvals } from './approvals.js';

/**
 * Waits for approvals to be decided, in one process: one stream tailer (its own blocking
 * connection) feeds every waiter from `approval.decided` events. `submitAndWait` starts
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
  const logger = ctx.logger.child({ component: 'approval-waiter' });
  const waiters = new Map<string, (decided: ApprovalRequest) => void>();
  let tailer: StreamTailer | undefined;
  let starting: Promise<void> | undefined;

  const ensureTailer = (): Promise<void> => {
    starting ??= (async () => {
      tailer = createStreamTailer({ redis: ctx.connect('blocking', 'approval-waiter-tail'), stream: ctx.keys.events(), logger, accept: (type) => type === APPROVAL_EVENT.decided });
      tailer.onEvent((event: DomainEvent) => {
        if (event.type !== APPROVAL_EVENT.decided) return;
        const decided = event.data as ApprovalRequest;
        waiters.get(decided.id)?.(decided);
      });
      await tailer.start();
    })();
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
      return tailer?.lastError;
    },
    get lastRunAt() {
      return tailer?.lastRunAt ?? 0;
    },
    async close() {
      waiters.clear();
      await tailer?.stop();
    },
  };
}
