import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/** The hosts page shows a host's cordon and drain, and its Cordon/Uncordon and Drain buttons work (issue 15, item 4). */
describe('dashboard: cordon and drain a host from the hosts page', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('cordon');

  before(async () => {
    stack = await startAgentStack({ hosts: 2, overrides: { 'auth.users': [{ name: 'olga', role: 'operator', password_hash: await hashPassword('olga password') }] } });
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  const hostInApi = async (id: string): Promise<HostInfo | undefined> => (await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200)).hosts.find((h) => h.id === id);
  const cordonedInApi = async (): Promise<boolean | undefined> => (await hostInApi(stack.hosts[0]!.id))?.cordoned;

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

  it('Drain asks first, then the host shows draining and drained as its agent moves to the other host', async () => {
    const [from, to] = [stack.hosts[0]!, stack.hosts[1]!];
    // the agent lands on `from`: the other host is cordoned while it is placed
    await stack.json('POST', `/api/system/hosts/${to.id}/cordon`, 200);
    await stack.createAgent({ id: 'drained-away' });
    expect((await stack.startAgent('drained-away')).hostId).to.equal(from.id);
    await stack.json('POST', `/api/system/hosts/${to.id}/uncordon`, 200);

    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/hosts');
    const state = page.getByTestId(`host-state-${from.id}`);
    await state.waitFor();
    await page.getByRole('button', { name: `Drain ${from.id}` }).click();
    // nothing happens before the confirmation
    const dialog = page.getByRole('alertdialog').or(page.getByRole('dialog'));
    await dialog.getByText(`Drain ${from.id}?`).waitFor();
    expect((await hostInApi(from.id))?.drain).to.equal(undefined);
    await dialog.getByRole('button', { name: 'Drain', exact: true }).click();

    await waitUntil(async () => (await stack.runtime('drained-away'))?.hostId === to.id && (await stack.runtime('drained-away'))?.status === 'idle', 30_000);
    await waitUntil(async () => (await hostInApi(from.id))?.drain === 'drained', 20_000);
    await state.getByText('drained').waitFor();
    expect(await page.getByRole('button', { name: `Drain ${from.id}` }).isDisabled()).to.equal(true);
    await screenshot(page, 'host-drained');

    await page.getByRole('button', { name: `Uncordon ${from.id}` }).click();
    await state.getByText('drained').waitFor({ state: 'detached' });
    expect((await hostInApi(from.id))?.drain).to.equal(undefined);
    expect(tab.errors).to.deep.equal([]);
  });
});
