import type { AgentStatus } from '../../shared/agents/agent-status.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import type { AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import { silence, type StatusEvent } from './agent-status-machine.js';
import type { AgentEvent, AgentEventKind } from './claude-cli/protocol.js';
import { createParking } from './parking.js';
import type { RuntimeWriter } from './runtime-writer.js';
import { createStallWatch } from './stall-watch.js';
import type { Turn, TurnQueue } from './turn-queue.js';
import { judgeLimit, judgeRetry, NO_SIGNALS, noteLimitSignal, parkPolicyOf, retryAfterLimit, type LimitSignals } from './usage-limit.js';

/**
 * What holds an agent's turns up besides its budget (issue 18, items 4 and 5), wired for
 * the supervisor, which tells it what happens to the turn in flight:
 * - usage and rate limits (usage-limit.ts reads them, parking.ts keeps the park): a turn a
 *   limit ends parks the agent until the reset and is put back to run once after it; a 429
 *   the CLI waits out within the turn parks it until the CLI's own retry gets through;
 * - silence (stall-watch.ts): a turn with no output for `agent.stall_after_ms` makes the
 *   agent `stalled` (`agent.stalled`), output makes it `working` again, and
 *   `agent.stall_action` interrupts or restarts it.
 */
export interface TurnHolds {
  /** parked between turns: nothing may be written on stdin */
  readonly holding: boolean;
  /** what a launch now must say: a limit still in force */
  launchParked(): { reason: string } | undefined;
  /** at start: the park a previous run left in the agent's hash */
  restore(runtime: AgentRuntime | undefined): void;
  /** a person's "resume now" (parking.ts): false when not parked between turns */
  resumeNow(by: string, correlationId?: string): boolean;
  turnSent(): void;
  /** a stdout line arrived (before it is parsed) */
  line(): void;
  /** a parsed event of the turn in flight (results go to `ended`) */
  event(event: AgentEvent, correlationId: string | undefined): void;
  /** the turn's result: true when a limit ended it (the agent is parked and the turn put back) */
  ended(event: Extract<AgentEvent, { kind: 'result' }>, turn: Turn | undefined): boolean;
  /** a permission question opened: a person may take their time */
  asking(): void;
  /** the questions are settled and the turn goes on */
  answered(): void;
  processEnded(): void;
  dispose(): void;
}

export interface TurnHoldsDeps {
  agentId: string;
  cfg: NoxConfig['agent'];
  writer: RuntimeWriter;
  logger: Logger;
  dispatch(event: StatusEvent): void;
  status(): AgentStatus;
  turns: TurnQueue;
  overBudget(): boolean;
  /** the park is over: let the queued turns run */
  onReset(): void;
  onTurnRefused?(agentId: string, messageIds: readonly string[]): void;
  interrupt(): void;
  restart(reason: string): Promise<void>;
}

/** Lines that do not show a stalled turn moving: its end (the turn-ended path) and an answer to Nox's own control request (an interrupt). */
const NOT_TURN_OUTPUT: ReadonlySet<AgentEventKind> = new Set(['result', 'control-response']);
/** What only a model that got through writes: it ends a park the CLI was waiting out within the turn. */
const MODEL_OUTPUT: ReadonlySet<AgentEventKind> = new Set(['assistant-text', 'tool-use', 'tool-result', 'permission-request', 'stream-event']);

export function createTurnHolds(deps: TurnHoldsDeps): TurnHolds {
  const { cfg, writer, logger, dispatch, turns } = deps;
  const parking = createParking({ writer, logger, dispatch, overBudget: deps.overBudget, onReset: deps.onReset });
  const parkPolicy = parkPolicyOf(cfg);
  /** what the turn in flight told about limits so far */
  let signals: LimitSignals = NO_SIGNALS;

  const onStall = (silentMs: number): void => {
    const turn = turns.current;
    if (!turn) return;
    if (deps.status() === 'parked') return stall.watch(); // waiting out a rate limit is not a stall
    if (deps.status() !== 'working') return;
    const action = cfg.stall_action;
    logger.warn('agent turn stalled', { silentMs, action });
    dispatch({ type: 'stalled', silentMs, ...(turn.correlationId ? { correlationId: turn.correlationId } : {}) });
    writer.publish(AGENT_EVENT.stalled, { silentMs, stallAfterMs: cfg.stall_after_ms, action }, turn.correlationId);
    if (action === 'interrupt') deps.interrupt();
    else if (action === 'restart') deps.restart(`stalled: no output for ${silence(silentMs)}`).catch((err) => logger.error('restarting a stalled agent failed', errorFields(err)));
  };
  const stall = createStallWatch(cfg.stall_after_ms, onStall);

  return {
    get holding() {
      return parking.holding;
    },
    launchParked: () => (parking.holding ? { reason: parking.current!.reason } : undefined),
    restore: (runtime) => parking.restore(runtime),
    resumeNow: (by, correlationId) => parking.resumeNow(by, correlationId),
    turnSent() {
      signals = NO_SIGNALS;
      stall.watch();
    },
    line: () => stall.heard(),
    event(event, correlationId) {
      signals = noteLimitSignal(signals, event);
      if (!turns.current) return;
      if (!NOT_TURN_OUTPUT.has(event.kind) && deps.status() === 'stalled') {
        dispatch({ type: 'output-resumed', ...(correlationId ? { correlationId } : {}) });
        stall.watch();
      }
      if (parking.current?.inTurn && MODEL_OUTPUT.has(event.kind)) parking.resume(correlationId);
      if (event.kind === 'api-retry') {
        const limit = judgeRetry(event, Date.now());
        if (limit) parking.park(limit, correlationId);
      }
    },
    ended(event, turn) {
      stall.rest();
      const limit = judgeLimit(event, signals, parkPolicy, parking.earlierLimits, Date.now());
      if (!limit) {
        if (!event.isError) parking.succeeded();
        parking.resume(turn?.correlationId); // the CLI's own retry got through (an in-turn park)
        return false;
      }
      // the turn runs again once, after the reset (usage-limit.ts, retryAfterLimit)
      const retry = retryAfterLimit(turn, signals.hadOutput);
      if (retry && 'inbox' in retry) deps.onTurnRefused?.(deps.agentId, retry.inbox);
      else if (retry) turns.addFirst(retry.queue);
      writer.persist({ queuedTurns: turns.length });
      parking.park(limit, turn?.correlationId);
      return true;
    },
    asking: () => stall.rest(),
    answered() {
      if (turns.current) stall.watch();
    },
    processEnded() {
      stall.rest();
      parking.processEnded();
    },
    dispose() {
      stall.rest();
      parking.dispose();
    },
  };
}
