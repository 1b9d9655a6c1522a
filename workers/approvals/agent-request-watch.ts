import { enqueueAgentRequest } from '../../shared/approvals/approval-jobs.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startDecisionWatch, type DecisionWatch } from './decision-watch.js';
import { agentRequestDepsFor } from '../../shared/approvals/agent-request-deps.js';

/**
 * Turns decisions of spawn_agent and delete_agent approvals into `approval.agent-request`
 * jobs: a decision watch (decision-watch.ts) over the open agent requests, swept every
 * `approvals.sweep_interval_ms`. The job id is fixed per approval and the request's own
 * status guards the act, so several hosts doing this at once still act once.
 */
export type AgentRequestWatch = DecisionWatch;

export function startAgentRequestWatch(ctx: NoxContext, options: { sweepIntervalMs?: number } = {}): Promise<AgentRequestWatch> {
  const deps = agentRequestDepsFor(ctx);
  return startDecisionWatch(ctx, {
    name: 'agent request',
    requestTypes: ['spawn_agent', 'delete_agent', 'merge'],
    approvals: deps.approvals,
    open: () => deps.requests.open(),
    enqueue: (id, correlationId) => enqueueAgentRequest(ctx, id, correlationId),
    logger: deps.logger,
    sweepIntervalMs: options.sweepIntervalMs ?? ctx.config.approvals.sweep_interval_ms,
  });
}
