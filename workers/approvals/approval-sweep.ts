import { approvalsFor } from '../../shared/approvals/approvals.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';

/**
 * Each host's safety net for decisions: every `approvals.sweep_interval_ms` it records the
 * decisions whose history line or conversation entry was not written (the decider crashed
 * or the registry queue was away), and trims decided approvals in Redis to
 * `approvals.keep_decided`. Several hosts may sweep at once: recording is idempotent (the
 * history change id is fixed). `lastError`/`lastRunAt` are for health checks.
 */
export function startApprovalSweep(ctx: NoxContext): PeriodicTask<{ recorded: number; trimmed: number }> {
  const cfg = ctx.config.approvals;
  const logger = ctx.logger.child({ component: 'approval-sweep' });
  return startPeriodic(
    'approval sweep',
    cfg.sweep_interval_ms,
    async () => {
      const approvals = approvalsFor(ctx);
      // Leave fresh decisions to their decider, which records them right away.
      const ids = await approvals.store.unrecorded(Date.now() - cfg.sweep_interval_ms, 100);
      let recorded = 0;
      for (const id of ids) {
        const decided = await approvals.store.get(id);
        if (!decided || decided.status === 'pending') {
          await approvals.store.markRecorded(id);
          continue;
        }
        try {
          await approvals.recorder.record(decided);
          recorded++;
        } catch (err) {
          logger.warn('recording a decision failed again', { approvalId: id, ...errorFields(err) });
        }
      }
      const trimmed = await approvals.store.trim(cfg.keep_decided);
      return { recorded, trimmed };
    },
    logger,
  );
}
