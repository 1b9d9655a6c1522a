import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The approvals inbox against a real API, registry writer and a host consuming the
 * `approvals` queue: a request that escalates to a person appears live with its risk and
 * raises the "needs you" count; deciding in the page decides it for real.
 */
describe('dashboard: approvals inbox', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  const browser = useBrowser('approvals');

  before(async () => {
    stack = await startApprovalStack({
      overrides: { 'auth.users': [{ name: 'dora', role: 'operator', password_hash: await hashPassword('dora password') }] },
    });
  });
  after(async () => {
    // the API opened its approvals (and their registry client) for the inbox
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  async function ask(description: string): Promise<string> {
    const res = await stack.call('POST', '/api/approvals', {
      body: { request_type: 'custom', description, agent_id: 'deployer', risk_level: 'high' },
    });
    expect(res.status).to.equal(202);
    const id = ((await res.json()) as { id: string }).id;
    await stack.waitStatus(id, 'pending');
    return id;
  }

  it('shows a request that needs a person live, counts it in the header, and approves it with a reason', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'dora', 'dora password', '/approvals');
    await page.getByText('Nothing needs you right now.').waitFor();
    expect(await page.getByTestId('needs-you').textContent()).to.contain('0');

    const id = await ask('Deploy the release to production');
    const card = page.getByTestId('approval').filter({ hasText: 'Deploy the release to production' });
    await card.waitFor();
    expect(await card.locator('.nox-risk').textContent()).to.equal('high');
    await page.getByTestId('needs-you').getByText('1', { exact: true }).waitFor();
    await screenshot(page, 'approvals-pending');

    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel(/Reason/).fill('release checked');
    await page.getByTestId('decision-form').getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Nothing needs you right now.').waitFor();
    await page.getByTestId('needs-you').getByText('0', { exact: true }).waitFor();

    const decided = await stack.waitStatus(id, 'approved');
    expect(decided.decided_by).to.equal('user:dora');
    expect(decided.reason).to.equal('release checked');
    expect(tab.errors).to.deep.equal([]);
  });

  it('denies only with a reason', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'dora', 'dora password', '/approvals');
    const id = await ask('Delete the staging database');
    const card = page.getByTestId('approval').filter({ hasText: 'Delete the staging database' });
    await card.getByRole('button', { name: 'Deny' }).click();
    const submit = page.getByTestId('decision-form').getByRole('button', { name: 'Deny' });
    expect(await submit.isDisabled(), 'no reason, no denial').to.equal(true);
    await page.getByLabel(/Reason/).fill('not today');
    await submit.click();
    await card.waitFor({ state: 'detached' });
    const decided = await stack.waitStatus(id, 'denied');
    expect(decided.reason).to.equal('not today');
    expect(decided.decided_by).to.equal('user:dora');
  });
});
