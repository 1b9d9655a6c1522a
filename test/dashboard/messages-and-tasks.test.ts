import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Messages and tasks in the browser, against a real API, registry writer and a host that
 * runs stand-in agents with the messaging and tasks areas: a message sent from the page
 * reaches the agent and shows in the feed; a task created through the API lands on the
 * board live, and an edit in the page moves it.
 */
describe('dashboard: messages and tasks', function () {
  this.timeout(90_000);
  let stack: CollabStack;
  const browser = useBrowser('collab');
  const agent = 'writer-1';

  before(async () => {
    stack = await startCollabStack({
      overrides: { 'auth.users': [{ name: 'mira', role: 'operator', password_hash: await hashPassword('mira password') }] },
    });
    await stack.createAgent(agent);
  });
  after(async () => {
    if (stack) {
      await stack.call('POST', `/api/agents/${agent}/stop`);
      await stack.waitStatus(agent, 'stopped').catch(() => undefined);
      // the header's "needs you" count made the API open its approvals (and their registry client)
      await closeApprovals(stack.apiCtx);
      await stack.cleanup();
    }
  });

  it('sends a message from the page: it shows in the feed and reaches the agent as a turn', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'mira', 'mira password', '/messages');
    await page.getByText('No messages yet.').waitFor();
    await page.getByTestId('send-open').click();
    await page.getByLabel('To', { exact: true }).fill(agent);
    await page.getByLabel('Message', { exact: true }).fill('please summarise the report');
    await page.getByTestId('send-form').getByRole('button', { name: 'Send' }).click();

    const line = page.getByTestId('message').filter({ hasText: 'please summarise the report' });
    await line.waitFor();
    expect(await line.textContent()).to.contain('user:mira').and.contain(agent);
    const turns = await stack.waitTurns(agent, 1, 15_000);
    expect(turns.join('\n')).to.contain('please summarise the report');

    // one sent through the API appears too, without a reload
    const res = await stack.call('POST', '/api/messages', { body: { to: agent, content: 'a second note', priority: 'high' } });
    expect(res.status).to.equal(202);
    await page.getByTestId('message').filter({ hasText: 'a second note' }).waitFor();
    await screenshot(page, 'messages-live');
    expect(tab.errors).to.deep.equal([]);
  });

  it('puts a task created through the API on the board live, and moves it when edited in the page', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'mira', 'mira password', '/tasks');
    await page.getByTestId('task-board').waitFor();
    const created = await stack.json<{ id: string }>('POST', '/api/tasks', 201, { body: { agent_id: agent, title: 'Draft the release notes', priority: 'high' } });
    const card = page.getByTestId('column-pending').locator('article', { hasText: 'Draft the release notes' });
    await card.waitFor();
    await screenshot(page, 'tasks-live');

    await card.getByRole('button', { name: 'Edit' }).click();
    await page.locator('#task-status-dropdown').click();
    await page.getByRole('option', { name: 'done' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    // the edit goes through the registry writer and comes back as an event: allow a loaded machine
    await page.getByTestId('column-done').locator('article', { hasText: 'Draft the release notes' }).waitFor({ timeout: 30_000 });
    const after = await stack.json<{ status: string }>('GET', `/api/tasks/${created.id}`, 200);
    expect(after.status).to.equal('done');
    expect(tab.errors).to.deep.equal([]);
  });
});
