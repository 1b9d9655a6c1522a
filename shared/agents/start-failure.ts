import { isNoxError } from '../errors/nox-error.js';
import { parseFailureReason } from '../errors/job-errors.js';
import type { ErrorCode } from '../errors/codes.js';
import type { NoxContext } from '../runtime/context.js';
import { AGENT_EVENT } from './agent-events.js';
import { writeRuntime } from './runtime-state.js';

/**
 * Why an agent did not start, where everyone looks (issue 15, item 5): a start or placement
 * that fails — the agent unknown to the host that took the job, no host with its labels,
 * spawn guards, its circuit breaker, a command or sandbox that fails — writes the reason
 * to the agent's runtime (`runtime.reason`, `runtime.reasonCode`, shown by `nox agent
 * list|show` and the dashboard) and publishes `agent.start-failed`. The status is left as
 * it is (an agent that never started stays without one); the next status change clears the
 * reason (status-driver.ts writes every change's own).
 */
export interface StartFailure {
  /** the host that hit it */
  hostId: string;
  correlationId?: string;
  /** the job will not be retried: this is the answer, not a "still trying" */
  final: boolean;
}

/** The catalogue code and the text of a failure: a NoxError's own, or one encoded in a job failure (`<code>: <message>`). */
export function describeFailure(err: unknown, fallback: ErrorCode): { code: ErrorCode; message: string } {
  if (isNoxError(err)) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return parseFailureReason(message) ?? { code: fallback, message };
}

export async function reportStartFailure(ctx: NoxContext, agentId: string, err: unknown, failure: StartFailure, fallback: ErrorCode): Promise<void> {
  const { code, message } = describeFailure(err, fallback);
  const reason = `${failure.final ? '' : 'retrying: '}${message} (${code}, host ${failure.hostId})`;
  await writeRuntime(ctx.redis, ctx.keys, agentId, { reason, reasonCode: code });
  await ctx.events.publish({ type: AGENT_EVENT.startFailed, agentId, hostId: failure.hostId, correlationId: failure.correlationId, data: { code, reason: message, hostId: failure.hostId, final: failure.final } });
}
