import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import { FAKE_CLAUDE, startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { testConfig, testContext } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The whole loop a person closes from the dashboard: an agent (the stand-in CLI) asks to run
 * a risky Bash command, waits in `waiting-approval` (shown live on its page), the person
 * approves it in the inbox, and the agent's status moves on — the tool runs, the turn ends.
 * The host is built the way `nox worker` builds it (test/support/test-worker.ts): agents
 * with the approvals gate.
 */
describe('dashboard: approving in the page unblocks the agent', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  let hostCtx: NoxContext;
  let worker: NoxWorker | undefined;
  const browser = useBrowser('unblock');
  const agent = 'builder';

  before(async () => {
    const users = [{ name: 'ava', role: 'operator', password_hash: await hashPassword('ava password') }];
    stack = await startAgentStack({ hosts: 0, overrides: { 'auth.users': users } });
    hostCtx = testContext(
      testConfig({
        prefix: stack.config.redis.prefix,
        registryDir: stack.config.registryDir,
        overrides: {
          'agent.command': process.execPath,
          'agent.args': [FAKE_CLAUDE],
          'agent.stop_grace_ms': 1000,
          'agent.conversation_flush_ms': 50,
          'worker.host_id': 'dash-approvals-host',
        },
      }),
      'worker',
    );
    worker = await startTestWorker(hostCtx);
    await stack.createAgent({ id: agent });
    await stack.startAgent(agent);
  });
  after(async () => {
    if (!stack) return;
    await stack.call('POST', `/api/agents/${agent}/stop`);
    await stack.waitStatus(agent, 'stopped').catch(() => undefined);
    await worker?.stop(); // closes the gate and hostCtx's approvals too
    await closeApprovals(stack.apiCtx);
    await hostCtx?.close();
    await stack.cleanup();
  });

  it('shows the agent waiting for approval, and approving in the inbox lets it finish its turn', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'ava', 'ava password', `/agents/${agent}`);
    await page.getByTestId('agent-status').getByText('idle', { exact: true }).waitFor();

    await stack.turn(agent, 'ask Bash {"command":"rm -rf build"}');
    await page.getByTestId('agent-status').getByText('waiting-approval', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByTestId('needs-you').getByText('1', { exact: true }).waitFor();
    await screenshot(page, 'agent-waiting-approval');

    await page.getByTestId('needs-you').click();
    const card = page.getByTestId('approval').filter({ hasText: 'Bash' });
    await card.waitFor();
    const risk = await card.locator('.nox-risk').textContent();
    expect(['high', 'critical']).to.include(risk);
    await screenshot(page, 'approvals-agent-tool');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel(/Reason/).fill('clean build is fine');
    await page.getByTestId('decision-form').getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Nothing needs you right now.').waitFor();

    await page.getByRole('link', { name: 'Agents' }).first().click();
    await page.getByTestId(`status-${agent}`).getByText('idle', { exact: true }).waitFor({ timeout: 15_000 });
    const result = await stack.waitResult(agent, 1);
    expect(result.text).to.equal('tool Bash done');
    expect(tab.errors).to.deep.equal([]);
  });
});
