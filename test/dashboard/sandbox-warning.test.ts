import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The dashboard's header warns while a live host runs agents unsandboxed (issue 14, item 6),
 * and says nothing while every host sandboxes them.
 */
describe('dashboard: a warning in the header while agents run unsandboxed', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('sandbox');

  const reported = async (n: number): Promise<void> =>
    waitUntil(async () => {
      const { hosts } = await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200);
      return hosts.filter((h) => h.alive && h.sandbox).length === n;
    });

  before(async () => {
    stack = await startAgentStack({ overrides: { 'auth.users': [{ name: 'olga', role: 'operator', password_hash: await hashPassword('olga password') }] } });
    await reported(1);
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('no warning while every host sandboxes; a host with agent.sandbox = "off" brings it, naming the host', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/hosts');
    await page.getByTestId('hosts-table').getByText(stack.hosts[0]!.id, { exact: true }).waitFor();
    expect(await page.getByTestId('sandbox-warning').count()).to.equal(0);

    const off = await stack.addHost({ 'worker.host_id': 'unsandboxed-host', 'agent.sandbox': 'off' });
    await reported(2);
    // a new host's `host.up` refreshes the hosts; its report lands just after: reload once it is in
    await page.reload();
    const warning = page.getByTestId('sandbox-warning');
    await warning.waitFor();
    expect(await warning.textContent()).to.contain('agents run UNSANDBOXED on unsandboxed-host');
    // the table and the header are fed by separate reads: wait for the row's report too
    await page.getByTestId('hosts-table').getByText('off (unsandboxed)').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('hosts-table').getByText('off (unsandboxed)').count()).to.equal(1);
    await screenshot(page, 'sandbox-warning');
    expect(tab.errors).to.deep.equal([]);
    expect(off.id).to.equal('unsandboxed-host');
  });
});
