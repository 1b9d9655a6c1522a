import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { isSameProcess, processGroups, processStartTime } from '../../workers/agents/proc-info.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('agent lifecycle (stand-in CLI through the API and a worker host)', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  it('creates, starts, runs turns one at a time, counts cost and tokens, and stops', async () => {
    await stack.createAgent({ id: 'life-1', name: 'Life', system_prompt: 'be brief' });
    const started = await stack.startAgent('life-1');
    expect(started.hostId).to.equal(stack.hosts[0]!.id);
    expect(started.pid).to.be.a('number').above(0);
    expect(started.sessionId).to.match(/^[0-9a-f-]{36}$/);

    // two turns sent back to back: the second waits for the first's result
    await stack.turn('life-1', 'slow 300');
    await stack.turn('life-1', 'hello there');
    const first = await stack.waitResult('life-1', 1);
    const second = await stack.waitResult('life-1', 2);
    expect(first.text).to.equal('slow reply');
    expect(second.text).to.equal('echo: hello there');
    const idle = await stack.waitStatus('life-1', 'idle');
    expect(idle.turns).to.equal(2);
    expect(idle.costUsd).to.be.closeTo(0.02, 1e-9);
    expect(idle.inputTokens).to.equal(200);
    expect(idle.outputTokens).to.equal(40);

    const page = await stack.json<{ entries: { seq: number; kind: string }[] }>('GET', '/api/agents/life-1/conversation?limit=1000', 200);
    const kinds = page.entries.map((e) => e.kind);
    // init on every turn, the turns as sent, one assistant line per block, one result per turn
    expect(kinds.filter((k) => k === 'init')).to.have.length(2);
    expect(kinds.filter((k) => k === 'turn')).to.have.length(2);
    expect(kinds.filter((k) => k === 'result')).to.have.length(2);
    expect(kinds.indexOf('turn')).to.be.below(kinds.indexOf('init'));
    const seqs = page.entries.map((e) => e.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));

    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'life-1').map((e) => (e.data as { status: string }).status);
    expect(statuses.slice(0, 2)).to.deep.equal(['starting', 'idle']);
    expect(statuses).to.include('working');

    const pid = started.pid as number;
    await stack.json('POST', '/api/agents/life-1/stop', 202);
    const stopped = await stack.waitStatus('life-1', 'stopped');
    expect(stopped.pid).to.equal(undefined);
    await waitUntil(() => !isSameProcess(pid, 0), 3000);
  });

  it('stopping an agent takes its children (own process group)', async () => {
    await stack.createAgent({ id: 'life-kids' });
    const started = await stack.startAgent('life-kids');
    await stack.turn('life-kids', 'child');
    const result = await stack.waitResult('life-kids', 1);
    expect(Number(/child (\d+)/.exec(result.text ?? '')?.[1])).to.be.above(0);
    // the pid the stand-in reports is its sandbox's (its own pid namespace): find the child
    // from here, as a member of the agent's process group that runs `sleep`
    const pid = started.pid as number;
    const members = (processGroups(new Set([pid])).get(pid) ?? []).map((p) => ({ pid: p, startTime: processStartTime(p), cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8') }));
    expect(members.some((m) => m.cmd.startsWith('sleep')), JSON.stringify(members)).to.equal(true);
    await stack.json('POST', '/api/agents/life-kids/stop', 202);
    await stack.waitStatus('life-kids', 'stopped');
    await waitUntil(() => members.every((m) => !isSameProcess(m.pid, m.startTime)), 3000);
  });

  it('a line that does not parse is logged and skipped; the agent carries on', async () => {
    await stack.createAgent({ id: 'life-garbage' });
    await stack.startAgent('life-garbage');
    await stack.turn('life-garbage', 'garbage');
    expect((await stack.waitResult('life-garbage', 1)).text).to.equal('after garbage');
    const idle = await stack.waitStatus('life-garbage', 'idle');
    expect(idle.turns).to.equal(1);
    await stack.turn('life-garbage', 'still fine');
    expect((await stack.waitResult('life-garbage', 2)).text).to.equal('echo: still fine');
    expect(stack.hosts[0]!.agents.manager.get('life-garbage')?.status).to.equal('idle');
  });

  it('starting an agent that runs already does nothing', async () => {
    await stack.createAgent({ id: 'life-twice' });
    const first = await stack.startAgent('life-twice');
    const again = await stack.json<{ already?: boolean; hostId?: string }>('POST', '/api/agents/life-twice/start', 202);
    expect(again.already).to.equal(true);
    expect(again.hostId).to.equal(first.hostId);
    expect((await stack.runtime('life-twice'))?.pid).to.equal(first.pid);
    expect(stack.hosts[0]!.agents.manager.running()).to.be.at.least(1);
  });
});
