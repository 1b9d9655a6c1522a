import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Reasons are visible (issue 15, item 5): an agent whose placement fails — no live host
 * carries its labels — shows "never started" and why on the agents page, not a bare status.
 */
describe('dashboard: an agent that could not start says why', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('agent-reason');

  before(async () => {
    stack = await startAgentStack({ overrides: { 'auth.users': [{ name: 'rex', role: 'operator', password_hash: await hashPassword('rex password') }] } });
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('shows the placement failure under the status on the agents page', async () => {
    await stack.json('POST', '/api/agents', 201, { body: { id: 'needs-gpu-x', labels: { gpu: 'x' }, start: true } });
    await waitUntil(async () => Boolean((await stack.runtime('needs-gpu-x'))?.reason), 20_000);

    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'rex', 'rex password', '/agents');
    const reason = page.getByTestId('reason-needs-gpu-x');
    await reason.waitFor({ timeout: 15_000 });
    expect(await reason.textContent()).to.include('no live host with free capacity and labels {"gpu":"x"}').and.include('nox:no-matching-host');
    expect(await page.getByTestId('status-needs-gpu-x').textContent()).to.include('never-started');
    await screenshot(page, 'agent-reason');
    expect(tab.errors).to.deep.equal([]);
  });
});
