import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startWorkerHost, type WorkerHost } from '../../workers/host.js';
import { startStack, testContext, tokenFor, type Stack } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

describe('dashboard: log in, live events, session expiry', function () {
  this.timeout(60_000);
  let stack: Stack;
  const browser = useBrowser('login');

  before(async () => {
    stack = await startStack({
      overrides: { 'auth.users': [{ name: 'alice', role: 'operator', password_hash: await hashPassword('correct horse') }] },
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('sends a signed-out visitor to the login page, logs in, and comes back to the page asked for', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await page.goto(`${stack.api.url}/hosts`);
    await page.waitForURL(/\/login\?next=%2Fhosts$/);
    await screenshot(page, 'login');
    await page.getByLabel('User name').fill('alice');
    await page.locator('#password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(await page.getByTestId('login-error').textContent()).to.contain('Wrong user name or password');

    await page.locator('#password').fill('correct horse');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/hosts$/);
    expect(await page.getByTestId('user').textContent()).to.contain('alice').and.contain('operator');
    await page.getByTestId('hosts-table').getByText(stack.host!.id, { exact: true }).waitFor();
    expect(tab.errors).to.deep.equal([]);
  });

  it('shows a ping made through the API and a host coming up, live, without a reload', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'alice', 'correct horse', '/events');
    await page.getByTestId('connection').getByText('Live').waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    const res = await stack.call('POST', '/api/system/ping', { role: 'operator' });
    expect(res.status).to.equal(200);
    const { correlationId } = (await res.json()) as { correlationId: string };
    const pong = page.locator('[data-type="system.pong"]', { hasText: correlationId.slice(0, 8) });
    await pong.waitFor();
    expect(await pong.textContent()).to.contain(stack.host!.id);

    const secondCtx = testContext({ ...stack.config, worker: { ...stack.config.worker, host_id: 'second-host' } }, 'worker');
    let second: WorkerHost | undefined;
    try {
      second = await startWorkerHost(secondCtx);
      await page.locator('[data-type="host.up"]', { hasText: 'second-host' }).waitFor();
      await screenshot(page, 'events');
    } finally {
      await second?.close();
      await secondCtx.close();
    }
    expect(navigations, 'no reload happened').to.deep.equal([]);
    expect(tab.errors).to.deep.equal([]);
  });

  it('pings a host from the hosts page and shows the round-trip timings', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'alice', 'correct horse', '/hosts');
    await page.getByTestId('ping-any').click();
    const total = await page.getByTestId('ping-total').textContent();
    expect(total).to.match(/^\d+ ms$/);
    expect(await page.getByTestId('ping-result').textContent()).to.contain(stack.host!.id);
    await screenshot(page, 'hosts');
  });

  it('sends the person back to the login page with a message when the login token expires', async () => {
    const shortLived = await startStack({
      withHost: false,
      overrides: {
        // long enough that logging in finishes first on a loaded machine, short enough to wait out
        'auth.token_ttl': '10s',
        'auth.users': [{ name: 'bob', role: 'viewer', password_hash: await hashPassword('bob password') }],
      },
    });
    try {
      const tab = await browser.open();
      const { page } = tab;
      await logIn(page, shortLived.api.url, 'bob', 'bob password', '/events');
      await page.waitForURL(/\/login\?next=%2Fevents$/, { timeout: 30_000 });
      expect(await page.getByTestId('login-notice').textContent()).to.contain('Your session has expired');
      await screenshot(page, 'login-expired');
    } finally {
      await shortLived.cleanup();
    }
  });

  it('treats a page load with an expired token as an expired session, not a crash', async () => {
    const tab = await browser.open();
    const { page, context } = tab;
    await context.addCookies([{ name: 'nox_token', value: tokenFor('operator', 'alice', undefined, -10), url: stack.api.url, httpOnly: true, sameSite: 'Strict' }]);
    await page.goto(`${stack.api.url}/hosts`);
    await page.waitForURL(/\/login\?next=%2Fhosts$/);
    expect(await page.getByTestId('login-notice').textContent()).to.contain('Your session has expired');
    expect(tab.errors).to.deep.equal([]);
  });
});
