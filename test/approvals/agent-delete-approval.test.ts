import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { agentStoreFor } from '../../shared/agents/agent-store.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addAgentRequestHost, waitHistory, waitAgentRequest, type AgentRequestHost, type AgentRequestView } from './agent-request-host.js';

/**
 * DELETE /api/agents/:id is a delete_agent approval: a running agent is refused at once
 * (409) as before; then the policy decides — by default a person (202, the deletion
 * happens once approved), or a rule at once (204 / 403).
 */
type Waiting = { id: string; status: string; approval_id: string; request: { kind: string; status: string; requested_by: string } };

describe('deleting an agent waits for a delete_agent approval', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  let worker: AgentRequestHost;

  const waitRequest = (approvalId: string, status: string): Promise<AgentRequestView> => waitAgentRequest(stack, approvalId, status);
  const inToml = (id: string): boolean => {
    const file = path.join(stack.config.registryDir, 'agents.toml');
    return existsSync(file) && (parse(readFileSync(file, 'utf8')) as { agents?: Record<string, unknown> }).agents?.[id] !== undefined;
  };
  const askDelete = (id: string): Promise<Waiting> => stack.json<Waiting>('DELETE', `/api/agents/${id}`, 202, { role: 'operator' });

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    worker = await addAgentRequestHost(stack);
  });
  after(async () => {
    await worker.close();
    await stack.cleanup();
  });

  it('202 pending; the person who asked may approve it; then the agent is gone (config, runtime, event)', async () => {
    await stack.createAgent({ id: 'doomed', name: 'Doomed' });
    const waiting = await askDelete('doomed');
    expect(waiting).to.deep.include({ id: 'doomed', status: 'pending' });
    expect(waiting.request).to.include({ kind: 'delete', status: 'pending', requested_by: 'user:test-operator' });
    expect((await stack.call('GET', '/api/agents/doomed')).status, 'still there while it waits').to.equal(200);
    const approval = await stack.json<ApprovalRequest>('GET', `/api/approvals/${waiting.approval_id}`, 200);
    expect(approval).to.include({ request_type: 'delete_agent', agent_id: 'doomed', requested_by: 'user:test-operator', risk_level: 'high' });
    expect(approval.details.agent).to.equal('doomed');
    expect(approval.description).to.include('delete agent doomed');

    // the same person approves their own deletion request (the own-request rule is about agents)
    await stack.json('POST', `/api/approvals/${waiting.approval_id}/approve`, 200, { role: 'operator', body: { reason: 'cleanup' } });
    const done = await waitRequest(waiting.approval_id, 'done');
    expect(done.result).to.include({ removed: true });
    expect((await stack.call('GET', '/api/agents/doomed')).status).to.equal(404);
    expect(inToml('doomed')).to.equal(false);
    const deleted = (await stack.events('agent.deleted')).filter((e) => e.agentId === 'doomed');
    expect(deleted).to.have.length(1);
    expect(deleted[0]!.data).to.include({ by: 'user:test-operator', approvalId: waiting.approval_id, approvedBy: 'user:test-operator' });
    expect(await waitHistory(stack, waiting.approval_id)).to.include({ request_type: 'delete_agent', decision: 'approve', reason: 'cleanup', agent: 'doomed' });
  });

  it('denied: the agent stays, and the reason is recorded in approval-history.toml', async () => {
    await stack.createAgent({ id: 'keeper' });
    const waiting = await askDelete('keeper');
    await stack.json('POST', `/api/approvals/${waiting.approval_id}/deny`, 200, { role: 'admin', body: { reason: 'still needed' } });
    const denied = await waitRequest(waiting.approval_id, 'denied');
    expect(denied.error).to.include('still needed');
    expect((await stack.call('GET', '/api/agents/keeper')).status).to.equal(200);
    expect(inToml('keeper')).to.equal(true);
    expect(await waitHistory(stack, waiting.approval_id)).to.include({ request_type: 'delete_agent', decision: 'deny', reason: 'still needed', decided_by: 'user:test-admin', agent: 'keeper' });
    const told = (await stack.events('agent.delete-denied')).filter((e) => e.agentId === 'keeper');
    expect(told).to.have.length(1);
    expect(told[0]!.data).to.include({ approvalId: waiting.approval_id, requestedBy: 'user:test-operator' });
  });

  it('an agent started while its deletion waited is not deleted when it is approved: failed, with the reason', async () => {
    await stack.createAgent({ id: 'busy' });
    const waiting = await askDelete('busy');
    await stack.startAgent('busy');
    await stack.json('POST', `/api/approvals/${waiting.approval_id}/approve`, 200, { role: 'operator' });
    const failed = await waitRequest(waiting.approval_id, 'failed');
    expect(failed.error).to.include('nox:agent-running');
    expect((await stack.call('GET', '/api/agents/busy')).status).to.equal(200);
    expect((await stack.runtime('busy'))?.status).to.equal('idle');
    const told = (await stack.events('agent.delete-failed')).filter((e) => e.agentId === 'busy');
    expect((told[0]?.data as { reason: string } | undefined)?.reason).to.include('stop it first');
    // a running agent is refused at once, without an approval
    const now = await stack.call('DELETE', '/api/agents/busy', { role: 'operator' });
    expect(now.status).to.equal(409);
    expect(((await now.json()) as { code: string }).code).to.equal('nox:agent-running');
  });

  it('asking again while a deletion waits gets the same approval; a namesake created after the request is never deleted by it', async () => {
    await stack.createAgent({ id: 'phoenix' });
    const first = await askDelete('phoenix');
    const again = await askDelete('phoenix');
    expect(again.approval_id, 'one approval for one deletion').to.equal(first.approval_id);
    // meanwhile the agent goes away some other way (a hand edit of agents.toml) and a new one takes its id
    await agentStoreFor(stack.apiCtx).remove('phoenix', 'user:test-admin');
    await stack.createAgent({ id: 'phoenix', name: 'Phoenix again' });
    await stack.json('POST', `/api/approvals/${first.approval_id}/approve`, 200, { role: 'operator' });
    const failed = await waitRequest(first.approval_id, 'failed');
    expect(failed.error).to.include('nox:agent-replaced');
    expect((await stack.json<{ name: string }>('GET', '/api/agents/phoenix', 200)).name).to.equal('Phoenix again');
  });

  it('a policy rule decides at once: approve → 204, the agent is gone; deny → 403 nox:approval-denied, it stays', async () => {
    await stack.json('PUT', '/api/approvals/policy', 200, {
      body: {
        rules: [
          { action: 'approve', types: ['delete_agent'], agents: ['scratch'], note: 'scratch agents go' },
          { action: 'deny', types: ['delete_agent'], agents: ['precious'], note: 'never delete precious' },
        ],
      },
    });
    await stack.createAgent({ id: 'scratch' });
    await stack.createAgent({ id: 'precious' });
    await stack.json('DELETE', '/api/agents/scratch', 204, { role: 'operator' });
    expect((await stack.call('GET', '/api/agents/scratch')).status).to.equal(404);
    const { approvals } = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?type=delete_agent&agent=scratch', 200);
    expect(approvals).to.have.length(1);
    expect(approvals[0]).to.include({ status: 'approved', decided_by: 'policy', policy_rule: 'rules[0]' });
    expect((await stack.json<AgentRequestView>('GET', `/api/agent-requests/${approvals[0]!.id}`, 200)).status).to.equal('done');

    const refused = await stack.call('DELETE', '/api/agents/precious', { role: 'operator' });
    expect(refused.status).to.equal(403);
    const problem = (await refused.json()) as { code: string; approval_id: string; reason: string };
    expect(problem.code).to.equal('nox:approval-denied');
    expect(problem.reason).to.include('never delete precious');
    expect((await stack.call('GET', '/api/agents/precious')).status).to.equal(200);
    expect(await waitHistory(stack, problem.approval_id)).to.include({ decision: 'deny', decided_by: 'policy', agent: 'precious' });
  });

  it('a viewer may not ask; an unknown agent is a 404 before any approval', async () => {
    expect((await stack.call('DELETE', '/api/agents/keeper', { role: 'viewer' })).status).to.equal(403);
    const missing = await stack.call('DELETE', '/api/agents/nobody-here', { role: 'operator' });
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { code: string }).code).to.equal('nox:agent-not-found');
    expect((await stack.call('GET', '/api/agent-requests/ap-0000', { role: 'viewer' })).status).to.equal(404);
  });
});
