import { expect } from 'chai';
import { APPROVAL_JOB, APPROVAL_QUEUE, enqueueEvaluate } from '../../shared/approvals/approval-jobs.js';
import { newApprovalRequest, type ApprovalAsk, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';

import { until, startApprovalStack, startWebhookReceiver, type ApprovalStack, type WebhookReceiver } from './approval-stack.js';

const ask = (over: Partial<ApprovalAsk> = {}): ApprovalRequest =>
  newApprovalRequest({
    agent_id: 'q-agent',
    request_type: 'tool_use',
    description: 'Bash npm install left-pad',
    risk_level: 'high',
    requested_by: 'agent:q-agent',
    details: { tool: 'Bash', input: { command: 'npm install left-pad' } },
    ...over,
  });

describe('approvals queue: policy decides or a person is asked (real Redis, worker host, registry writer)', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let hook: WebhookReceiver;
  before(async () => {
    hook = await startWebhookReceiver();
    stack = await startApprovalStack({ overrides: { 'approvals.webhook_url': hook.url, 'approvals.dashboard_url': 'http://nox.example/' } });
  });
  after(async () => {
    await stack.cleanup();
    await hook.close();
  });

  it('a low-risk tool use is approved by policy with no person, and the decision is recorded', async () => {
    const request = ask({ risk_level: 'low', description: 'Read README.md', details: { tool: 'Read', input: { file_path: 'README.md' } } });
    await approvalsFor(stack.apiCtx).submit(request, 'corr-low');
    const decided = await stack.waitStatus(request.id, 'approved');
    expect(decided).to.include({ decision: 'approve', decided_by: 'policy', policy_rule: 'rules[0]' });
    const events = (await stack.events('approval.decided')).filter((e) => (e.data as ApprovalRequest).id === request.id);
    expect(events).to.have.length(1);
    expect(events[0]!.correlationId).to.equal('corr-low');
    expect((await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === request.id), 'nobody was asked').to.equal(false);
    const line = await stack.waitHistory(request.id);
    expect(line).to.include({ decision: 'approve', decided_by: 'policy', tool: 'Read', risk_level: 'low', agent_id: 'q-agent' });
    expect(hook.bodies.some((b) => (b.approval as { id: string }).id === request.id)).to.equal(false);
  });

  it('a high-risk tool use waits for a person: pending, approval.requested, a "needs you" webhook', async () => {
    const request = ask();
    await approvalsFor(stack.apiCtx).submit(request, 'corr-high');
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === request.id));
    const pending = await stack.json<ApprovalRequest>('GET', `/api/approvals/${request.id}`, 200);
    expect(pending.status).to.equal('pending');
    expect(pending.policy_rule).to.equal('rules[2]');
    expect(pending.expires_at).to.equal(Date.parse(pending.created_at) + stack.config.approvals.timeout_ms);

    await until(() => hook.bodies.some((b) => (b.approval as { id: string }).id === request.id));
    const body = hook.bodies.find((b) => (b.approval as { id: string }).id === request.id)!;
    expect(body._method).to.equal('POST');
    expect(body._contentType).to.match(/^application\/json/);
    expect(body.text).to.be.a('string').and.match(/needs you/).and.include('q-agent').and.include('Bash').and.include('http://nox.example/approvals');
    expect(body.blocks).to.be.an('array').with.length.above(0);
    expect(JSON.stringify(body.blocks)).to.include('npm install left-pad');

    const decided = await approvalsFor(stack.apiCtx).decide(request.id, { decision: 'approve', decided_by: 'user:alice', reason: 'fine' });
    expect(decided.status).to.equal('approved');
    const line = await stack.waitHistory(request.id);
    expect(line).to.include({ decision: 'approve', decided_by: 'user:alice', reason: 'fine' });
    expect(JSON.parse(line.input_json as string)).to.deep.equal({ command: 'npm install left-pad' });
    // the history commit is authored by the person who decided
    await until(async () => {
      const log = await stack.json<{ commits: { actor: string; message: string }[] }>('GET', '/api/registry/history?path=approval-history.toml', 200);
      return log.commits.some((c) => c.actor === 'user:alice' && c.message.includes(request.id));
    });
  });

  it('evaluating the same request twice decides it once (idempotent by id)', async () => {
    const request = ask({ risk_level: 'low', details: { tool: 'Grep', input: { pattern: 'x' } } });
    await approvalsFor(stack.apiCtx).submit(request, 'corr-twice');
    // a second job for the same request, as a retry after a lost acknowledgement would give
    await stack.apiCtx.queue(APPROVAL_QUEUE).add(APPROVAL_JOB.evaluate, { correlationId: 'corr-twice', request }, { jobId: `again-${request.id}`, priority: 10 });
    await enqueueEvaluate(stack.apiCtx, request, 'corr-twice');
    await stack.waitStatus(request.id, 'approved');
    await until(async () => (await stack.apiCtx.queue(APPROVAL_QUEUE).getJobState(`again-${request.id}`)) === 'completed');
    const events = (await stack.events('approval.decided')).filter((e) => (e.data as ApprovalRequest).id === request.id);
    expect(events).to.have.length(1);
  });

  it('a custom request from an agent asks a person even at low risk (auto_approve false)', async () => {
    const request = ask({ request_type: 'custom', risk_level: 'low', description: 'may I deploy?', details: {} });
    expect(request.auto_approve).to.equal(false);
    await approvalsFor(stack.apiCtx).submit(request, 'corr-custom');
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === request.id));
    expect((await approvalsFor(stack.apiCtx).get(request.id)).status).to.equal('pending');
  });
});

describe('approvals queue: timeout', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  before(async () => {
    stack = await startApprovalStack({ overrides: { 'approvals.timeout_ms': 400 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('a question nobody decides is denied after approvals.timeout_ms, and recorded', async () => {
    const request = ask({ agent_id: 'q-slow' });
    await approvalsFor(stack.apiCtx).submit(request, 'corr-timeout');
    const denied = await stack.waitStatus(request.id, 'denied');
    expect(denied).to.include({ decision: 'deny', decided_by: 'system', policy_rule: 'timeout' });
    expect(denied.reason).to.match(/no decision within 400 ms/);
    const line = await stack.waitHistory(request.id);
    expect(line).to.include({ decision: 'deny', decided_by: 'system' });
    // a person's late decision is refused: the first decision stands
    const late = await stack.call('POST', `/api/approvals/${request.id}/approve`, { role: 'operator', body: {} });
    expect(late.status).to.equal(409);
    expect(((await late.json()) as { code: string }).code).to.equal('nox:approval-already-decided');
  });
});
