import { expect } from 'chai';
import { CLAIM_LEASE_MS, createAgentRequestStore } from '../../shared/agents/agent-requests.js';
import { enqueueAgentRequest } from '../../shared/approvals/approval-jobs.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addAgentRequestHost, waitAgentRequest, type AgentRequestHost, type AgentRequestView } from './agent-request-host.js';

/**
 * Acting on a spawn or deletion decision is durable and happens once: a decision taken
 * while no worker runs is acted on when one comes back (the sweep), duplicates of the job
 * do nothing, and an actor that died holding its claim is replaced after the lease.
 */
type Waiting = { approval_id: string };

describe('agent requests survive a restart of the worker side and act exactly once', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  let worker: AgentRequestHost | undefined;
  const boss = { token: tokenFor('agent', 'boss', 'boss') };

  const request = (id: string): Promise<AgentRequestView> => stack.json<AgentRequestView>('GET', `/api/agent-requests/${id}`, 200);
  const waitRequest = (id: string, status: string): Promise<AgentRequestView> => waitAgentRequest(stack, id, status);
  const spawn = async (id: string): Promise<string> => {
    const { approval_id } = await stack.json<Waiting>('POST', '/api/agents', 202, { ...boss, body: { id, start: true } });
    await waitUntil(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === approval_id), 15_000);
    return approval_id;
  };

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    worker = await addAgentRequestHost(stack);
    await stack.createAgent({ id: 'boss' });
  });
  after(async () => {
    await worker?.close();
    await stack.cleanup();
  });

  it('approved while the worker side is down: the next worker creates and starts the child, once', async () => {
    const approvalId = await spawn('late-kid');
    // the worker side goes away before the decision: nobody sees the approval.decided event
    await worker!.close();
    worker = undefined;
    await stack.json('POST', `/api/approvals/${approvalId}/approve`, 200, { role: 'operator' });
    await new Promise((r) => setTimeout(r, 800));
    expect((await request(approvalId)).status, 'nobody acted yet').to.equal('pending');
    expect((await stack.call('GET', '/api/agents/late-kid')).status).to.equal(404);

    // a worker comes back (a restart): its sweep finds the decided request
    worker = await addAgentRequestHost(stack);
    const done = await waitRequest(approvalId, 'done');
    expect(done.result).to.include({ created: true, started: true });
    await stack.waitStatus('late-kid', 'idle');

    // more sweeps and a duplicate job do nothing more
    await worker.watch.sweep.runNow();
    await enqueueAgentRequest(stack.apiCtx, approvalId);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await stack.events('agent.created')).filter((e) => e.agentId === 'late-kid')).to.have.length(1);
    const starts = (await stack.events('agent.status')).filter((e) => e.agentId === 'late-kid' && (e.data as { status: string }).status === 'starting');
    expect(starts, 'started once').to.have.length(1);
    const log = await stack.json<{ commits: { message: string }[] }>('GET', '/api/registry/history?path=agents.toml', 200);
    expect(log.commits.filter((c) => c.message.includes('create agent late-kid'))).to.have.length(1);
  });

  it('an actor that died holding the claim is replaced once the lease has passed; a live claim is left alone', async () => {
    const requests = createAgentRequestStore(stack.apiCtx.redis, stack.apiCtx.keys);
    // an API node claimed it, then died (its claim is older than the lease)
    const stale = await spawn('orphan-kid');
    expect(await requests.claim(stale, 'api:dead', Date.now() - CLAIM_LEASE_MS - 1000)).to.equal('claimed');
    // another API node holds a fresh claim
    const busy = await spawn('held-kid');
    expect(await requests.claim(busy, 'api:alive')).to.equal('claimed');

    await stack.json('POST', `/api/approvals/${stale}/approve`, 200, { role: 'operator' });
    await stack.json('POST', `/api/approvals/${busy}/approve`, 200, { role: 'operator' });
    await waitRequest(stale, 'done');
    expect((await stack.call('GET', '/api/agents/orphan-kid')).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await request(busy)).status, 'a live claim is not taken over').to.equal('acting');
    expect((await stack.call('GET', '/api/agents/held-kid')).status).to.equal(404);
    // the holder gives up (a passing failure): the sweep hands it to a job at once
    await requests.release(busy, 'api:alive');
    await waitRequest(busy, 'done');
    expect((await stack.call('GET', '/api/agents/held-kid')).status).to.equal(200);
  });

  it('a denial of a request whose claimer died is settled too (after the lease), and the parent told once', async () => {
    const requests = createAgentRequestStore(stack.apiCtx.redis, stack.apiCtx.keys);
    const id = await spawn('denied-kid');
    expect(await requests.claim(id, 'api:dead', Date.now() - CLAIM_LEASE_MS - 1000)).to.equal('claimed');
    await stack.json('POST', `/api/approvals/${id}/deny`, 200, { role: 'operator', body: { reason: 'no' } });
    await waitRequest(id, 'denied');
    expect((await stack.call('GET', '/api/agents/denied-kid')).status).to.equal(404);
    await worker!.watch.sweep.runNow();
    expect((await stack.events('agent.spawn-denied')).filter((e) => (e.data as { approvalId: string }).approvalId === id)).to.have.length(1);
  });
});

describe('agent requests: nobody decides', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  let worker: AgentRequestHost;
  before(async () => {
    stack = await startAgentStack({ hosts: 0, overrides: { 'approvals.timeout_ms': 1500 } });
    worker = await addAgentRequestHost(stack, { 'approvals.timeout_ms': 1500 });
    await stack.createAgent({ id: 'boss' });
    await stack.createAgent({ id: 'target' });
  });
  after(async () => {
    await worker.close();
    await stack.cleanup();
  });

  it('a spawn and a deletion nobody decides are denied by the timeout: not created, not deleted, the requester told', async () => {
    const spawn = await stack.json<Waiting>('POST', '/api/agents', 202, { token: tokenFor('agent', 'boss', 'boss'), body: { id: 'never-kid' } });
    const del = await stack.json<Waiting>('DELETE', '/api/agents/target', 202, { role: 'operator' });
    for (const id of [spawn.approval_id, del.approval_id]) {
      await waitUntil(async () => (await stack.json<AgentRequestView>('GET', `/api/agent-requests/${id}`, 200)).status === 'denied', 15_000);
      expect((await stack.json<AgentRequestView>('GET', `/api/agent-requests/${id}`, 200)).error).to.include('denied by system').and.include('approvals.timeout_ms');
    }
    expect((await stack.call('GET', '/api/agents/never-kid')).status).to.equal(404);
    expect((await stack.call('GET', '/api/agents/target')).status).to.equal(200);
    expect((await stack.events('agent.spawn-denied')).some((e) => e.agentId === 'boss')).to.equal(true);
    expect((await stack.events('agent.delete-denied')).some((e) => e.agentId === 'target')).to.equal(true);
  });
});
