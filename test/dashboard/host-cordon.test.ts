import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/** The hosts page shows a host's cordon and its Cordon/Uncordon button works (issue 15, item 4). */
describe('dashboard: cordon a host from the hosts page', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('cordon');

  before(async () => {
    stack = await startAgentStack({ overrides: { 'auth.users': [{ name: 'olga', role: 'operator', password_hash: await hashPassword('olga password') }] } });
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  const cordonedInApi = async (): Promise<boolean | undefined> =>
    (await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200)).hosts.find((h) => h.id === stack.hosts[0]!.id)?.cordoned;

  it('Cordon marks the host cordoned in Redis and on the page; Uncordon lifts it', async () => {
    const id = stack.hosts[0]!.id;
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/hosts');
    const state = page.getByTestId(`host-state-${id}`);
    await state.waitFor();
    expect(await state.textContent()).to.not.contain('cordoned');

    await page.getByRole('button', { name: `Cordon ${id}` }).click();
    await waitUntil(async () => (await cordonedInApi()) === true, 10_000);
    await state.getByText('cordoned').waitFor();
    await screenshot(page, 'host-cordoned');

    await page.getByRole('button', { name: `Uncordon ${id}` }).click();
    await waitUntil(async () => (await cordonedInApi()) === false, 10_000);
    await state.getByText('cordoned').waitFor({ state: 'detached' });
    expect(tab.errors).to.deep.equal([]);
  });
});
