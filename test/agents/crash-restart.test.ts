import { expect } from 'chai';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('agent crashes: restart with backoff and --resume, circuit breaker, reset', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.circuit_max_crashes': 3, 'agent.restart_backoff_ms': 50 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('restarts a crashed agent on the same session and keeps its cost across processes', async () => {
    await stack.createAgent({ id: 'crashy' });
    const first = await stack.startAgent('crashy');
    await stack.turn('crashy', 'one');
    await stack.waitResult('crashy', 1);
    await stack.waitStatus('crashy', 'idle');

    await stack.turn('crashy', 'crash 7');
    const restarted = await stack.waitStatus('crashy', 'idle', 10_000).then(async () => {
      // wait for the new process (the status passes crashed → restarting → starting → idle)
      let r = await stack.runtime('crashy');
      while (r?.pid === first.pid) {
        await new Promise((res) => setTimeout(res, 50));
        r = await stack.waitStatus('crashy', 'idle');
      }
      return r!;
    });
    expect(restarted.pid).to.not.equal(first.pid);
    expect(restarted.sessionId).to.equal(first.sessionId);
    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'crashy').map((e) => (e.data as { status: string }).status);
    const crashed = statuses.indexOf('crashed');
    expect(crashed, statuses.join(',')).to.be.at.least(0);
    expect(statuses.slice(crashed, crashed + 4)).to.deep.equal(['crashed', 'restarting', 'starting', 'idle']);
    expect((await stack.events('agent.status')).some((e) => e.agentId === 'crashy' && (e.data as { reason?: string }).reason === 'resumed')).to.equal(true);

    // the session file kept every user turn: the resumed process sees them (one, crash 7, history)
    await stack.turn('crashy', 'history');
    const history = await stack.waitResult('crashy', 2);
    expect(history.text).to.equal('history 3');
    // cost: 0.01 from the first process + 0.01 from the second; the second's cumulative figure restarts at 0
    const after = await stack.waitStatus('crashy', 'idle');
    expect(after.costUsd).to.be.closeTo(0.02, 1e-9);
    expect(after.turns).to.equal(2);
  });

  it('opens the circuit breaker after too many crashes in the window (failed), and reset closes it', async () => {
    await stack.createAgent({ id: 'breaker' });
    await stack.startAgent('breaker');
    for (let i = 0; i < 3; i++) {
      await stack.waitStatus('breaker', ['idle', 'failed']);
      if ((await stack.runtime('breaker'))?.status === 'failed') break;
      const before = (await stack.runtime('breaker'))?.pid;
      await stack.turn('breaker', 'crash');
      // wait until that process is gone
      for (let t = 0; t < 200; t++) {
        const r = await stack.runtime('breaker');
        if (r?.pid !== before || r?.status === 'failed') break;
        await new Promise((res) => setTimeout(res, 25));
      }
    }
    const failed = await stack.waitStatus('breaker', 'failed');
    expect(failed.circuitOpen).to.equal(true);
    expect(failed.reason).to.match(/circuit breaker open: 3 crashes/);
    expect((await stack.events('agent.circuit-open')).some((e) => e.agentId === 'breaker')).to.equal(true);

    const refused = await stack.call('POST', '/api/agents/breaker/start');
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { code: string }).code).to.equal('nox:agent-failed');

    await stack.json('POST', '/api/agents/breaker/reset', 202);
    const back = await stack.waitStatus('breaker', 'idle');
    expect(back.circuitOpen).to.equal(false);
    await stack.turn('breaker', 'alive again');
    expect((await stack.waitResult('breaker', 1)).text).to.equal('echo: alive again');
  });

  it('an agent whose program will not start at all ends failed, not in a restart loop', async () => {
    const bad = await startAgentStack({ overrides: { 'agent.circuit_max_crashes': 2, 'agent.restart_backoff_ms': 20, 'agent.env': { FAKE_CLAUDE_CRASH_ON_START: '1' } } });
    try {
      await bad.createAgent({ id: 'nostart' });
      await bad.json('POST', '/api/agents/nostart/start', 202);
      const failed = await bad.waitStatus('nostart', 'failed');
      expect(failed.reason).to.match(/code 5/);
      expect(bad.hosts[0]!.agents.manager.running()).to.equal(0);
    } finally {
      await bad.cleanup();
    }
  });
});
