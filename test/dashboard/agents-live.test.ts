import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, uniqueAgentId, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Agents in the browser, against a real API, registry writer and worker host running the
 * stand-in agent program: what happens through the API shows up live, and what a person
 * does in the page happens in the fleet.
 */
describe('dashboard: agents, live', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('agents');

  before(async () => {
    stack = await startAgentStack({
      overrides: {
        'auth.users': [{ name: 'opal', role: 'operator', password_hash: await hashPassword('opal password') }],
        // samples often enough for the CPU and memory sparklines to have points
        'agent.sampling_interval_ms': 300,
        // the default batching: the console must show entries that land after their events
        'agent.conversation_flush_ms': 1000,
      },
    });
  });
  const started: string[] = [];
  after(async () => {
    // agents a failed test left running would keep the host from closing
    for (const id of started) if ((await stack?.runtime(id))?.status !== 'stopped') await stack.call('POST', `/api/agents/${id}/stop`);
    // the header's "needs you" count made the API open its approvals (and their registry client)
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('shows an agent spawned through the API appear and come up, without a reload', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'opal', 'opal password', '/agents');
    await page.getByTestId('agents-table').waitFor();
    await page.getByTestId('connection').getByText('Live').waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    const id = uniqueAgentId('api');
    started.push(id);
    const res = await stack.call('POST', '/api/agents', { body: { id, system_prompt: 'You help.', start: true } });
    expect(res.status).to.equal(201);
    const status = page.getByTestId(`status-${id}`);
    await status.getByText('idle', { exact: true }).waitFor({ timeout: 20_000 });
    const row = page.locator(`tr.agent-${id}`);
    expect(await row.textContent()).to.contain(stack.hosts[0]!.id);
    // the host's samples reach the sparklines through agent.metrics events
    await row.locator('svg.nox-sparkline').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'agents-live');
    expect(navigations, 'no reload happened').to.deep.equal([]);
    expect(tab.errors).to.deep.equal([]);
    await stack.json('POST', `/api/agents/${id}/stop`, 202);
    await stack.waitStatus(id, 'stopped');
  });

  it('spawns an agent from the dialog, talks to it on its page, and stops it with a button', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'opal', 'opal password', '/agents');
    const id = uniqueAgentId('ui');
    started.push(id);
    await page.getByTestId('spawn-open').click();
    await page.getByLabel('Id').fill(id);
    await page.getByLabel('System prompt').fill('You echo.');
    await page.getByTestId('spawn-form').getByRole('button', { name: 'Spawn' }).click();
    await page.getByTestId(`status-${id}`).getByText('idle', { exact: true }).waitFor({ timeout: 20_000 });
    expect((await stack.runtime(id))?.status).to.equal('idle');

    await page.getByRole('link', { name: id, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Agent ${id}` }).waitFor();
    await page.getByLabel('Say').fill('hello from the browser');
    await page.getByRole('button', { name: 'Send' }).click();
    const console_ = page.getByTestId('agent-console');
    await console_.getByText('echo: hello from the browser').first().waitFor({ timeout: 15_000 });
    await console_.locator('.kind-result').first().waitFor();
    await screenshot(page, 'agent-detail-live');

    await page.getByRole('button', { name: `Stop ${id}` }).click();
    await page.getByTestId('agent-status').getByText('stopped', { exact: true }).waitFor({ timeout: 15_000 });
    expect((await stack.runtime(id))?.status).to.equal('stopped');
    expect(tab.errors).to.deep.equal([]);
  });
  it('shows registry commits live, the diff of one, and rolls back to it after a confirmation', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'opal', 'opal password', '/registry');
    const history = page.getByTestId('registry-history');
    await history.waitFor();
    const first = uniqueAgentId('reg');
    const second = uniqueAgentId('reg');
    await stack.createAgent({ id: first, system_prompt: 'registry demo' });
    // the agent's config is a commit; registry.commit brings it to the page
    const row = history.locator('tr', { hasText: `create agent ${first}` });
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const diff = page.getByTestId('diff');
    await diff.waitFor();
    expect(await diff.textContent()).to.contain(`[agents.${first}]`);
    await screenshot(page, 'registry-diff');
    await stack.createAgent({ id: second, system_prompt: 'to be rolled back' });
    await history.locator('tr', { hasText: `create agent ${second}` }).waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Roll back to here' }).click();
    const dialog = page.getByRole('alertdialog').or(page.getByRole('dialog'));
    await dialog.getByText('Roll back the registry?').waitFor();
    await dialog.getByRole('button', { name: 'Roll back', exact: true }).click();
    // the rollback is opal's commit (batched appends, e.g. the audit trail's, are the system's and may land around it)
    const rollbacks = async (): Promise<{ actor: string; message: string }[]> =>
      (await stack.json<{ commits: { actor: string; message: string }[] }>('GET', '/api/registry/history?limit=1000', 200)).commits.filter((c) => c.message.startsWith('roll back'));
    await waitUntil(async () => (await rollbacks()).length > 0, 15_000);
    expect((await rollbacks())[0]!.actor).to.equal('user:opal');
    // the state at the first agent's commit: the second agent's config is gone again
    const agents = await stack.json<{ agents: { id: string }[] }>('GET', '/api/agents', 200);
    expect(agents.agents.map((a) => a.id)).to.include(first).and.not.include(second);
    expect(tab.errors).to.deep.equal([]);
  });
});
