import type { NoxConfig } from '../../shared/config/schema.js';
import type { AgentEvent, RateLimitInfo } from './claude-cli/protocol.js';
import type { Turn } from './turn-queue.js';

/**
 * Usage and rate limits as the CLI reports them (issue 18, item 4; docs/AGENTS.md,
 * "Usage limits"), read from its stream-json lines. Pure: the supervisor feeds a turn's events
 * in and asks at its `result` whether a limit ended it and until when the agent waits.
 *
 * What the real CLI writes (2.1.330 against a scripted Messages API, the agent SDK's
 * `sdk.d.ts`):
 * - a 429 or 529 it will retry: `system/api_retry {attempt, max_retries, retry_delay_ms,
 *   error_status, error: "rate_limit"|"overloaded"}`; `retry_delay_ms` honours `retry-after`.
 *   A `retry-after` too long to wait in the turn makes it give up at once;
 * - a subscription's usage limit: `rate_limit_event {rate_limit_info: {status: "rejected",
 *   resetsAt: <epoch s>, rateLimitType: "five_hour"|...}}`, then a synthetic assistant message
 *   (`error: "rate_limit"`, `api_error: "usage_limit_reached"`, `api_error_params.rate_limit_info`)
 *   whose text is "You've hit your 5-hour limit · resets 10:02am (UTC)";
 * - giving up: a `result` with `is_error: true` (subtype success), `api_error_status` 429 or
 *   529, `api_error_type` rate_limit_error or overloaded_error, `terminal_reason` api_error.
 */

/** What a turn told about limits before its result. */
export interface LimitSignals {
  /** the turn's last limit state (a `rate_limit_event`, or an API error's `rate_limit_info`) */
  rateLimit?: RateLimitInfo;
  /** the CLI's last retry delay in the turn: its reading of `retry-after`, or its backoff */
  retryDelayMs?: number;
  /** the model had produced something (text, a tool call) before the limit: a re-send could repeat it */
  hadOutput: boolean;
}

export const NO_SIGNALS: LimitSignals = { hadOutput: false };

export type LimitKind = 'usage-limit' | 'rate-limit' | 'overloaded';

export interface UsageLimit {
  kind: LimitKind;
  /** epoch ms */
  resumesAt: number;
  /** the reset time is the CLI's (`resetsAt`), not an estimate */
  resetKnown: boolean;
  /** the human line (runtime.reason) */
  reason: string;
  /** the CLI retries by itself within the turn (an `api_retry`); otherwise the turn ended and Nox resumes the agent */
  inTurn: boolean;
  rateLimitType?: string;
  apiErrorStatus?: number;
  /** the CLI's own words */
  said?: string;
}

/** `agent.park_default_ms` / `agent.park_max_ms` */
export interface ParkPolicy {
  defaultMs: number;
  maxMs: number;
}

export function parkPolicyOf(agent: NoxConfig['agent']): ParkPolicy {
  return { defaultMs: agent.park_default_ms, maxMs: agent.park_max_ms };
}

/** The turn's signals with one more event. */
export function noteLimitSignal(signals: LimitSignals, event: AgentEvent): LimitSignals {
  switch (event.kind) {
    case 'rate-limit':
      return { ...signals, rateLimit: event.info };
    case 'assistant-other':
      return event.rateLimit ? { ...signals, rateLimit: event.rateLimit } : signals;
    case 'api-retry':
      return event.retryDelayMs === undefined ? signals : { ...signals, retryDelayMs: event.retryDelayMs };
    case 'assistant-text':
    case 'tool-use':
      return signals.hadOutput ? signals : { ...signals, hadOutput: true };
    default:
      return signals;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function kindOf(event: Extract<AgentEvent, { kind: 'result' }>, rejected: RateLimitInfo | undefined): LimitKind | undefined {
  if (rejected || event.terminalReason === 'blocking_limit') return 'usage-limit';
  if (event.apiErrorStatus === 429 || event.apiErrorType === 'rate_limit_error') return 'rate-limit';
  if (event.apiErrorStatus === 529 || event.apiErrorType === 'overloaded_error') return 'overloaded';
  return undefined;
}

function reasonOf(kind: LimitKind, resumesAt: number, rateLimitType: string | undefined, status: number | undefined): string {
  const until = `resumes at ${iso(resumesAt)}`;
  if (kind === 'usage-limit') return `usage limit reached${rateLimitType ? ` (${rateLimitType})` : ''}: ${until}`;
  if (kind === 'rate-limit') return `rate limited by the model API (${status ?? 429}): ${until}`;
  return `the model API is overloaded (${status ?? 529}): ${until}`;
}

/** The wait when the CLI gave no reset time: its last retry delay (else the default), doubled per earlier limit, capped. */
export function estimatedWait(policy: ParkPolicy, retryDelayMs: number | undefined, earlierLimits: number): number {
  return Math.min(policy.maxMs, (retryDelayMs ?? policy.defaultMs) * 2 ** Math.min(earlierLimits, 30));
}

/**
 * Did a usage or rate limit end this turn? `earlierLimits`: limits since the last turn that
 * succeeded (the estimate doubles with each). Any other failed turn is not a limit.
 */
export function judgeLimit(event: Extract<AgentEvent, { kind: 'result' }>, signals: LimitSignals, policy: ParkPolicy, earlierLimits: number, now: number): UsageLimit | undefined {
  if (!event.isError) return undefined;
  const rejected = signals.rateLimit?.status === 'rejected' ? signals.rateLimit : undefined;
  const kind = kindOf(event, rejected);
  if (!kind) return undefined;
  const resetS = rejected?.resetsAt ?? rejected?.overageResetsAt;
  const resetKnown = resetS !== undefined && resetS * 1000 > now;
  const resumesAt = resetKnown ? resetS * 1000 : now + estimatedWait(policy, signals.retryDelayMs, earlierLimits);
  const rateLimitType = rejected?.rateLimitType;
  return {
    kind,
    resumesAt,
    resetKnown,
    reason: reasonOf(kind, resumesAt, rateLimitType, event.apiErrorStatus),
    inTurn: false,
    ...(rateLimitType ? { rateLimitType } : {}),
    ...(event.apiErrorStatus === undefined ? {} : { apiErrorStatus: event.apiErrorStatus }),
    ...(event.result ? { said: event.result.slice(0, 500) } : {}),
  };
}

/**
 * A rate limit the CLI waits out within the turn (`api_retry` of a 429): parked until its retry,
 * the turn still in flight. Overloaded retries (529) are short and the CLI's own (and its
 * `--fallback-model`'s) business: not a park.
 */
export function judgeRetry(event: Extract<AgentEvent, { kind: 'api-retry' }>, now: number): UsageLimit | undefined {
  const error = typeof event.raw.error === 'string' ? event.raw.error : undefined;
  if (event.errorStatus !== 429 && error !== 'rate_limit') return undefined;
  const resumesAt = now + (event.retryDelayMs ?? 0);
  const attempt = event.attempt === undefined ? '' : `, retry ${event.attempt}${event.maxRetries === undefined ? '' : ` of ${event.maxRetries}`}`;
  return {
    kind: 'rate-limit',
    resumesAt,
    resetKnown: true,
    reason: `rate limited by the model API (429): the CLI retries at ${iso(resumesAt)}${attempt}`,
    inTurn: true,
    apiErrorStatus: 429,
  };
}

/** What a turn the limit stopped after the model had begun gets instead of being sent again. */
export const CONTINUE_AFTER_LIMIT = '[nox] The usage limit that stopped your last turn has reset: continue where you left off.';

/**
 * What becomes of the turn a limit ended, so that it runs once the limit resets, once:
 * - the model had produced nothing: the same turn again — its messages back to the inbox
 *   (durable, delivered again after the park), any other turn first in the queue;
 * - the model had begun (tools may have run): not sent again (that could repeat them); a
 *   short "continue" turn goes first in the queue, and its messages count as read.
 */
export function retryAfterLimit(turn: Turn | undefined, hadOutput: boolean): { inbox: readonly string[] } | { queue: Turn } | undefined {
  if (!turn) return undefined;
  if (hadOutput) return { queue: { text: CONTINUE_AFTER_LIMIT, ...(turn.correlationId ? { correlationId: turn.correlationId } : {}), ...(turn.trace ? { trace: turn.trace } : {}) } };
  if (turn.messageIds && turn.messageIds.length > 0) return { inbox: turn.messageIds };
  return { queue: turn };
}
