import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { addAgentRequestHost, type AgentRequestHost } from '../approvals/agent-request-host.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Deleting an agent from its page (issue 6): the deletion is a delete_agent approval, so
 * the button shows it pending (with the approval to decide) — after a reload too — until a
 * person approves it; then the agent is gone and the page says so. The worker side is built
 * like `nox worker` (approvals queue and the watcher that acts on the decision).
 */
describe('dashboard: deleting an agent waits for its approval', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  let worker: AgentRequestHost;
  const browser = useBrowser('agent-delete');

  before(async () => {
    const users = [{ name: 'dora', role: 'operator', password_hash: await hashPassword('dora password') }];
    stack = await startAgentStack({ hosts: 0, overrides: { 'auth.users': users } });
    worker = await addAgentRequestHost(stack);
    await stack.createAgent({ id: 'old-helper', name: 'Old helper' });
  });
  after(async () => {
    await worker?.close();
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('the Delete button turns into "Deletion pending" with the approval; approving it removes the agent and the page shows it gone', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'dora', 'dora password', '/agents/old-helper');
    await page.getByRole('heading', { level: 1, name: 'Agent old-helper' }).waitFor();
    await page.getByTestId('delete-agent').click();
    const pending = page.getByTestId('delete-pending');
    await pending.waitFor({ timeout: 15_000 });
    const text = (await pending.textContent()) ?? '';
    const approvalId = /ap-[0-9a-f]{32}/.exec(text)?.[0];
    expect(approvalId, text).to.be.a('string');
    expect((await stack.call('GET', '/api/agents/old-helper')).status, 'not deleted before the approval').to.equal(200);
    const { approvals } = await stack.json<{ approvals: { id: string; request_type: string; requested_by: string }[] }>('GET', '/api/approvals?status=pending&agent=old-helper', 200);
    expect(approvals.map((a) => a.id)).to.deep.equal([approvalId]);
    expect(approvals[0]).to.include({ request_type: 'delete_agent', requested_by: 'user:dora' });

    // the pending state is read from the approvals, so a reload still shows it
    await page.reload();
    await page.getByTestId('delete-pending').waitFor({ timeout: 15_000 });
    await screenshot(page, 'agent-delete-pending');

    await stack.json('POST', `/api/approvals/${approvalId}/approve`, 200, { role: 'admin', body: { reason: 'retired' } });
    await page.getByTestId('not-found').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('not-found').textContent()).to.contain('old-helper');
    expect((await stack.call('GET', '/api/agents/old-helper')).status).to.equal(404);
    expect(tab.errors).to.deep.equal([]);
  });
});
