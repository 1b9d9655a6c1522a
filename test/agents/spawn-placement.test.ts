import { expect } from 'chai';
import { AGENT_JOB } from '../../shared/agents/agent-jobs.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('spawn queue: placement, idempotency, full hosts, guards', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({
      overrides: {
        'agent.max_depth': 1,
        'agent.max_spawn_rate_per_parent': 2,
        'agent.max_spawn_rate': 9,
        // an agent's create is a spawn_agent approval: approved at once here (the pending path: test/approvals/agent-spawn-approval.test.ts)
        'approvals.rules': [{ action: 'approve', types: ['spawn_agent'] }],
      },
      hostOverrides: { 'worker.capacity': 2 },
    });
    await stack.addHost({ 'worker.labels': { gpu: 'yes' }, 'worker.capacity': 3 });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('places an agent on a host carrying its labels', async () => {
    await stack.createAgent({ id: 'needs-gpu', labels: { gpu: 'yes' } });
    const r = await stack.startAgent('needs-gpu');
    expect(r.hostId).to.equal(stack.hosts[1]!.id);
  });

  it('gives up on an agent no host can take, with an agent.spawn-failed event', async () => {
    await stack.createAgent({ id: 'needs-tpu', labels: { tpu: 'yes' } });
    await stack.json('POST', '/api/agents/needs-tpu/start', 202);
    await waitUntil(async () => (await stack.events('agent.spawn-failed')).some((e) => e.agentId === 'needs-tpu'), 10_000);
    const failed = (await stack.events('agent.spawn-failed')).find((e) => e.agentId === 'needs-tpu')!;
    expect((failed.data as { reason: string }).reason).to.match(/no live host with free capacity and labels \{"tpu":"yes"\}/);
    // it never ran (no status), and says why (issue 15: never just "never started")
    const runtime = await stack.runtime('needs-tpu');
    expect(runtime?.status).to.equal('unknown');
    expect(runtime?.reason).to.match(/no live host with free capacity and labels \{"tpu":"yes"\}/);
    expect(runtime?.reasonCode).to.equal('nox:no-matching-host');
  });

  it('is idempotent: racing spawn jobs for one agent start one process', async () => {
    await stack.createAgent({ id: 'once' });
    const q = stack.apiCtx.queue('spawn');
    await Promise.all(
      [1, 2, 3, 4].map((i) => q.add(AGENT_JOB.spawn, { agentId: 'once', correlationId: `c${i}`, requestedBy: 'system' }, { priority: PRIORITY.high })),
    );
    await stack.waitStatus('once', 'idle');
    await new Promise((r) => setTimeout(r, 500));
    const owners = stack.hosts.filter((h) => h.agents.manager.get('once'));
    expect(owners).to.have.length(1);
    const starts = (await stack.events('agent.status')).filter((e) => e.agentId === 'once' && (e.data as { status: string }).status === 'starting');
    expect(starts).to.have.length(1);
  });

  it('a full host pauses its spawn worker and resumes it when an agent stops', async () => {
    const [h0, h1] = stack.hosts as [NonNullable<(typeof stack.hosts)[0]>, NonNullable<(typeof stack.hosts)[0]>];
    for (const id of ['fill-1', 'fill-2', 'fill-3']) {
      await stack.createAgent({ id });
      await stack.startAgent(id);
    }
    // capacity 2 + 3 = 5 slots: needs-gpu, once and three fillers fill them
    expect(h0.agents.manager.running() + h1.agents.manager.running()).to.equal(5);
    await waitUntil(() => h0.host.workers.get('spawn')!.isPaused() && h1.host.workers.get('spawn')!.isPaused());

    await stack.json('POST', '/api/agents/fill-1/stop', 202);
    await stack.waitStatus('fill-1', 'stopped');
    await waitUntil(() => !h0.host.workers.get('spawn')!.isPaused() || !h1.host.workers.get('spawn')!.isPaused());
  });

  it('refuses a spawn deeper than max_depth and past the per-parent rate, with clear errors', async () => {
    await stack.createAgent({ id: 'root' });
    await stack.createAgent({ id: 'child', parent: 'root' });
    await stack.createAgent({ id: 'grandchild', parent: 'child' });
    const deep = await stack.call('POST', '/api/agents/grandchild/start');
    expect(deep.status).to.equal(422);
    const problem = (await deep.json()) as { code: string; detail: string };
    expect(problem.code).to.equal('nox:spawn-depth-exceeded');
    expect(problem.detail).to.match(/depth 2; max_depth is 1/);
    const refusedEvent = (await stack.events('agent.spawn-refused')).find((e) => e.agentId === 'grandchild');
    expect((refusedEvent?.data as { code: string } | undefined)?.code).to.equal('nox:spawn-depth-exceeded');

    // an agent creates its own children through the API: parent is forced to itself (approved by the policy at once)
    const agentToken = tokenFor('agent', 'root', 'root');
    for (const id of ['kid-a', 'kid-b', 'kid-c']) {
      const created = await stack.json<{ parent: string; approval_id: string }>('POST', '/api/agents', 201, { token: agentToken, body: { id, parent: 'someone-else' } });
      expect(created.parent).to.equal('root');
      expect(created.approval_id).to.match(/^ap-/);
    }
    // two children of root per hour: stop one, the rate still counts it
    const fill2 = await stack.call('POST', '/api/agents/fill-2/stop');
    expect(fill2.status).to.equal(202);
    await stack.waitStatus('fill-2', 'stopped');
    await stack.json('POST', '/api/agents/kid-a/start', 202);
    await stack.waitStatus('kid-a', 'idle');
    await stack.json('POST', '/api/agents/kid-a/stop', 202);
    await stack.waitStatus('kid-a', 'stopped');
    await stack.json('POST', '/api/agents/kid-b/start', 202);
    await stack.waitStatus('kid-b', 'idle');
    const third = await stack.call('POST', '/api/agents/kid-c/start');
    expect(third.status).to.equal(429);
    expect(((await third.json()) as { code: string }).code).to.equal('nox:spawn-rate-exceeded');
  });

  it('refuses spawns past the cluster-wide hourly rate, at the spawn queue too (event agent.spawn-refused)', async () => {
    // 9 per hour overall; the tests above used 8: needs-gpu, needs-tpu (three attempts, counted once), once, 3 fillers, kid-a, kid-b
    await stack.createAgent({ id: 'rate-1' });
    await stack.createAgent({ id: 'rate-2' });
    await stack.json('POST', '/api/agents/kid-b/stop', 202);
    await stack.waitStatus('kid-b', 'stopped');
    await stack.startAgent('rate-1');
    // rate-1 is the 9th; jobs sent straight to the queue meet the same limit
    await stack.apiCtx.queue('spawn').add(AGENT_JOB.spawn, { agentId: 'rate-2', correlationId: 'direct', requestedBy: 'system' }, { priority: PRIORITY.high, attempts: 1 });
    await stack.apiCtx.queue('spawn').add(AGENT_JOB.spawn, { agentId: 'fill-1', correlationId: 'direct2', requestedBy: 'system' }, { priority: PRIORITY.high, attempts: 1 });
    const atQueue = async () => (await stack.events('agent.spawn-refused')).filter((e) => e.correlationId === 'direct' || e.correlationId === 'direct2');
    await waitUntil(async () => (await atQueue()).length >= 1, 5000);
    expect(((await atQueue())[0]!.data as { code: string }).code).to.equal('nox:spawn-rate-exceeded');
  });
});
