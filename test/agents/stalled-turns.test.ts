import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { agentWorkdir } from '../../workers/agents/claude-cli/command-line.js';
import { isSameProcess } from '../../workers/agents/proc-info.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

/**
 * Stalled turns (issue 18, item 5): a turn that writes nothing for `agent.stall_after_ms`
 * while its process lives makes the agent `stalled` with an `agent.stalled` event; output
 * returns it to working; `agent.stall_action` interrupts or restarts it. The stand-in's
 * `hang` writes nothing until interrupted; `await <file>` writes nothing until the file exists.
 *
 * A loaded machine may take longer than the short stall_after_ms these tests use to let the
 * stand-in start its turn: that first silence counts as a stall too (output then resumes), so
 * the sequences are read from the LAST stall on.
 */
const statusesOf = async (stack: AgentStack, agentId: string): Promise<string[]> =>
  (await stack.events('agent.status')).filter((e) => e.agentId === agentId).map((e) => (e.data as { status: string }).status);
const stalledEvents = async (stack: AgentStack, agentId: string): Promise<Record<string, unknown>[]> =>
  (await stack.events('agent.stalled')).filter((e) => e.agentId === agentId).map((e) => e.data as Record<string, unknown>);

/** A stack of its own for the enclosing describe (the stall settings are the host's). */
function stackWith(overrides: Record<string, unknown>): () => AgentStack {
  let stack: AgentStack | undefined;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.stall_after_ms': 300, ...overrides } });
  });
  after(async () => {
    await stack?.cleanup();
  });
  return () => stack!;
}

describe('stalled turns', function () {
  this.timeout(60_000);

  describe('stall_action = none', () => {
    const current = stackWith({});

    it('a silent turn becomes stalled (reason, code, event) while its process lives; output returns it to working', async () => {
      const stack = current();
      await stack.createAgent({ id: 'quiet' });
      const started = await stack.startAgent('quiet');
      // in the agent's workdir: the sandboxed stand-in sees it there
      const flag = path.join(agentWorkdir(stack.config, { id: 'quiet' }), 'go');
      await stack.turn('quiet', `await ${flag}`);
      const stalled = await stack.waitStatus('quiet', 'stalled');
      expect(stalled.reasonCode).to.equal('nox:agent-stalled');
      expect(stalled.reason).to.match(/^no output for \d+ m?s$/);
      expect(stalled.pid).to.equal(started.pid);
      expect(isSameProcess(started.pid!, 0)).to.equal(true);
      const [event] = await stalledEvents(stack, 'quiet');
      expect(event).to.include({ stallAfterMs: 300, action: 'none' });
      expect((await stack.runtime('quiet'))!.status, 'nothing acts on it').to.equal('stalled');
      expect(event!.silentMs as number).to.be.at.least(300);

      writeFileSync(flag, 'go');
      await waitUntil(async () => (await statusesOf(stack, 'quiet')).includes('idle') && (await stack.runtime('quiet'))?.status === 'idle', 10_000);
      const seq = await statusesOf(stack, 'quiet');
      expect(seq.slice(seq.lastIndexOf('stalled') - 1)).to.deep.equal(['working', 'stalled', 'working', 'idle']);
      expect((await stack.waitResult('quiet', 1)).text).to.equal('awaited');
      expect(await stalledEvents(stack, 'quiet'), 'one event per silence').to.have.length(seq.filter((s) => s === 'stalled').length);
    });

    it('an interrupt ends a stalled turn: idle, and the next turn runs', async () => {
      const stack = current();
      await stack.createAgent({ id: 'quiet-2' });
      await stack.startAgent('quiet-2');
      await stack.turn('quiet-2', 'hang');
      await stack.waitStatus('quiet-2', 'stalled');
      await stack.json('POST', '/api/agents/quiet-2/interrupt', 202);
      expect((await stack.waitResult('quiet-2', 1)).raw.subtype).to.equal('error_during_execution');
      await stack.waitStatus('quiet-2', 'idle');
      await stack.turn('quiet-2', 'after');
      expect((await stack.waitResult('quiet-2', 2)).text).to.equal('echo: after');
    });
  });

  describe('stall_action = interrupt', () => {
    const current = stackWith({ 'agent.stall_action': 'interrupt' });

    it('interrupts a hung turn with the control request: the turn ends, the same process takes the next one', async () => {
      const stack = current();
      await stack.createAgent({ id: 'hung' });
      const started = await stack.startAgent('hung');
      await stack.turn('hung', 'hang');
      await stack.turn('hung', 'next one');
      const aborted = await stack.waitResult('hung', 1);
      expect(aborted.raw.subtype).to.equal('error_during_execution');
      expect(aborted.raw.terminal_reason).to.equal('aborted_streaming');
      expect((await stack.waitResult('hung', 2)).text).to.equal('echo: next one');
      const [event] = await stalledEvents(stack, 'hung');
      expect(event).to.include({ action: 'interrupt' });
      expect((await stack.events('agent.interrupt')).filter((e) => e.agentId === 'hung').length).to.be.at.least(1);
      const seq = await statusesOf(stack, 'hung');
      const last = seq.lastIndexOf('stalled');
      expect(last).to.be.at.least(0);
      expect(seq.slice(last + 1).filter((s) => s !== 'working' && s !== 'idle'), 'then only the turns').to.deep.equal([]);
      const r = await stack.waitStatus('hung', 'idle');
      expect(r.pid).to.equal(started.pid);
      expect(r.restarts).to.equal(0);
    });
  });

  describe('stall_action = restart', () => {
    const current = stackWith({ 'agent.stall_action': 'restart' });

    it('restarts a hung agent on its session: a new process, not a crash', async () => {
      const stack = current();
      await stack.createAgent({ id: 'hung-r' });
      const started = await stack.startAgent('hung-r');
      await stack.turn('hung-r', 'hang');
      await waitUntil(async () => {
        const r = await stack.runtime('hung-r');
        return r?.status === 'idle' && r.pid !== started.pid;
      }, 10_000);
      const r = (await stack.runtime('hung-r'))!;
      expect(r.sessionId).to.equal(started.sessionId);
      expect(r.restarts).to.equal(1);
      expect(r.circuitOpen).to.equal(false);
      const seq = await statusesOf(stack, 'hung-r');
      expect(seq).to.not.include('crashed');
      expect(seq.slice(seq.lastIndexOf('stalled'))).to.deep.equal(['stalled', 'stopping', 'starting', 'idle']);
      expect((await stalledEvents(stack, 'hung-r'))[0]).to.include({ action: 'restart' });
    });
  });
});
