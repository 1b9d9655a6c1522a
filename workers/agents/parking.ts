import type { AgentRuntime } from '../../shared/agents/runtime-state.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import type { Logger } from '../../shared/logger.js';
import type { StatusEvent } from './agent-status-machine.js';
import type { RuntimeWriter } from './runtime-writer.js';
import type { UsageLimit } from './usage-limit.js';

/**
 * One agent's park (issue 18, item 4): the limit in force, its timer, and what it writes.
 *
 * - `park(limit)`: the resume time and reason go to the agent's hash (`resumesAt`,
 *   `parkReason`), `agent.parked` is published, the status becomes `parked`. A limit that
 *   ended the turn arms a timer for its reset; one the CLI waits out within the turn
 *   (`inTurn`) has none: the CLI's next output ends it (`resume()`).
 * - The time is kept in Redis, not only in the timer: a supervisor started later — after a
 *   stop, a host restart, a failover — `restore()`s it from the hash and waits out what is
 *   left (or announces the end of a park that passed while nobody ran the agent). The hash
 *   write and the timer are idempotent: restoring twice waits for the same instant.
 * - At the reset time: the fields are cleared, `agent.unparked` published, the status goes
 *   back to idle, and `onReset` lets the queued turns (and the inbox) run. `resumeNow()` (a
 *   person's "resume now") does the same before the reset time.
 * A park is not a crash: nothing here touches the crash count.
 */
export interface Park {
  /** epoch ms */
  until: number;
  reason: string;
  since: number;
  /** the CLI waits it out within the turn in flight (no timer of ours) */
  inTurn: boolean;
}

export interface Parking {
  readonly current: Park | undefined;
  /** parked between turns: nothing may be written on stdin */
  readonly holding: boolean;
  /** limits since the last turn that succeeded (an estimated wait doubles with each) */
  readonly earlierLimits: number;
  park(limit: UsageLimit, correlationId?: string): void;
  /** the CLI's own retry got through (an in-turn park ends with its next output) */
  resume(correlationId?: string): void;
  /**
   * A person ends a park between turns before its reset ("resume now"): as at the reset
   * time, the queued turns run (the one the limit held first, once). False when there is no
   * such park (none, or one the CLI waits out within its turn).
   */
  resumeNow(by: string, correlationId?: string): boolean;
  /** a turn succeeded */
  succeeded(): void;
  /** at start: the park a previous supervisor left in the agent's hash */
  restore(runtime: AgentRuntime | undefined): void;
  /** the process is gone: an in-turn park went with its retry */
  processEnded(): void;
  /** the supervisor is done: the timer goes (the hash keeps the time for the next start) */
  dispose(): void;
}

export interface ParkingDeps {
  writer: RuntimeWriter;
  dispatch(event: StatusEvent): void;
  /** over budget (own or shared) when the park ends: back to over-budget instead of idle */
  overBudget(): boolean;
  /** the park is over: let the queued turns run */
  onReset(): void;
  logger: Logger;
  now?: () => number;
}

// setTimeout's longest delay (about 24.8 days); longer parks re-arm
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createParking(deps: ParkingDeps): Parking {
  const { writer, logger } = deps;
  const now = deps.now ?? Date.now;
  let current: Park | undefined;
  let timer: NodeJS.Timeout | undefined;
  let earlierLimits = 0;

  const disarm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };

  const end = (why: 'reset' | 'got-through' | 'process-ended' | 'resumed-now', correlationId?: string, by?: string): void => {
    const park = current;
    if (!park) return;
    disarm();
    current = undefined;
    writer.persist({ resumesAt: '', parkReason: '' });
    writer.publish(AGENT_EVENT.unparked, { resumedAt: new Date(now()).toISOString(), after: now() - park.since, why, ...(by ? { by } : {}) }, correlationId);
    logger.info('agent unparked', { why, parkedMs: now() - park.since, ...(by ? { by } : {}) });
  };

  const arm = (): void => {
    disarm();
    const park = current;
    if (!park || park.inTurn) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        if (current !== park) return;
        if (now() < park.until) return arm(); // a park longer than one timer, or a clock that jumped
        end('reset');
        deps.dispatch({ type: 'limit-reset', overBudget: deps.overBudget() });
        deps.onReset();
      },
      Math.min(Math.max(0, park.until - now()), MAX_TIMER_MS),
    );
    timer.unref();
  };

  return {
    get current() {
      return current;
    },
    get holding() {
      return current !== undefined && !current.inTurn;
    },
    get earlierLimits() {
      return earlierLimits;
    },
    park(limit, correlationId) {
      if (!limit.inTurn) earlierLimits++;
      current = { until: limit.resumesAt, reason: limit.reason, since: current?.since ?? now(), inTurn: limit.inTurn };
      const resumesAt = new Date(limit.resumesAt).toISOString();
      writer.persist({ resumesAt, parkReason: limit.reason });
      writer.publish(
        AGENT_EVENT.parked,
        {
          kind: limit.kind,
          resumesAt,
          resetKnown: limit.resetKnown,
          inTurn: limit.inTurn,
          reason: limit.reason,
          ...(limit.rateLimitType ? { rateLimitType: limit.rateLimitType } : {}),
          ...(limit.apiErrorStatus === undefined ? {} : { apiErrorStatus: limit.apiErrorStatus }),
          ...(limit.said ? { said: limit.said } : {}),
        },
        correlationId,
      );
      logger.warn('agent parked', { kind: limit.kind, resumesAt, inTurn: limit.inTurn });
      arm();
      deps.dispatch({ type: 'limited', reason: limit.reason, ...(correlationId ? { correlationId } : {}) });
    },
    resume(correlationId) {
      if (!current?.inTurn) return;
      end('got-through', correlationId);
      deps.dispatch({ type: 'output-resumed', ...(correlationId ? { correlationId } : {}) });
    },
    resumeNow(by, correlationId) {
      if (!current || current.inTurn) return false;
      end('resumed-now', correlationId, by);
      deps.dispatch({ type: 'limit-reset', overBudget: deps.overBudget() });
      deps.onReset();
      return true;
    },
    succeeded() {
      earlierLimits = 0;
    },
    restore(runtime) {
      const until = runtime?.resumesAt ? Date.parse(runtime.resumesAt) : NaN;
      if (Number.isNaN(until)) return;
      current = { until, reason: runtime?.parkReason || `parked until ${runtime?.resumesAt}`, since: now(), inTurn: false };
      if (until > now()) arm();
      else end('reset'); // it ended while no supervisor ran the agent
    },
    processEnded() {
      if (current?.inTurn) end('process-ended');
    },
    dispose: disarm,
  };
}
