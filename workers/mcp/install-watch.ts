import type { Approvals } from '../../shared/approvals/approvals.js';
import type { Logger } from '../../shared/logger.js';
import type { InstallStore } from '../../shared/mcp/install-requests.js';
import { enqueueInstall } from '../../shared/mcp/mcp-jobs.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startDecisionWatch, type DecisionWatch } from '../approvals/decision-watch.js';

/**
 * Turns install_mcp decisions into `mcp.install` jobs (job id fixed per approval), on every
 * host with an engine: a decision watch (workers/approvals/decision-watch.ts) over the open
 * install requests.
 */
export type InstallWatch = DecisionWatch;

export function startInstallWatch(
  ctx: NoxContext,
  deps: { installs: InstallStore; approvals: Approvals; logger: Logger; sweepIntervalMs?: number },
): Promise<InstallWatch> {
  return startDecisionWatch(ctx, {
    name: 'mcp install',
    requestTypes: ['install_mcp'],
    approvals: deps.approvals,
    open: () => deps.installs.open(),
    enqueue: (id, correlationId) => enqueueInstall(ctx, id, correlationId),
    logger: deps.logger,
    sweepIntervalMs: deps.sweepIntervalMs ?? 10_000,
  });
}
