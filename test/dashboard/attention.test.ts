import { expect } from 'chai';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * Issue 18, item 6 in the browser: the header's "needs you" badge counts approvals waiting
 * and agents that need a person, live; it opens the "Needs you" page, which shows each with
 * its reason and link and decides approvals in place; browser notifications, once turned on,
 * announce what newly needs you. Real API, worker host with the approvals queue, stand-in
 * agents, Chromium.
 */
const RECORD_NOTIFICATIONS = `(() => {
  // the browser's own Notification, observed: each one shown is also kept for the test to read
  const Real = window.Notification;
  if (!Real) return;
  window.__noxShown = [];
  function Observed(title, options) {
    const shown = new Real(title, options);
    window.__noxShown.push({ title, body: options && options.body });
    return shown;
  }
  Object.defineProperty(Observed, 'permission', { get: () => Real.permission });
  Observed.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Observed;
})();`;

describe('dashboard: needs you (badge, page, notifications)', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('attention');

  before(async () => {
    stack = await startAgentStack({
      overrides: {
        'agent.circuit_max_crashes': 2,
        'agent.restart_backoff_ms': 20,
        'auth.users': [{ name: 'nina', role: 'operator', password_hash: await hashPassword('nina password') }],
      },
      worker: { approvals: true },
    });
    await stack.createAgent({ id: 'fragile' });
    await stack.startAgent('fragile');
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
  });

  it('counts what needs a person live, lists it with reasons and links, decides approvals in place, and notifies once turned on', async () => {
    const tab = await browser.open();
    const { page, context } = tab;
    await context.addInitScript(RECORD_NOTIFICATIONS);
    await logIn(page, stack.api.url, 'nina', 'nina password');
    await context.grantPermissions(['notifications'], { origin: stack.api.url });
    const badge = page.getByTestId('needs-you');
    await badge.getByText('0', { exact: true }).waitFor();

    await badge.click();
    await page.getByRole('heading', { name: 'Needs you' }).waitFor();
    await page.getByText('Nothing needs you right now.').waitFor();
    const toggle = page.getByTestId('notify-toggle');
    expect(await toggle.textContent()).to.contain('Notify me in this browser');
    await toggle.click();
    await toggle.getByText('Browser notifications on').waitFor();

    // an agent whose circuit breaker opens: it appears live, with the reason and a link
    await stack.turn('fragile', 'crash 4');
    await stack.waitStatus('fragile', 'idle');
    await stack.turn('fragile', 'crash 4');
    const failed = await stack.waitStatus('fragile', 'failed');
    await badge.getByText('1', { exact: true }).waitFor({ timeout: 15_000 });
    const agentCard = page.getByTestId('attention-agent').filter({ hasText: 'fragile failed' });
    await agentCard.waitFor();
    expect(await agentCard.getByTestId('attention-reason').textContent()).to.equal(failed.reason);

    // a question for a person: the badge counts it, the page shows the inbox's card
    const asked = await stack.json<{ id: string }>('POST', '/api/approvals', 202, { body: { request_type: 'custom', description: 'Restore last night’s backup', agent_id: 'fragile', risk_level: 'high' } });
    await badge.getByText('2', { exact: true }).waitFor({ timeout: 15_000 });
    const approvalCard = page.getByTestId('approval').filter({ hasText: 'Restore last night’s backup' });
    await approvalCard.waitFor();
    await screenshot(page, 'needs-you');

    // each newly needing a person was announced once by the browser
    let shown: { title: string; body?: string }[] = [];
    await waitUntil(async () => {
      shown = (await page.evaluate('window.__noxShown')) as typeof shown;
      return shown.length === 2;
    }, 10_000);
    expect(shown.map((n) => n.title).sort()).to.deep.equal(['Nox needs you: fragile asks for approval (high risk)', 'Nox needs you: fragile failed']);
    expect(shown.find((n) => n.title.endsWith('failed'))?.body).to.equal(failed.reason);

    // decided in place: it leaves the list and the count
    await approvalCard.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('decision-form').getByRole('button', { name: 'Approve' }).click();
    await approvalCard.waitFor({ state: 'detached' });
    await badge.getByText('1', { exact: true }).waitFor();
    const decided = await stack.json<{ status: string; decided_by: string }>('GET', `/api/approvals/${asked.id}`, 200);
    expect(decided).to.include({ status: 'approved', decided_by: 'user:nina' });

    // the link opens the agent
    await agentCard.getByRole('link', { name: 'Open fragile' }).click();
    await page.waitForURL(`${stack.api.url}/agents/fragile`);
    await page.getByTestId('agent-status').getByText('failed', { exact: true }).waitFor();
    expect((await page.evaluate('window.__noxShown.length')) as number).to.equal(2);
    expect(tab.errors).to.deep.equal([]);
  });
});
