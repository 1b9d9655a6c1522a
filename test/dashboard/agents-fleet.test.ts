import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { seedFleet } from '../support/fleet-seed.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The agents page at fleet size (issue 21): 2,000 agents in agents.toml (one registry
 * commit through the writer), three of them running the stand-in agent. The page shows the
 * first page from the server, the counts by runtime status, filters by status, and stops a
 * selection through the bulk endpoint.
 */
describe('dashboard: the agents page with 2,000 agents', function () {
  this.timeout(180_000);
  let stack: AgentStack;
  const browser = useBrowser('agents-fleet');
  const running = ['fleet-0007', 'fleet-0500', 'fleet-1999'];

  before(async () => {
    stack = await startAgentStack({ overrides: { 'auth.users': [{ name: 'opal', role: 'operator', password_hash: await hashPassword('opal password') }] } });
    await seedFleet(stack.apiCtx, 'fleet', 2000, (i) => ({ squad: `s${i % 4}` }));
  });
  after(async () => {
    for (const id of running) if ((await stack?.runtime(id))?.status !== 'stopped') await stack.call('POST', `/api/agents/${id}/stop`);
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('shows the first page and the counts, filters by runtime status, and stops a selection', async () => {
    // labels are placement labels: the running ones are started after the squad label is cleared
    for (const id of running) await stack.json('PATCH', `/api/agents/${id}`, 200, { body: { labels: {} } });
    for (const id of running) await stack.startAgent(id);

    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'opal', 'opal password', '/agents');
    const rows = page.locator('[data-testid=agents-table] tr.agent-row');
    await page.getByTestId('page-range').getByText('1–100 of 2000').waitFor({ timeout: 30_000 });
    expect(await rows.count()).to.equal(100);
    expect(await rows.first().getAttribute('class')).to.contain('agent-fleet-0001');
    expect(await page.getByTestId('status-fleet-0001').textContent()).to.equal('never-started');
    expect(await page.getByTestId('status-fleet-0007').textContent()).to.equal('idle');
    expect(await page.getByTestId('status-filter-idle').textContent()).to.equal('idle3');
    expect(await page.getByTestId('status-filter-never-started').textContent()).to.equal('never-started1997');
    await screenshot(page, 'agents-fleet-first-page');

    // the next page comes from the server's cursor
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('page-range').getByText('101–200 of 2000').waitFor();
    expect(await rows.first().getAttribute('class')).to.contain('agent-fleet-0101');

    // filter by runtime status: back to the first page of the three that run
    await page.getByTestId('status-filter-idle').click();
    await page.getByTestId('page-range').getByText('1–3 of 3').waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))).to.deep.equal(['idle', 'idle', 'idle']);
    await screenshot(page, 'agents-fleet-idle');

    // search narrows within the filter
    await page.getByTestId('agents-search').fill('0500');
    await page.getByTestId('page-range').getByText('1–1 of 1').waitFor();
    await page.getByTestId('agents-search').fill('');
    await page.getByTestId('page-range').getByText('1–3 of 3').waitFor();

    // select the page, stop the selection
    await page.getByTestId('select-page').check();
    await page.getByTestId('bulk-bar').getByText('3 selected').waitFor();
    await page.getByTestId('bulk-stop').click();
    for (const id of running) await stack.waitStatus(id, 'stopped');
    await page.getByText('stop: 3 of 3 agents').waitFor();
    // the idle filter empties as the status events arrive; the counts say where they went
    await page.getByText('No agent matches.').waitFor({ timeout: 15_000 });
    await page.getByTestId('status-filter-stopped').getByText('3').waitFor();
    await page.getByTestId('status-filter-all').click();
    await page.getByTestId('agents-search').fill('fleet-0007');
    await page.getByTestId('status-fleet-0007').getByText('stopped', { exact: true }).waitFor();
    await screenshot(page, 'agents-fleet-stopped');
    expect(tab.errors).to.deep.equal([]);
  });
});
