import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import type { PolicyRule } from '../../shared/approvals/policy.js';
import { tokenFor } from '../support/harness.js';
import { until, startApprovalStack, type ApprovalStack } from './approval-stack.js';

describe('approvals API: who asks, who decides, remember', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  before(async () => {
    stack = await startApprovalStack();
  });
  after(async () => {
    await stack.cleanup();
  });

  const agentToken = (id: string) => tokenFor('agent', id, id);
  /** an agent's request_approval, pending until a person decides */
  const askAsAgent = async (agentId: string, body: Record<string, unknown> = {}): Promise<ApprovalRequest> => {
    const created = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { token: agentToken(agentId), body: { description: 'may I deploy to staging?', ...body } });
    return created;
  };

  it('an agent asks for itself: stored at once, then pending in the inbox; a person approves with a reason', async () => {
    const created = await askAsAgent('api-a1');
    expect(created).to.include({ agent_id: 'api-a1', request_type: 'custom', requested_by: 'agent:api-a1', auto_approve: false, status: 'pending', risk_level: 'medium' });
    expect(created.id).to.match(/^ap-[0-9a-f]{32}$/);
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === created.id));

    const inbox = await stack.json<{ approvals: ApprovalRequest[]; total: number }>('GET', '/api/approvals?status=pending', 200, { role: 'viewer' });
    expect(inbox.approvals.map((a) => a.id)).to.include(created.id);
    const mine = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?status=pending', 200, { token: agentToken('api-other') });
    expect(mine.approvals.map((a) => a.id), 'an agent lists only its own').to.not.include(created.id);
    expect((await stack.call('GET', `/api/approvals/${created.id}`, { token: agentToken('api-other') })).status).to.equal(404);

    const decided = await stack.json<ApprovalRequest>('POST', `/api/approvals/${created.id}/approve`, 200, { role: 'operator', body: { reason: 'go ahead' } });
    expect(decided).to.include({ status: 'approved', decision: 'approve', decided_by: 'user:test-operator', reason: 'go ahead' });
    const event = (await stack.events('approval.decided')).find((e) => (e.data as ApprovalRequest).id === created.id);
    expect(event?.agentId).to.equal('api-a1');
    expect(await stack.waitHistory(created.id)).to.include({ decision: 'approve', decided_by: 'user:test-operator', reason: 'go ahead' });
    const again = await stack.call('POST', `/api/approvals/${created.id}/deny`, { role: 'admin', body: { reason: 'too late' } });
    expect(again.status).to.equal(409);
  });

  it('a denial needs a reason, and is recorded with it', async () => {
    const created = await askAsAgent('api-a2');
    const noReason = await stack.call('POST', `/api/approvals/${created.id}/deny`, { role: 'operator', body: {} });
    expect(noReason.status).to.equal(400);
    expect(noReason.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const denied = await stack.json<ApprovalRequest>('POST', `/api/approvals/${created.id}/deny`, 200, { role: 'admin', body: { reason: 'not today' } });
    expect(denied).to.include({ status: 'denied', reason: 'not today', decided_by: 'user:test-admin' });
    expect(await stack.waitHistory(created.id)).to.include({ decision: 'deny', reason: 'not today' });
  });

  it('an agent cannot decide its own request (nor any other); a viewer cannot decide', async () => {
    const created = await askAsAgent('api-self');
    const own = await stack.call('POST', `/api/approvals/${created.id}/approve`, { token: agentToken('api-self'), body: {} });
    expect(own.status).to.equal(403);
    expect(((await own.json()) as { code: string }).code).to.equal('nox:approval-own-request');
    const other = await stack.call('POST', `/api/approvals/${created.id}/approve`, { token: agentToken('api-peer'), body: {} });
    expect(other.status).to.equal(403);
    expect(((await other.json()) as { code: string }).code).to.equal('nox:forbidden');
    const viewer = await stack.call('POST', `/api/approvals/${created.id}/deny`, { role: 'viewer', body: { reason: 'no' } });
    expect(viewer.status).to.equal(403);
    expect(((await viewer.json()) as { code: string }).code).to.equal('nox:forbidden');
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${created.id}`, 200)).status, 'still undecided').to.equal('pending');
  });

  it('an agent asks only for itself; people must name the agent; unknown ids are 404', async () => {
    const forOther = await stack.call('POST', '/api/approvals', { token: agentToken('api-a3'), body: { description: 'x', agent_id: 'api-a4' } });
    expect(forOther.status).to.equal(403);
    expect(((await forOther.json()) as { code: string }).code).to.equal('nox:approval-other-agent');
    const noAgent = await stack.call('POST', '/api/approvals', { role: 'operator', body: { description: 'x' } });
    expect(noAgent.status).to.equal(400);
    const missing = await stack.call('GET', '/api/approvals/ap-00000000000000000000000000000000');
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { code: string }).code).to.equal('nox:approval-not-found');
    const badFilter = await stack.call('GET', '/api/approvals?risk=extreme');
    expect(badFilter.status).to.equal(400);
  });

  it('lists page and filter', async () => {
    const a = await askAsAgent('api-list', { risk_level: 'critical', description: 'first' });
    const b = await askAsAgent('api-list', { description: 'second' });
    const page = await stack.json<{ approvals: ApprovalRequest[]; total: number; limit: number }>('GET', '/api/approvals?agent=api-list&limit=1', 200);
    expect(page.total).to.equal(2);
    expect(page.approvals).to.have.length(1);
    expect(page.approvals[0]!.id, 'newest first').to.equal(b.id);
    const critical = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?agent=api-list&risk=critical', 200);
    expect(critical.approvals.map((x) => x.id)).to.deep.equal([a.id]);
  });

  it('approving a tool use with remember adds a policy rule (a registry commit) and the next same question is approved by policy', async () => {
    const body = { request_type: 'tool_use', agent_id: 'api-rem', description: 'Bash make deploy', details: { tool: 'Bash', input: { command: 'curl -s https://example.com/health' } } };
    const first = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body });
    expect(first.risk_level, 'risk comes from the rules, not the caller').to.equal('high');
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === first.id));
    const badPattern = await stack.call('POST', `/api/approvals/${first.id}/approve`, { role: 'operator', body: { remember: true, pattern: 'Bash(rm:*)' } });
    expect(badPattern.status).to.equal(400);
    const decided = await stack.json<ApprovalRequest & { remembered: { rule: PolicyRule; change_id: string } }>('POST', `/api/approvals/${first.id}/approve`, 200, {
      role: 'operator',
      body: { remember: true, pattern: 'Bash(curl:*)' },
    });
    expect(decided.remembered.rule).to.include({ action: 'approve', max_risk: 'high', added_by: 'user:test-operator' });
    expect(decided.remembered.rule.agents).to.deep.equal(['api-rem']);
    await until(() => ((stack.systemConfig().approvals as { remembered?: unknown[] } | undefined)?.remembered ?? []).length === 1);
    await until(async () => {
      // a group commit holds several changes (`changeId` names only the first): look in each commit's `changes`
      const log = await stack.json<{ commits: { changes: { actor: string; changeId: string }[] }[] }>('GET', '/api/registry/history?path=system-config.toml', 200);
      return log.commits.some((c) => c.changes.some((ch) => ch.actor === 'user:test-operator' && ch.changeId === `remember-${first.id}`));
    });

    const second = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body: { ...body, details: { tool: 'Bash', input: { command: 'curl -s https://example.com/ready' } } } });
    const auto = await stack.waitStatus(second.id, 'approved');
    expect(auto).to.include({ decided_by: 'policy', policy_rule: 'remembered[0]' });
    // another agent asking the same is not covered
    const third = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body: { ...body, agent_id: 'api-rem-2' } });
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === third.id));
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${third.id}`, 200)).status).to.equal('pending');
  });

  it('GET with wait_ms long-polls a pending approval until it is decided (an agent waiting for its own request)', async () => {
    const created = await askAsAgent('api-wait');
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === created.id));
    const polling = stack.json<ApprovalRequest>('GET', `/api/approvals/${created.id}?wait_ms=20000`, 200, { token: agentToken('api-wait') });
    let answered = false;
    void polling.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(answered, 'still waiting while pending').to.equal(false);
    await stack.json('POST', `/api/approvals/${created.id}/approve`, 200, { role: 'admin', body: { reason: 'yes' } });
    expect(await polling).to.include({ status: 'approved', reason: 'yes' });
    const short = await stack.json<ApprovalRequest>('GET', `/api/approvals/${(await askAsAgent('api-wait')).id}?wait_ms=100`, 200, { token: agentToken('api-wait') });
    expect(short.status, 'a wait that passes returns the pending approval').to.equal('pending');
  });

  it('admins read and replace the policy; the change is a registry commit and applies to the next question', async () => {
    const current = await stack.json<{ rules: PolicyRule[] }>('GET', '/api/approvals/policy', 200, { role: 'viewer' });
    expect(current.rules.map((r) => r.action)).to.deep.equal(['approve', 'approve', 'ask']);
    const rules: PolicyRule[] = [{ action: 'deny', tools: ['Bash(rm:*)'], note: 'no deleting here' }, ...current.rules];
    expect((await stack.call('PUT', '/api/approvals/policy', { role: 'operator', body: { rules } })).status).to.equal(403);
    expect((await stack.call('PUT', '/api/approvals/policy', { role: 'admin', body: { rules: [{ action: 'maybe' }] } })).status).to.equal(400);
    const put = await stack.json<{ rules: PolicyRule[]; commit: string | null }>('PUT', '/api/approvals/policy', 200, { role: 'admin', body: { rules } });
    expect(put.commit).to.match(/^[0-9a-f]{40}$/);
    expect(put.rules[0]).to.include({ action: 'deny', note: 'no deleting here' });
    expect((stack.systemConfig().approvals as { rules: PolicyRule[] }).rules).to.have.length(4);

    const body = { request_type: 'tool_use', agent_id: 'api-pol', description: 'Bash rm -rf build', details: { tool: 'Bash', input: { command: 'rm -rf build' } } };
    const created = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body });
    const denied = await stack.waitStatus(created.id, 'denied');
    expect(denied).to.include({ decided_by: 'policy', policy_rule: 'rules[0]' });
    expect(denied.reason).to.include('no deleting here');
    // back to the defaults for the tests that follow
    await stack.json('PUT', '/api/approvals/policy', 200, { role: 'admin', body: { rules: current.rules } });
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await stack.json<{ paths: Record<string, unknown> }>('GET', '/api/openapi.json', 200);
    expect(doc.paths).to.include.keys('/api/approvals', '/api/approvals/policy', '/api/approvals/{id}', '/api/approvals/{id}/approve', '/api/approvals/{id}/deny');
  });
});
