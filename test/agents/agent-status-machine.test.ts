import { expect } from 'chai';
import { acceptsStart, INITIAL_STATE, transition, type MachineState, type StatusEffect, type StatusEvent } from '../../workers/agents/agent-status-machine.js';
import { judgeCrash } from '../../workers/agents/crash-policy.js';

/** Runs events from a state; returns the last state and every effect, in order. */
function run(from: MachineState, ...events: StatusEvent[]): { state: MachineState; effects: StatusEffect[] } {
  let state = from;
  const effects: StatusEffect[] = [];
  for (const event of events) {
    const t = transition(state, event);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const idle: MachineState = { status: 'idle', wanted: 'running' };
const policy = { maxCrashes: 3, windowMs: 60_000, backoffMs: 100, backoffMaxMs: 1000 };

describe('agent status machine (pure): status + event → next status + effects', () => {
  it('starts: a start only records the intent; starting, then idle (or resumed, or over budget) once launched', () => {
    const asked = run(INITIAL_STATE, { type: 'start' });
    expect(asked).to.deep.equal({ state: { status: 'stopped', wanted: 'running' }, effects: [] });
    const { state, effects } = run(asked.state, { type: 'starting' }, { type: 'launched', resumed: true, overBudget: false });
    expect(state).to.deep.equal({ status: 'idle', wanted: 'running' });
    expect(effects).to.deep.equal([
      { type: 'status', status: 'starting', previous: 'stopped', announce: true },
      { type: 'status', status: 'idle', previous: 'starting', reason: 'resumed', announce: true },
    ]);
    expect(run(asked.state, { type: 'starting' }, { type: 'launched', resumed: false, overBudget: true }).state.status).to.equal('over-budget');
  });

  it('refuses a second start while running, accepts one once stopped or failed', () => {
    expect(acceptsStart(INITIAL_STATE)).to.equal(true);
    expect(acceptsStart(idle)).to.equal(false);
    expect(acceptsStart({ status: 'stopped', wanted: 'running' }), 'a start racing a stop').to.equal(true);
    expect(acceptsStart({ status: 'failed', wanted: 'stopped' })).to.equal(true);
  });

  it('a turn: working → waiting-approval → working → idle, every change carrying the turn’s correlation id', () => {
    const correlationId = 'm-1';
    const { state, effects } = run(
      idle,
      { type: 'turn-sent', correlationId },
      { type: 'permission-asked', tool: 'Bash', correlationId },
      { type: 'questions-settled', correlationId },
      { type: 'turn-ended', overBudget: false, correlationId },
    );
    expect(state.status).to.equal('idle');
    expect(effects).to.deep.equal([
      { type: 'status', status: 'working', previous: 'idle', announce: true, correlationId },
      { type: 'status', status: 'waiting-approval', previous: 'working', reason: 'Bash asks for permission', announce: true, correlationId },
      { type: 'status', status: 'working', previous: 'waiting-approval', announce: true, correlationId },
      { type: 'status', status: 'idle', previous: 'working', announce: true, correlationId },
    ]);
  });

  it('a settled question outside waiting-approval changes nothing', () => {
    expect(run({ status: 'working', wanted: 'running' }, { type: 'questions-settled' }).effects).to.deep.equal([]);
    expect(run({ status: 'stopping', wanted: 'stopped' }, { type: 'questions-settled' }).state.status).to.equal('stopping');
  });

  it('the turn that reaches the budget announces it once, before going over-budget; later results do not announce again', () => {
    const first = run({ status: 'working', wanted: 'running' }, { type: 'turn-ended', overBudget: true, correlationId: 'c' });
    expect(first.effects).to.deep.equal([
      { type: 'budget-exceeded', correlationId: 'c' },
      { type: 'status', status: 'over-budget', previous: 'working', reason: 'budget reached', announce: true, correlationId: 'c' },
    ]);
    const again = run(first.state, { type: 'turn-ended', overBudget: true });
    expect(again.effects.map((e) => e.type)).to.deep.equal(['status']);
    // same status, but a reason: still announced
    expect(again.effects[0]).to.include({ status: 'over-budget', announce: true });
  });

  it('a result while stopping leaves the status alone (the stop finishes it)', () => {
    const { state, effects } = run({ status: 'stopping', wanted: 'stopped' }, { type: 'turn-ended', overBudget: false });
    expect(state.status).to.equal('stopping');
    expect(effects).to.deep.equal([]);
  });

  it('stop: stopping then stopped and settled; a stop of a stopped or failed agent only records the intent', () => {
    const { state, effects } = run(idle, { type: 'stop', reason: 'bye' }, { type: 'stopped', reason: 'bye' });
    expect(state).to.deep.equal({ status: 'stopped', wanted: 'stopped' });
    expect(effects).to.deep.equal([
      { type: 'status', status: 'stopping', previous: 'idle', reason: 'bye', announce: true },
      { type: 'status', status: 'stopped', previous: 'stopping', reason: 'bye', announce: true },
      { type: 'settled' },
    ]);
    expect(run({ status: 'failed', wanted: 'running' }, { type: 'stop' })).to.deep.equal({ state: { status: 'failed', wanted: 'stopped' }, effects: [] });
  });

  it('a hand-over (drain): between turns only; stopping, then restarting and settled on this host', () => {
    const { state, effects } = run(idle, { type: 'hand-over', reason: 'moving' }, { type: 'handed-over', reason: 'moving' });
    expect(state).to.deep.equal({ status: 'restarting', wanted: 'stopped' });
    expect(effects).to.deep.equal([
      { type: 'status', status: 'stopping', previous: 'idle', reason: 'moving', announce: true },
      { type: 'status', status: 'restarting', previous: 'stopping', reason: 'moving', announce: true },
      { type: 'settled' },
    ]);
    expect(run({ status: 'over-budget', wanted: 'running' }, { type: 'hand-over', reason: 'moving' }).state.status).to.equal('stopping');
    for (const status of ['working', 'waiting-approval', 'starting', 'restarting'] as const) {
      expect(run({ status, wanted: 'running' }, { type: 'hand-over', reason: 'moving' }), `mid-turn or starting: ${status}`).to.deep.equal({ state: { status, wanted: 'running' }, effects: [] });
    }
  });

  it('an operator restart: stopping (reason "restart" by default), then starting wanted running again', () => {
    const { state, effects } = run(idle, { type: 'restart' });
    expect(state.wanted).to.equal('stopped');
    expect(effects[0]).to.include({ status: 'stopping', reason: 'restart' });
    expect(run(state, { type: 'starting', reason: 'restart' }).state).to.deep.equal({ status: 'starting', wanted: 'running' });
  });

  it('a crash: crashed, then restarting with the backoff delay, and a restart scheduled', () => {
    const verdict = judgeCrash(policy, [1_000], 2_000);
    const { state, effects } = run({ status: 'working', wanted: 'running' }, { type: 'crashed', why: 'exited with code 7', verdict });
    expect(state).to.deep.equal({ status: 'restarting', wanted: 'running' });
    expect(effects).to.deep.equal([
      { type: 'status', status: 'crashed', previous: 'working', reason: 'exited with code 7', announce: true },
      { type: 'status', status: 'restarting', previous: 'crashed', reason: 'in 200 ms (crash 2 of 3 allowed in the window)', announce: true },
      { type: 'schedule-restart', delayMs: 200 },
    ]);
  });

  it('too many crashes: failed with the breaker open, announced, settled, no restart', () => {
    const verdict = judgeCrash(policy, [1_000, 2_000], 3_000);
    const { state, effects } = run(idle, { type: 'crashed', why: 'exited with signal SIGKILL', verdict });
    expect(state).to.deep.equal({ status: 'failed', wanted: 'stopped' });
    expect(effects).to.deep.equal([
      { type: 'status', status: 'failed', previous: 'idle', reason: 'circuit breaker open: 3 crashes within 60000 ms (last exited with signal SIGKILL)', announce: true, circuitOpen: true },
      { type: 'circuit-open', crashes: 3, windowMs: 60_000 },
      { type: 'settled' },
    ]);
  });

  it('a first launch that fails ends failed and settled (no restart loop)', () => {
    const { state, effects } = run({ status: 'starting', wanted: 'running' }, { type: 'launch-failed', message: 'spawn ENOENT' });
    expect(state).to.deep.equal({ status: 'failed', wanted: 'stopped' });
    expect(effects).to.deep.equal([{ type: 'status', status: 'failed', previous: 'starting', reason: 'could not start: spawn ENOENT', announce: true }, { type: 'settled' }]);
  });
  it('a usage limit parks a running agent (with its code), never a crash; the reset brings it back to idle (or over-budget)', () => {
    const reason = 'usage limit reached (five_hour): resumes at 2026-11-28T15:00:00.000Z';
    for (const from of ['working', 'idle', 'waiting-approval', 'stalled', 'over-budget'] as const) {
      const { state, effects } = run({ status: from, wanted: 'running' }, { type: 'limited', reason, correlationId: 'c1' });
      expect(state, from).to.deep.equal({ status: 'parked', wanted: 'running' });
      expect(effects, from).to.deep.equal([{ type: 'status', status: 'parked', previous: from, reason, reasonCode: 'nox:agent-parked', announce: true, correlationId: 'c1' }]);
    }
    const parked: MachineState = { status: 'parked', wanted: 'running' };
    expect(run(parked, { type: 'limited', reason: 'later' }).effects, 'a new reset time is announced').to.have.length(1);
    expect(run(parked, { type: 'limit-reset', overBudget: false }).effects).to.deep.equal([{ type: 'status', status: 'idle', previous: 'parked', reason: 'usage limit reset', announce: true }]);
    expect(run(parked, { type: 'limit-reset', overBudget: true }).state.status).to.equal('over-budget');
    // no process to hold: the status stays, the next launch is parked
    for (const from of ['starting', 'restarting', 'stopping', 'stopped', 'failed'] as const) expect(run({ status: from, wanted: 'running' }, { type: 'limited', reason }).effects, from).to.deep.equal([]);
    const launched = run({ status: 'starting', wanted: 'running' }, { type: 'launched', resumed: true, overBudget: false, parked: { reason } });
    expect(launched.state.status).to.equal('parked');
    expect(launched.effects[0]).to.deep.include({ status: 'parked', reason, reasonCode: 'nox:agent-parked' });
    expect(run({ status: 'working', wanted: 'running' }, { type: 'limit-reset', overBudget: false }).effects, 'a reset outside a park changes nothing').to.deep.equal([]);
    // the CLI's own retry got through a rate limit within the turn
    expect(run(parked, { type: 'output-resumed' }).effects[0]).to.deep.include({ status: 'working', reason: 'the CLI got through the rate limit' });
  });

  it('a silent turn stalls (only while working); output returns it to working; its end or an interrupt to idle', () => {
    const working: MachineState = { status: 'working', wanted: 'running' };
    const { state, effects } = run(working, { type: 'stalled', silentMs: 600_000, correlationId: 'c2' });
    expect(state.status).to.equal('stalled');
    expect(effects).to.deep.equal([{ type: 'status', status: 'stalled', previous: 'working', reason: 'no output for 600 s', reasonCode: 'nox:agent-stalled', announce: true, correlationId: 'c2' }]);
    expect(run(working, { type: 'stalled', silentMs: 300 }).effects[0]).to.deep.include({ reason: 'no output for 300 ms' });
    for (const from of ['waiting-approval', 'idle', 'parked', 'stopping'] as const) expect(run({ status: from, wanted: 'running' }, { type: 'stalled', silentMs: 1 }).effects, from).to.deep.equal([]);
    expect(run(state, { type: 'output-resumed' }).effects).to.deep.equal([{ type: 'status', status: 'working', previous: 'stalled', reason: 'output resumed', announce: true }]);
    expect(run(state, { type: 'turn-ended', overBudget: false }).state.status).to.equal('idle');
    expect(run(idle, { type: 'output-resumed' }).effects).to.deep.equal([]);
  });
});
