import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { FAKE_CLAUDE, startAgentStack, type AgentStack } from '../agents/agent-stack.js';

import { until, WAIT_MS } from './approval-stack.js';
import { addGatedHost, type GatedHost } from './gated-agent-host.js';

/**
 * The whole path with a real agent process (the stand-in CLI, test/fixtures/fake-claude.mjs):
 * its `can_use_tool` question → the supervisor → the permission gate → the approvals queue
 * → policy or a person (through the API) → the answer on the agent's stdin → the tool runs
 * or is refused, and the turn finishes. The host is built the way `nox worker` builds it.
 */
describe('agent tool permission through approvals (stand-in CLI, worker host with the gate)', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  let gated: GatedHost;
  // long enough that the tests deciding by hand do so well before it, even on a busy machine
  const TIMEOUT_MS = 6000;

  before(async () => {
    stack = await startAgentStack({ hosts: 0, overrides: { 'approvals.timeout_ms': TIMEOUT_MS } });
    gated = await addGatedHost(stack, { 'agent.command': process.execPath, 'agent.args': [FAKE_CLAUDE], 'approvals.timeout_ms': TIMEOUT_MS });
    await stack.createAgent({ id: 'ap-agent' });
    await stack.startAgent('ap-agent');
  });
  after(async () => {
    await gated.close();
    await stack.cleanup();
  });

  /** the agent's single pending approval, once it is there */
  const pendingApproval = async (): Promise<ApprovalRequest> => {
    let found: ApprovalRequest | undefined;
    await until(async () => {
      const page = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?status=pending&agent=ap-agent', 200);
      found = page.approvals[0];
      return found !== undefined;
    });
    return found as ApprovalRequest;
  };
  const toolResults = async (): Promise<{ content?: string; is_error?: boolean }[]> => {
    const page = await stack.json<{ entries: { kind: string; raw: { message?: { content?: { content?: string; is_error?: boolean }[] } } }[] }>('GET', '/api/agents/ap-agent/conversation?limit=1000', 200);
    return page.entries.filter((e) => e.kind === 'tool-result').map((e) => e.raw.message?.content?.[0] ?? {});
  };

  it('a low-risk tool is approved by policy with no person; the tool runs; the decision is in the history and the conversation', async () => {
    await stack.turn('ap-agent', 'ask Read {"file_path":"README.md"}');
    expect((await stack.waitResult('ap-agent', 1, WAIT_MS)).text).to.equal('tool Read done');
    const page = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?agent=ap-agent&status=approved', 200);
    const decided = page.approvals.find((a) => a.details.tool === 'Read')!;
    expect(decided).to.include({ decided_by: 'policy', risk_level: 'low', request_type: 'tool_use' });
    expect(decided.details.workdir, 'the agent’s workdir came along').to.be.a('string');
    await until(async () => {
      const conv = await stack.json<{ entries: { kind: string; text?: string }[] }>('GET', '/api/agents/ap-agent/conversation?limit=1000', 200);
      return conv.entries.some((e) => e.kind === 'approval' && /approved: Read/.test(e.text ?? ''));
    });
  });

  it('a risky tool waits (agent waiting-approval, approval pending) until a person approves; then it runs with the original input', async () => {
    await stack.turn('ap-agent', 'ask Bash {"command":"npm install left-pad"}');
    const pending = await pendingApproval();
    expect(pending).to.include({ risk_level: 'high', agent_id: 'ap-agent' });
    expect(pending.details.input).to.deep.equal({ command: 'npm install left-pad' });
    await stack.waitStatus('ap-agent', 'waiting-approval', WAIT_MS);
    await stack.json('POST', `/api/approvals/${pending.id}/approve`, 200, { role: 'operator', body: { reason: 'needed for the build' } });
    expect((await stack.waitResult('ap-agent', 2, WAIT_MS)).text).to.equal('tool Bash done');
    const results = await toolResults();
    expect(results.at(-1)?.is_error).to.equal(false);
    expect(results.at(-1)?.content).to.include('npm install left-pad');
    await stack.waitStatus('ap-agent', 'idle', WAIT_MS);
  });

  it('a person’s denial reaches the model as the tool error with the reason, and is recorded', async () => {
    await stack.turn('ap-agent', 'ask Bash {"command":"git push origin main"}');
    const pending = await pendingApproval();
    await stack.json('POST', `/api/approvals/${pending.id}/deny`, 200, { role: 'admin', body: { reason: 'no pushing on Fridays' } });
    const result = await stack.waitResult('ap-agent', 3, WAIT_MS);
    expect(result.text).to.equal('tool Bash was denied');
    expect((result.raw.permission_denials as unknown[]).length).to.equal(1);
    const results = await toolResults();
    expect(results.at(-1)?.is_error).to.equal(true);
    expect(results.at(-1)?.content).to.include('no pushing on Fridays');
    await until(async () => {
      // a group commit holds several changes (`changeId` names only the first): look in each commit's `changes`
      const h = await stack.json<{ commits: { changes: { changeId: string }[] }[] }>('GET', '/api/registry/history?path=approval-history.toml', 200);
      return h.commits.some((c) => c.changes.some((ch) => ch.changeId === `approval-${pending.id}`));
    });
  });

  it('a question nobody decides is denied after approvals.timeout_ms and the turn finishes', async () => {
    await stack.turn('ap-agent', 'ask Bash {"command":"sudo ls /root"}');
    const pending = await pendingApproval();
    expect(pending.risk_level).to.equal('critical');
    const result = await stack.waitResult('ap-agent', 4, TIMEOUT_MS + 10_000);
    expect(result.text).to.equal('tool Bash was denied');
    const results = await toolResults();
    expect(results.at(-1)?.content).to.include(`no decision within ${TIMEOUT_MS} ms`);
    const decided = await stack.json<ApprovalRequest>('GET', `/api/approvals/${pending.id}`, 200);
    expect(decided).to.include({ status: 'denied', decided_by: 'system', policy_rule: 'timeout' });
  });
});
