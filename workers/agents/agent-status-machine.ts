import type { AgentStatus } from '../../shared/agents/agent-status.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import type { CrashVerdict } from './crash-policy.js';

/**
 * The agent's status machine (docs/AGENTS.md, "Status"), as a pure function: the current
 * state and what happened → the next state and the effects, in the order the supervisor
 * must carry them out. The supervisor owns the process, the writes and the timers; this
 * module owns which status follows which and when a change is announced.
 *
 *   starting → idle ⇄ working ⇄ waiting-approval
 *   any running state → stopping → stopped
 *   process exits unasked → crashed → restarting (backoff) → starting
 *   too many crashes in the window → failed (circuit breaker open)
 *   cost ≥ max_budget_usd → over-budget (process kept, no new turns)
 *   a usage or rate limit → parked (turns wait) → idle at its reset time; not a crash
 *   working with no output for agent.stall_after_ms → stalled → working when output resumes
 *   between turns, its host drains → stopping → restarting (settled here; another host
 *   starts it with its session: workers/hosts/host-drain.ts)
 *
 * `wanted` is the intent (an operator's start or stop): a process that exits while it is
 * `stopped` was asked to; one that exits while it is `running` crashed.
 */
export interface MachineState {
  status: AgentStatus;
  wanted: 'running' | 'stopped';
}

export const INITIAL_STATE: MachineState = { status: 'stopped', wanted: 'stopped' };

export type StatusEvent =
  /** a start was asked for (the status changes at `starting`, once the runtime is read) */
  | { type: 'start' }
  /** a process is about to be launched: first start, operator restart or backoff over */
  | { type: 'starting'; reason?: string }
  /** `parked`: a limit still in force (its reason): the new process waits too */
  | { type: 'launched'; resumed: boolean; overBudget: boolean; parked?: { reason: string } }
  /** the first launch failed: nothing to restart */
  | { type: 'launch-failed'; message: string }
  /** the turns' events carry the turn's correlation id (the request or message it came from) */
  | { type: 'turn-sent'; correlationId?: string }
  | { type: 'permission-asked'; tool: string; correlationId?: string }
  /** no permission question is open any more (answered or withdrawn) */
  | { type: 'questions-settled'; correlationId?: string }
  | { type: 'turn-ended'; overBudget: boolean; correlationId?: string }
  | { type: 'stop'; reason?: string }
  /** the process is gone after a stop */
  | { type: 'stopped'; reason?: string }
  /** the host hands the agent to another host (a drain): stop the process between turns */
  | { type: 'hand-over'; reason: string }
  /** the process is gone after a hand-over: `restarting` until the next host starts it */
  | { type: 'handed-over'; reason: string }
  /** an operator restart: stop first (then `starting`) */
  | { type: 'restart'; reason?: string }
  /** a budget the agent shares is spent (budget-guard.ts): over-budget at the turn boundary */
  | { type: 'budget-hold'; reason: string; detail: Record<string, unknown> }
  /** that budget has room again (raised, or a new day) */
  | { type: 'budget-released' }
  /** a usage or rate limit (usage-limit.ts): between turns, or while the CLI retries within one */
  | { type: 'limited'; reason: string; correlationId?: string }
  /** the limit's reset time came: turns may run again */
  | { type: 'limit-reset'; overBudget: boolean }
  /** the turn in flight wrote nothing for agent.stall_after_ms */
  | { type: 'stalled'; silentMs: number; correlationId?: string }
  /** a stalled turn wrote again, or the CLI's own retry got through a rate limit */
  | { type: 'output-resumed'; correlationId?: string }
  /** the process exited while wanted running */
  | { type: 'crashed'; why: string; verdict: CrashVerdict };

export interface StatusChange {
  type: 'status';
  status: AgentStatus;
  previous: AgentStatus;
  reason?: string;
  /** the reason's catalogue code (runtime.reasonCode): parked and stalled have one */
  reasonCode?: string;
  /** publish `agent.status`: the status changed, or the same status has a new reason */
  announce: boolean;
  correlationId?: string;
  /** the change opens the circuit breaker (written with the status) */
  circuitOpen?: true;
}

export type StatusEffect =
  | StatusChange
  /** `detail`: a shared budget's scope and figures (the agent's own budget: none, the ledger says) */
  | { type: 'budget-exceeded'; correlationId?: string; detail?: Record<string, unknown> }
  | { type: 'circuit-open'; crashes: number; windowMs: number }
  | { type: 'schedule-restart'; delayMs: number }
  /** the supervisor is done for good: the host frees the agent's capacity */
  | { type: 'settled' };

export interface Transition {
  state: MachineState;
  effects: StatusEffect[];
}

/** Statuses a finished turn leaves for idle (or over-budget); stopping and crash states keep theirs. */
const TURN_STATES: readonly AgentStatus[] = ['working', 'waiting-approval', 'idle', 'over-budget', 'stalled'];

/** Statuses a limit parks: a running process between turns or in one. */
const PARKABLE: readonly AgentStatus[] = [...TURN_STATES, 'parked'];

export function isSettled(status: AgentStatus): boolean {
  return status === 'stopped' || status === 'failed';
}

/** Between turns with nothing in flight: what a drain may move (the process is kept, no turn runs). */
export function isBetweenTurns(status: AgentStatus): boolean {
  return status === 'idle' || status === 'over-budget';
}

/** A start is a no-op while the agent runs (or is on its way to). */
export function acceptsStart(state: MachineState): boolean {
  return state.wanted !== 'running' || isSettled(state.status);
}

function change(previous: AgentStatus, status: AgentStatus, reason?: string, more: Partial<StatusChange> = {}): StatusChange {
  return { type: 'status', status, previous, ...(reason === undefined ? {} : { reason }), announce: previous !== status || Boolean(reason), ...more };
}

/** 350 ms, 12 s */
export const silence = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`);

const withCorrelation = (correlationId: string | undefined): { correlationId?: string } => (correlationId ? { correlationId } : {});

export function transition(state: MachineState, event: StatusEvent): Transition {
  const { status } = state;
  const to = (next: AgentStatus, effects: StatusEffect[], wanted = state.wanted): Transition => ({ state: { status: next, wanted }, effects });
  switch (event.type) {
    case 'start':
      return to(status, [], 'running');
    case 'starting':
      return to('starting', [change(status, 'starting', event.reason)], 'running');
    case 'launched': {
      if (event.parked) return to('parked', [change(status, 'parked', event.parked.reason, { reasonCode: ERROR_CODE.agentParked })]);
      const next = event.overBudget ? 'over-budget' : 'idle';
      return to(next, [change(status, next, event.resumed ? 'resumed' : undefined)]);
    }
    case 'launch-failed':
      return to('failed', [change(status, 'failed', `could not start: ${event.message}`), { type: 'settled' }], 'stopped');
    case 'turn-sent':
      return to('working', [change(status, 'working', undefined, withCorrelation(event.correlationId))]);
    case 'permission-asked':
      return to('waiting-approval', [change(status, 'waiting-approval', `${event.tool} asks for permission`, withCorrelation(event.correlationId))]);
    case 'questions-settled':
      return status === 'waiting-approval' ? to('working', [change(status, 'working', undefined, withCorrelation(event.correlationId))]) : to(status, []);
    case 'turn-ended': {
      const effects: StatusEffect[] = [];
      // announced once, when the agent first goes over (not on every later result)
      if (event.overBudget && status !== 'over-budget') effects.push({ type: 'budget-exceeded', ...withCorrelation(event.correlationId) });
      if (!TURN_STATES.includes(status)) return to(status, effects);
      const next = event.overBudget ? 'over-budget' : 'idle';
      effects.push(change(status, next, event.overBudget ? 'budget reached' : undefined, withCorrelation(event.correlationId)));
      return to(next, effects);
    }
    case 'budget-hold':
      // between turns only: a turn in flight finishes, and the hold stops the next one
      if (status !== 'idle' && status !== 'over-budget') return to(status, []);
      return to('over-budget', [...(status === 'over-budget' ? [] : [{ type: 'budget-exceeded' as const, detail: event.detail }]), change(status, 'over-budget', event.reason)]);
    case 'budget-released':
      return status === 'over-budget' ? to('idle', [change(status, 'idle', 'budget available again')]) : to(status, []);
    case 'limited':
      if (!PARKABLE.includes(status)) return to(status, []); // no process to hold: the next launch is parked
      return to('parked', [change(status, 'parked', event.reason, { reasonCode: ERROR_CODE.agentParked, ...withCorrelation(event.correlationId) })]);
    case 'limit-reset': {
      if (status !== 'parked') return to(status, []);
      const next = event.overBudget ? 'over-budget' : 'idle';
      return to(next, [change(status, next, 'usage limit reset')]);
    }
    case 'stalled':
      if (status !== 'working') return to(status, []);
      return to('stalled', [change(status, 'stalled', `no output for ${silence(event.silentMs)}`, { reasonCode: ERROR_CODE.agentStalled, ...withCorrelation(event.correlationId) })]);
    case 'output-resumed':
      if (status !== 'stalled' && status !== 'parked') return to(status, []);
      return to('working', [change(status, 'working', status === 'stalled' ? 'output resumed' : 'the CLI got through the rate limit', withCorrelation(event.correlationId))]);
    case 'stop':
      if (isSettled(status)) return to(status, [], 'stopped');
      return to('stopping', [change(status, 'stopping', event.reason)], 'stopped');
    case 'stopped':
      return to('stopped', [change(status, 'stopped', event.reason), { type: 'settled' }]);
    case 'hand-over':
      if (!isBetweenTurns(status)) return to(status, []);
      return to('stopping', [change(status, 'stopping', event.reason)], 'stopped');
    case 'handed-over':
      // live (the spawn queue places it again), but done on this host: the host frees its capacity
      return to('restarting', [change(status, 'restarting', event.reason), { type: 'settled' }]);
    case 'restart':
      return to('stopping', [change(status, 'stopping', event.reason ?? 'restart')], 'stopped');
    case 'crashed':
      return crashed(state, event.why, event.verdict);
  }
}

function crashed(state: MachineState, why: string, v: CrashVerdict): Transition {
  if (v.breakerOpen) {
    return {
      state: { status: 'failed', wanted: 'stopped' },
      effects: [
        change(state.status, 'failed', `circuit breaker open: ${v.crashes} crashes within ${v.windowMs} ms (last ${why})`, { circuitOpen: true }),
        { type: 'circuit-open', crashes: v.crashes, windowMs: v.windowMs },
        { type: 'settled' },
      ],
    };
  }
  return {
    state: { status: 'restarting', wanted: state.wanted },
    effects: [
      change(state.status, 'crashed', why),
      change('crashed', 'restarting', `in ${v.delayMs} ms (crash ${v.crashes} of ${v.maxCrashes} allowed in the window)`),
      { type: 'schedule-restart', delayMs: v.delayMs },
    ],
  };
}
