import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { agentWorkdir } from '../../workers/agents/claude-cli/command-line.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addGatedHost, type GatedHost } from '../approvals/gated-agent-host.js';
import { until, startWebhookReceiver, type WebhookReceiver } from '../approvals/approval-stack.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * Conformance for approvals (issue 6): the REAL `claude` CLI asks Nox before each Bash
 * command (`--permission-prompt-tool stdio`), the question goes through policy or a person,
 * and the answer decides whether the command really runs in the agent's workdir. The CLI
 * talks to a scripted Messages API on loopback (`run-bash <command>`); no network. Fails
 * (never skips) when the CLI is missing: run test/cli/install-claude.sh.
 */
// long enough that the tests deciding by hand do so well before it, even on a busy machine
const TIMEOUT_MS = 8000;

describe('real claude CLI: tool permission through Nox approvals', function () {
  this.timeout(90_000);
  let api: ScriptedMessagesApi;
  let stack: AgentStack;
  let gated: GatedHost;
  let hook: WebhookReceiver;
  let workdir: string;

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    hook = await startWebhookReceiver();
    const overrides = {
      'agent.command': CLAUDE_BIN,
      'agent.args': [],
      'agent.env': {
        ...offlineClaudeEnv(api.url),
      },
      'approvals.timeout_ms': TIMEOUT_MS,
      'approvals.webhook_url': hook.url,
    };
    stack = await startAgentStack({ hosts: 0, overrides });
    gated = await addGatedHost(stack, overrides);
    await stack.createAgent({ id: 'real-ap' });
    await stack.startAgent('real-ap');
    workdir = agentWorkdir(stack.config, { id: 'real-ap' });
  });
  after(async () => {
    await gated?.close();
    await stack?.cleanup();
    await api?.close();
    await hook?.close();
  });

  const pendingApproval = async (): Promise<ApprovalRequest> => {
    let found: ApprovalRequest | undefined;
    await until(async () => {
      found = (await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?status=pending&agent=real-ap', 200)).approvals[0];
      return found !== undefined;
    }, 60_000);
    return found as ApprovalRequest;
  };

  it('a command the policy allows (medium: inside the workdir) is approved with no person and runs', async () => {
    // (the CLI itself runs read-only commands such as `ls` without asking)
    await stack.turn('real-ap', 'run-bash touch allowed-by-policy.txt');
    const result = await stack.waitResult('real-ap', 1, 60_000);
    expect(result.text).to.match(/^tool said: /);
    const decided = (await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?agent=real-ap', 200)).approvals[0]!;
    expect(decided).to.include({ status: 'approved', decided_by: 'policy', risk_level: 'medium', policy_rule: 'rules[0]' });
    expect(decided.details.input).to.include({ command: 'touch allowed-by-policy.txt' });
    expect(existsSync(path.join(workdir, 'allowed-by-policy.txt'))).to.equal(true);
    expect(hook.bodies, 'nobody was asked').to.have.length(0);
  });

  it('a risky command waits for a person (webhook sent), is approved through the API, really runs, and the turn finishes', async () => {
    await stack.turn('real-ap', 'run-bash rm -f absent.txt; touch approved-by-person.txt');
    const pending = await pendingApproval();
    expect(pending.risk_level).to.equal('high');
    await stack.waitStatus('real-ap', 'waiting-approval');
    expect(existsSync(path.join(workdir, 'approved-by-person.txt')), 'nothing ran before the decision').to.equal(false);
    await until(() => hook.bodies.some((b) => (b.approval as { id: string }).id === pending.id));
    await stack.json('POST', `/api/approvals/${pending.id}/approve`, 200, { role: 'operator', body: { reason: 'ok' } });
    const result = await stack.waitResult('real-ap', 2, 60_000);
    expect(result.raw.is_error).to.equal(false);
    expect(existsSync(path.join(workdir, 'approved-by-person.txt'))).to.equal(true);
  });

  it('a denied command does not run; the model receives the reason; the denial is recorded', async () => {
    await stack.turn('real-ap', 'run-bash rm -f absent.txt; touch denied-by-person.txt');
    const pending = await pendingApproval();
    await stack.json('POST', `/api/approvals/${pending.id}/deny`, 200, { role: 'admin', body: { reason: 'not in this workspace' } });
    const result = await stack.waitResult('real-ap', 3, 60_000);
    expect(result.text).to.match(/tool said: .*not in this workspace/);
    expect((result.raw.permission_denials as unknown[]).length).to.equal(1);
    expect(existsSync(path.join(workdir, 'denied-by-person.txt'))).to.equal(false);
    await until(async () => {
      // a group commit holds several changes (`changeId` names only the first): look in each commit's `changes`
      const h = await stack.json<{ commits: { changes: { changeId: string }[] }[] }>('GET', '/api/registry/history?path=approval-history.toml', 200);
      return h.commits.some((c) => c.changes.some((ch) => ch.changeId === `approval-${pending.id}`));
    });
  });

  it('a question nobody decides is denied after approvals.timeout_ms and the turn finishes', async () => {
    await stack.turn('real-ap', 'run-bash rm -f absent.txt; touch never.txt');
    const pending = await pendingApproval();
    const result = await stack.waitResult('real-ap', 4, TIMEOUT_MS + 60_000);
    expect(result.text).to.match(/^tool said: /).and.include(`no decision within ${TIMEOUT_MS} ms`);
    expect(existsSync(path.join(workdir, 'never.txt'))).to.equal(false);
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${pending.id}`, 200)).decided_by).to.equal('system');
  });
});
