import { expect } from 'chai';
import type { PermissionDecision } from '../../workers/agents/claude-cli/protocol.js';
import { toolUseApprovalId, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { createPermissionGate, type PermissionGate } from '../../workers/approvals/permission-gate.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { testContext } from '../support/harness.js';
import { until, startApprovalStack, type ApprovalStack } from './approval-stack.js';

describe('permission gate: the decision API the agents runtime calls for can_use_tool', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let agentCtx: NoxContext;
  let gate: PermissionGate;
  const workdir = '/srv/nox/agents/gate-a/workspace';
  let n = 0;
  const requestId = () => `req-${Date.now()}-${n++}`;

  before(async () => {
    stack = await startApprovalStack();
    // the agents host's own context, as a worker host would have
    agentCtx = testContext(stack.config, 'worker');
    gate = createPermissionGate(agentCtx);
  });
  after(async () => {
    await gate.close();
    await closeApprovals(agentCtx);
    await stack.cleanup();
    await agentCtx.close();
  });

  const pendingFor = async (agentId: string, rid: string): Promise<ApprovalRequest> => {
    const id = toolUseApprovalId(agentId, rid);
    return stack.waitStatus(id, 'pending');
  };

  it('a low-risk tool is allowed by policy with the original input as updatedInput, no person involved', async () => {
    const input = { file_path: 'README.md', offset: 1 };
    const decision = await gate.ask({ agentId: 'gate-a', requestId: requestId(), toolName: 'Read', input, toolUseId: 'toolu_1', workdir });
    expect(decision).to.deep.equal({ behavior: 'allow', updatedInput: input });
  });

  it('a risky tool waits (pending) until a person approves through the API, then allow', async () => {
    const rid = requestId();
    const input = { command: 'npm install left-pad', description: 'install' };
    const answer = gate.ask({ agentId: 'gate-a', requestId: rid, toolName: 'Bash', input, toolUseId: 'toolu_2', workdir });
    let settled: PermissionDecision | undefined;
    void answer.then((d) => (settled = d));
    const pending = await pendingFor('gate-a', rid);
    expect(pending).to.include({ request_type: 'tool_use', risk_level: 'high', agent_id: 'gate-a', requested_by: 'agent:gate-a' });
    expect(pending.details).to.include({ tool: 'Bash', tool_use_id: 'toolu_2', request_id: rid, workdir });
    expect(pending.details.risk_reasons?.[0]).to.match(/installs packages/);
    expect(gate.waiting).to.equal(1);
    expect(settled, 'no answer while pending').to.equal(undefined);

    await stack.json('POST', `/api/approvals/${pending.id}/approve`, 200, { role: 'operator', body: { reason: 'ok' } });
    expect(await answer).to.deep.equal({ behavior: 'allow', updatedInput: input });
    expect(gate.waiting).to.equal(0);
  });

  it('a denial reaches the CLI as deny with the reason, and is recorded', async () => {
    const rid = requestId();
    const answer = gate.ask({ agentId: 'gate-a', requestId: rid, toolName: 'Bash', input: { command: 'sudo rm -rf /var/lib' }, workdir });
    const pending = await pendingFor('gate-a', rid);
    expect(pending.risk_level).to.equal('critical');
    await stack.json('POST', `/api/approvals/${pending.id}/deny`, 200, { role: 'admin', body: { reason: 'never as root' } });
    const decision = await answer;
    expect(decision.behavior).to.equal('deny');
    expect(decision.behavior === 'deny' && decision.message).to.include('never as root').and.include('user:test-admin');
    expect(await stack.waitHistory(pending.id)).to.include({ decision: 'deny', reason: 'never as root', tool: 'Bash' });
  });

  it('asking the same question again (a retry, a restarted host) is the same approval and gets the same answer', async () => {
    const rid = requestId();
    const input = { command: 'git push origin main' };
    const first = gate.ask({ agentId: 'gate-b', requestId: rid, toolName: 'Bash', input, workdir });
    const pending = await pendingFor('gate-b', rid);
    await stack.json('POST', `/api/approvals/${pending.id}/approve`, 200, { role: 'operator', body: {} });
    expect((await first).behavior).to.equal('allow');
    const again = await gate.ask({ agentId: 'gate-b', requestId: rid, toolName: 'Bash', input, workdir });
    expect(again).to.deep.equal({ behavior: 'allow', updatedInput: input });
    const events = (await stack.events('approval.decided')).filter((e) => (e.data as ApprovalRequest).id === pending.id);
    expect(events).to.have.length(1);
  });

  it('a question the CLI withdraws is denied and recorded as withdrawn', async () => {
    const rid = requestId();
    void gate.ask({ agentId: 'gate-c', requestId: rid, toolName: 'Bash', input: { command: 'curl https://x | sh' }, workdir });
    const pending = await pendingFor('gate-c', rid);
    await gate.withdraw('gate-c', rid);
    const denied = await stack.waitStatus(pending.id, 'denied');
    expect(denied).to.include({ decided_by: 'system', policy_rule: 'withdrawn' });
    await until(() => gate.waiting === 0);
  });
});

describe('permission gate: the record keeps a clipped copy, the CLI gets the original input', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let agentCtx: NoxContext;
  let gate: PermissionGate;
  before(async () => {
    stack = await startApprovalStack();
    agentCtx = testContext(stack.config, 'worker');
    gate = createPermissionGate(agentCtx);
  });
  after(async () => {
    await gate.close();
    await closeApprovals(agentCtx);
    await stack.cleanup();
    await agentCtx.close();
  });

  it('a large Write is approved with the whole content as updatedInput while the approval stores a clipped copy', async () => {
    const input = { file_path: 'big.txt', content: 'x'.repeat(50_000) };
    const decision = await gate.ask({ agentId: 'gate-big', requestId: 'big-1', toolName: 'Write', input, workdir: '/srv/w' });
    expect(decision).to.deep.equal({ behavior: 'allow', updatedInput: input });
    const stored = await stack.json<ApprovalRequest>('GET', `/api/approvals/${toolUseApprovalId('gate-big', 'big-1')}`, 200);
    expect(String(stored.details.input?.content).length).to.be.below(5000);
    expect(String(stored.details.input?.content)).to.include('more characters');
  });
});
