import { expect } from 'chai';
import { isSameProcess } from '../../workers/agents/proc-info.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('host restart: leftovers are killed or adopted, an agent never runs twice', () => {
  let stack: AgentStack;
  before(async () => {
    // these cases are about a host restarted on the same machine: no failover to the other host
    stack = await startAgentStack({ overrides: { 'agent.failover': false } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('a host restarted on the same machine kills the old processes and resumes their sessions', async () => {
    const old = stack.hosts[0]!;
    await stack.createAgent({ id: 'adopt-1' });
    await stack.createAgent({ id: 'adopt-2' });
    const a1 = await stack.startAgent('adopt-1');
    const a2 = await stack.startAgent('adopt-2');
    await stack.turn('adopt-1', 'before the crash');
    await stack.waitResult('adopt-1', 1);
    await stack.waitStatus('adopt-1', 'idle');

    await stack.crashHost(old);
    // the processes outlive their host (own process groups, detached)
    expect(isSameProcess(a1.pid!, 0)).to.equal(true);
    expect(isSameProcess(a2.pid!, 0)).to.equal(true);

    const fresh = await stack.addHost({ 'worker.host_id': old.id });
    await waitUntil(() => !isSameProcess(a1.pid!, 0) && !isSameProcess(a2.pid!, 0), 5000);
    const r1 = await stack.waitStatus('adopt-1', 'idle');
    expect(r1.hostId).to.equal(fresh.id);
    expect(r1.pid).to.not.equal(a1.pid);
    expect(r1.sessionId).to.equal(a1.sessionId);
    expect(fresh.agents.manager.running()).to.equal(2);
    const adopted = await stack.events('agent.adopted');
    expect((adopted.at(-1)!.data as { killed: string[]; resumed: string[] }).resumed.sort()).to.deep.equal(['adopt-1', 'adopt-2']);

    await stack.turn('adopt-1', 'history');
    expect((await stack.waitResult('adopt-1', 2)).text).to.equal('history 2');
    // the stale owner claim is gone: nobody else may start it
    expect(await stack.apiCtx.redis.get(stack.apiCtx.keys.agentOwner('adopt-1'))).to.equal(fresh.id);
  });

  it('leaves alone the agents of another live host on the same machine', async () => {
    const other = await stack.addHost();
    await stack.createAgent({ id: 'theirs' });
    await stack.apiCtx.queue(stack.apiCtx.keys.hostQueue(other.id)).add('agent.start', { agentId: 'theirs', correlationId: 'x', requestedBy: 'system' }, { priority: 5 });
    const r = await stack.waitStatus('theirs', 'idle');
    expect(r.hostId).to.equal(other.id);
    const third = await stack.addHost();
    expect(third.agents.manager.get('theirs')).to.equal(undefined);
    expect(isSameProcess(r.pid!, 0)).to.equal(true);
  });

  it('stopping an agent whose host is gone records it stopped instead of leaving it "running"', async () => {
    const h = await stack.addHost();
    await stack.createAgent({ id: 'orphaned' });
    await stack.apiCtx.queue(stack.apiCtx.keys.hostQueue(h.id)).add('agent.start', { agentId: 'orphaned', correlationId: 'y', requestedBy: 'system' }, { priority: 5 });
    await stack.waitStatus('orphaned', 'idle');
    await stack.crashHost(h);
    const res = await stack.json<{ status: string; hostGone: boolean }>('POST', '/api/agents/orphaned/stop', 202);
    expect(res).to.include({ status: 'stopped', hostGone: true });
    const r = (await stack.runtime('orphaned'))!;
    expect(r.status).to.equal('stopped');
    expect(r.reason).to.match(/is gone; marked stopped/);
    expect(await stack.apiCtx.redis.get(stack.apiCtx.keys.agentOwner('orphaned'))).to.equal(null);

    // a host restarted on that machine kills the leftover process but does not resume an agent a person stopped
    expect(r.pid).to.equal(undefined);
    const again = await stack.addHost({ 'worker.host_id': h.id });
    expect(again.agents.manager.get('orphaned')).to.equal(undefined);
    const report = (await stack.events('agent.adopted')).at(-1)!.data as { killed: string[]; resumed: string[]; skipped: string[] };
    expect(report.killed).to.include('orphaned');
    expect(report.resumed).to.not.include('orphaned');
    expect((await stack.runtime('orphaned'))!.status).to.equal('stopped');
  });
});
