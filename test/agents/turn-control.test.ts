import { expect } from 'chai';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('turns: tool permission, budget, interrupt', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  it('answers can_use_tool from the agent config: allowed tools run, others are denied with a reason', async () => {
    await stack.createAgent({ id: 'perm', allowed_tools: ['Bash(git:*)', 'Read'] });
    await stack.startAgent('perm');
    await stack.turn('perm', 'ask Bash {"command":"git status"}');
    await stack.turn('perm', 'ask Bash {"command":"rm -rf /"}');
    await stack.turn('perm', 'ask Write {"file_path":"x"}');
    expect((await stack.waitResult('perm', 1)).text).to.equal('tool Bash done');
    expect((await stack.waitResult('perm', 2)).text).to.equal('tool Bash was denied');
    const third = await stack.waitResult('perm', 3);
    expect(third.text).to.equal('tool Write was denied');
    expect((third.raw.permission_denials as unknown[]).length).to.equal(1);

    const page = await stack.json<{ entries: { kind: string; raw: { message?: { content?: { content?: string; is_error?: boolean }[] } } }[] }>('GET', '/api/agents/perm/conversation?limit=1000', 200);
    const toolResults = page.entries.filter((e) => e.kind === 'tool-result').map((e) => e.raw.message?.content?.[0]);
    expect(toolResults[0]?.is_error).to.equal(false);
    expect(toolResults[0]?.content).to.contain('git status');
    expect(toolResults[1]?.is_error).to.equal(true);
    expect(toolResults[1]?.content).to.match(/not in the allowed tools of agent perm/);

    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'perm').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.include('waiting-approval');
    const decisions = (await stack.events('agent.permission')).filter((e) => e.agentId === 'perm').map((e) => (e.data as { behavior: string }).behavior);
    expect(decisions).to.deep.equal(['allow', 'deny', 'deny']);
  });

  it('enforces max_budget_usd across the agent’s life: over-budget, an event, no new turns', async () => {
    await stack.createAgent({ id: 'budget', max_budget_usd: 0.02 });
    await stack.startAgent('budget');
    await stack.turn('budget', 'one');
    await stack.turn('budget', 'two');
    await stack.waitResult('budget', 2);
    const over = await stack.waitStatus('budget', 'over-budget');
    expect(over.costUsd).to.be.closeTo(0.02, 1e-9);
    expect((await stack.events('agent.budget-exceeded')).some((e) => e.agentId === 'budget')).to.equal(true);
    // refused at the API (and by the host, should a turn slip through): nothing reaches the CLI
    const refused = await stack.call('POST', '/api/agents/budget/turn', { body: { text: 'three' } });
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { code: string }).code).to.equal('nox:agent-over-budget');
    const page = await stack.json<{ entries: { kind: string }[] }>('GET', '/api/agents/budget/conversation?limit=1000', 200);
    expect(page.entries.filter((e) => e.kind === 'turn')).to.have.length(2);
    // a restart keeps the spent money: still over budget
    await stack.json('POST', '/api/agents/budget/restart', 202);
    await waitUntil(async () => (await stack.events('agent.status')).filter((e) => e.agentId === 'budget' && (e.data as { status: string }).status === 'starting').length >= 2);
    const again = await stack.waitStatus('budget', 'over-budget');
    expect(again.costUsd).to.be.closeTo(0.02, 1e-9);
  });

  it('interrupts a hanging turn with a control request; the agent is idle again and takes the next turn', async () => {
    await stack.createAgent({ id: 'intr' });
    await stack.startAgent('intr');
    await stack.turn('intr', 'hang');
    await stack.waitStatus('intr', 'working');
    const res = await stack.json<{ hostId: string }>('POST', '/api/agents/intr/interrupt', 202);
    expect(res.hostId).to.equal(stack.hosts[0]!.id);
    const aborted = await stack.waitResult('intr', 1);
    expect(aborted.raw.subtype).to.equal('error_during_execution');
    expect(aborted.raw.terminal_reason).to.equal('aborted_streaming');
    await stack.waitStatus('intr', 'idle');
    await stack.turn('intr', 'after');
    expect((await stack.waitResult('intr', 2)).text).to.equal('echo: after');
  });

  it('refuses commands for an agent that is not running with 409', async () => {
    await stack.createAgent({ id: 'idle-never' });
    const res = await stack.call('POST', '/api/agents/idle-never/turn', { body: { text: 'hi' } });
    expect(res.status).to.equal(409);
    expect(((await res.json()) as { code: string }).code).to.equal('nox:agent-not-running');
  });
});
