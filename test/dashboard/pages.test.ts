import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startStack, type Stack } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Every page renders against the real API — with real data where its endpoint exists,
 * and with a clear "not available in this version" where it does not yet — in light and
 * dark, on a desktop and a phone, and can be used from the keyboard. A screenshot of each
 * goes to test-artifacts/dashboard/.
 */
const PAGES = [
  { path: '/', title: 'Overview', endpoint: '/api/system/health' },
  { path: '/agents', title: 'Agents', endpoint: '/api/agents' },
  // no such agent: the page must say so plainly (or that agents are not in this version)
  { path: '/agents/no-such-agent', title: 'Agent no-such-agent', endpoint: '/api/agents', missing: true },
  { path: '/tasks', title: 'Tasks', endpoint: '/api/tasks' },
  { path: '/messages', title: 'Messages', endpoint: '/api/messages?limit=1' },
  { path: '/approvals', title: 'Approvals', endpoint: '/api/approvals?status=pending' },
  { path: '/registry', title: 'Registry', endpoint: '/api/registry/history' },
  { path: '/costs', title: 'Costs', endpoint: '/api/costs' },
  { path: '/audit', title: 'Audit', endpoint: '/api/audit?limit=1' },
  { path: '/hosts', title: 'Hosts & queues', endpoint: '/api/system/hosts' },
  { path: '/events', title: 'Live events', endpoint: undefined },
];

describe('dashboard: every page renders, light and dark, keyboard and phone', function () {
  this.timeout(90_000);
  let stack: Stack;
  const browser = useBrowser('pages');

  before(async () => {
    stack = await startStack({
      overrides: { 'auth.users': [{ name: 'olga', role: 'admin', password_hash: await hashPassword('olga password') }] },
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  /** 404 nox:route-not-found means that area's API has not landed in this version. */
  async function landed(endpoint: string | undefined): Promise<boolean> {
    if (!endpoint) return true;
    const res = await stack.call('GET', endpoint, { role: 'admin' });
    if (res.status !== 404) return true;
    return ((await res.json()) as { code?: string }).code !== 'nox:route-not-found';
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`renders every page in the ${theme} theme, with real data or a clear "not available"`, async () => {
      const tab = await browser.open({ colorScheme: theme });
      const { page } = tab;
      await logIn(page, stack.api.url, 'olga', 'olga password');
      expect(await page.locator('html').getAttribute('data-theme')).to.equal(theme);
      for (const p of PAGES) {
        await page.goto(`${stack.api.url}${p.path}`);
        await page.getByRole('heading', { level: 1, name: p.title }).waitFor();
        const unavailable = page.getByTestId('unavailable').first();
        if ('missing' in p && (await landed(p.endpoint))) {
          await page.getByTestId('not-found').waitFor();
          expect(await page.getByTestId('not-found').textContent()).to.contain('no-such-agent');
        } else if (await landed(p.endpoint)) {
          // a landed page shows its data (or its own empty state), and no error box
          await page.waitForLoadState('networkidle');
          expect(await page.getByTestId('error-note').count(), `${p.path}: error shown`).to.equal(0);
          expect(await page.getByTestId('unavailable').count(), `${p.path}: claims unavailable`).to.equal(0);
        } else {
          await unavailable.waitFor();
          expect(await unavailable.textContent()).to.match(/not available in this version/i);
        }
        const name = p.path === '/' ? 'overview' : p.path.slice(1).replace(/\//g, '-');
        await screenshot(page, `${name}-${theme}`);
      }
      expect(tab.errors).to.deep.equal([]);
    });
  }

  it('keeps the theme chosen with the toggle across a reload', async () => {
    const tab = await browser.open({ colorScheme: 'light' });
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/hosts');
    await page.getByTestId('theme-toggle').click();
    expect(await page.locator('html').getAttribute('data-theme')).to.equal('dark');
    await page.reload();
    await page.getByTestId('user').waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).to.equal('dark');
    expect(await page.getByTestId('theme-toggle').getAttribute('aria-pressed')).to.equal('true');
  });

  it('is usable from the keyboard: skip link first, menu links in order, focus moves to the page', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('Skip to content');
    // walk forward until the menu's "Hosts & queues" link has focus, then follow it
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement.getAttribute("href")')) === '/hosts';
    }
    expect(reached, 'the Hosts link is reachable with Tab').to.equal(true);
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'visible focus').to.not.equal('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Hosts & queues' }).waitFor();
    expect(await page.evaluate('document.activeElement.id')).to.equal('content');
  });

  it('fits a phone: the menu folds behind a button that opens it', async () => {
    const tab = await browser.open({ viewport: { width: 390, height: 844 } });
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).to.equal(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.waitFor({ state: 'visible' });
    await screenshot(page, 'phone-menu');
    await nav.getByRole('link', { name: 'Live events' }).click();
    await page.getByRole('heading', { level: 1, name: 'Live events' }).waitFor();
    expect(await nav.isVisible()).to.equal(false);
    await screenshot(page, 'phone-events');
    // wide tables scroll inside their card; the page itself never scrolls sideways
    for (const p of ['/', '/hosts', '/agents', '/tasks', '/approvals']) {
      await page.goto(`${stack.api.url}${p}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${p} is wider than the phone`).to.be.at.most(0);
    }
    await screenshot(page, 'phone-approvals');
  });
});
