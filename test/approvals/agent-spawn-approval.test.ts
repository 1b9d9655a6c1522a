import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addAgentRequestHost, turnsOf, waitHistory, waitAgentRequest, type AgentRequestHost, type AgentRequestView } from './agent-request-host.js';

/**
 * An agent principal's POST /api/agents (what the tools server's spawn_agent calls) is a
 * spawn_agent approval: the spawn guards refuse at once as before, then the policy
 * decides — by default a person, since spawning is high risk. Real API, registry writer,
 * a worker host like `nox worker` (stand-in agents, messages, approvals, the decision watcher).
 */
type Waiting = { id: string; status: string; approval_id: string; request: { kind: string; status: string; requested_by: string } };

describe('spawn by an agent waits for a spawn_agent approval', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  let worker: AgentRequestHost;
  const boss = { token: tokenFor('agent', 'boss', 'boss') };

  const waitRequest = (approvalId: string, status: string): Promise<AgentRequestView> => waitAgentRequest(stack, approvalId, status);
  const waitAsked = (approvalId: string): Promise<void> =>
    waitUntil(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === approvalId), 15_000);

  before(async () => {
    stack = await startAgentStack({ hosts: 0, overrides: { 'agent.max_depth': 1 } });
    worker = await addAgentRequestHost(stack, { 'agent.max_depth': 1 });
    await stack.createAgent({ id: 'boss' });
    await stack.createAgent({ id: 'rival' });
    await stack.startAgent('boss');
  });
  after(async () => {
    await worker.close();
    await stack.cleanup();
  });

  it('202 with a pending spawn_agent approval; nothing is created until a person approves; then the child exists and runs', async () => {
    const waiting = await stack.json<Waiting>('POST', '/api/agents', 202, { ...boss, body: { id: 'kid-1', name: 'Kid', model: 'claude-fake', allowed_tools: ['Read'], start: true } });
    expect(waiting).to.deep.include({ id: 'kid-1', status: 'pending' });
    expect(waiting.approval_id).to.match(/^ap-/);
    expect(waiting.request).to.include({ kind: 'spawn', status: 'pending', requested_by: 'agent:boss' });
    await waitAsked(waiting.approval_id);
    expect((await stack.call('GET', '/api/agents/kid-1')).status, 'not created before the approval').to.equal(404);

    const approval = await stack.json<ApprovalRequest>('GET', `/api/approvals/${waiting.approval_id}`, 200, { role: 'viewer' });
    expect(approval).to.include({ request_type: 'spawn_agent', agent_id: 'boss', requested_by: 'agent:boss', risk_level: 'high', status: 'pending' });
    expect(approval.details.agent).to.equal('kid-1');
    expect(approval.description).to.include('boss').and.include('kid-1').and.include('claude-fake').and.include('Read');
    // the requesting agent may read its approval but never decide it
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${waiting.approval_id}`, 200, boss)).status).to.equal('pending');
    const own = await stack.call('POST', `/api/approvals/${waiting.approval_id}/approve`, boss);
    expect(own.status).to.equal(403);
    expect(((await own.json()) as { code: string }).code).to.equal('nox:approval-own-request');

    // a retried spawn_agent waits on the same approval; another agent may not take the id meanwhile
    const again = await stack.json<Waiting>('POST', '/api/agents', 202, { ...boss, body: { id: 'kid-1', start: true } });
    expect(again.approval_id).to.equal(waiting.approval_id);
    const rival = await stack.call('POST', '/api/agents', { token: tokenFor('agent', 'rival', 'rival'), body: { id: 'kid-1' } });
    expect(rival.status).to.equal(409);
    expect(((await rival.json()) as { code: string }).code).to.equal('nox:agent-request-open');

    await stack.json('POST', `/api/approvals/${waiting.approval_id}/approve`, 200, { role: 'operator', body: { reason: 'go' } });
    const done = await waitRequest(waiting.approval_id, 'done');
    expect(done.result).to.include({ created: true, started: true, spawn_job_id: `spawn-${waiting.approval_id}` });
    const kid = await stack.json<{ parent: string; model: string; allowed_tools: string[] }>('GET', '/api/agents/kid-1', 200);
    expect(kid).to.deep.include({ parent: 'boss', model: 'claude-fake', allowed_tools: ['Read'] });
    await stack.waitStatus('kid-1', 'idle');
    const created = (await stack.events('agent.created')).filter((e) => e.agentId === 'kid-1');
    expect(created).to.have.length(1);
    expect(created[0]!.data).to.include({ by: 'agent:boss', parent: 'boss', approvalId: waiting.approval_id, approvedBy: 'user:test-operator' });
    // the requester reads its request; another agent does not even learn it exists
    expect((await stack.json<AgentRequestView>('GET', `/api/agent-requests/${waiting.approval_id}`, 200, boss)).status).to.equal('done');
    expect((await stack.call('GET', `/api/agent-requests/${waiting.approval_id}`, { token: tokenFor('agent', 'kid-1', 'kid-1') })).status).to.equal(404);
  });

  it('denied: not created; the requesting agent is told (agent.spawn-denied, and a message in its inbox); the reason is in approval-history.toml', async () => {
    const waiting = await stack.json<Waiting>('POST', '/api/agents', 202, { ...boss, body: { id: 'kid-2', start: true } });
    await waitAsked(waiting.approval_id);
    await stack.json('POST', `/api/approvals/${waiting.approval_id}/deny`, 200, { role: 'operator', body: { reason: 'not now' } });
    const denied = await waitRequest(waiting.approval_id, 'denied');
    expect(denied.error).to.include('not now').and.include('user:test-operator');
    expect((await stack.call('GET', '/api/agents/kid-2')).status).to.equal(404);

    const told = (await stack.events('agent.spawn-denied')).filter((e) => (e.data as { approvalId: string }).approvalId === waiting.approval_id);
    expect(told).to.have.length(1);
    expect(told[0]).to.deep.include({ agentId: 'boss' });
    expect(told[0]!.data).to.include({ child: 'kid-2', decidedBy: 'user:test-operator' });
    // the message reaches the running parent as a turn
    let turns: string[] = [];
    await waitUntil(async () => {
      turns = await turnsOf(stack, 'boss');
      return turns.some((t) => t.includes('kid-2'));
    }, 15_000).catch(() => {
      throw new Error(`boss was not told: ${JSON.stringify(turns)}`);
    });
    expect(turns.find((t) => t.includes('kid-2'))).to.include('denied').and.include('not now').and.include(waiting.approval_id);

    const history = await waitHistory(stack, waiting.approval_id);
    expect(history).to.include({ request_type: 'spawn_agent', decision: 'deny', reason: 'not now', agent: 'kid-2', agent_id: 'boss', decided_by: 'user:test-operator' });
  });

  it('the spawn guards and a taken id still refuse at once, with no approval', async () => {
    const kid = { token: tokenFor('agent', 'kid-1', 'kid-1') };
    const deep = await stack.call('POST', '/api/agents', { ...kid, body: { id: 'grandkid', start: true } });
    expect(deep.status).to.equal(422);
    expect(((await deep.json()) as { code: string }).code).to.equal('nox:spawn-depth-exceeded');
    const taken = await stack.call('POST', '/api/agents', { ...boss, body: { id: 'kid-1' } });
    expect(taken.status).to.equal(409);
    expect(((await taken.json()) as { code: string }).code).to.equal('nox:agent-exists');
    const { approvals } = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?type=spawn_agent&limit=500', 200);
    expect(approvals.map((a) => a.details.agent)).to.not.include('grandkid');
    expect(approvals.filter((a) => a.details.agent === 'kid-1')).to.have.length(1);
  });

  it('a policy rule decides without a person: approve → 201 at once; deny → 403 nox:approval-denied, recorded', async () => {
    await stack.json('PUT', '/api/approvals/policy', 200, {
      body: {
        rules: [
          { action: 'approve', types: ['spawn_agent'], agents: ['boss'], note: 'boss may spawn' },
          { action: 'deny', types: ['spawn_agent'], note: 'nobody else' },
        ],
      },
    });
    const created = await stack.json<{ id: string; parent: string; approval_id: string; spawnJobId?: string }>('POST', '/api/agents', 201, { ...boss, body: { id: 'kid-3', start: true } });
    expect(created).to.include({ id: 'kid-3', parent: 'boss', spawnJobId: `spawn-${created.approval_id}` });
    await stack.waitStatus('kid-3', 'idle');
    const approved = await stack.json<ApprovalRequest>('GET', `/api/approvals/${created.approval_id}`, 200);
    expect(approved).to.include({ status: 'approved', decided_by: 'policy', policy_rule: 'rules[0]' });

    await stack.createAgent({ id: 'other' });
    const denied = await stack.call('POST', '/api/agents', { token: tokenFor('agent', 'other', 'other'), body: { id: 'kid-4' } });
    expect(denied.status).to.equal(403);
    const problem = (await denied.json()) as { code: string; approval_id: string; reason: string };
    expect(problem.code).to.equal('nox:approval-denied');
    expect(problem.reason).to.include('nobody else');
    expect((await stack.call('GET', '/api/agents/kid-4')).status).to.equal(404);
    const line = await waitHistory(stack, problem.approval_id);
    expect(line).to.include({ request_type: 'spawn_agent', decision: 'deny', decided_by: 'policy', agent: 'kid-4' });
  });
});
