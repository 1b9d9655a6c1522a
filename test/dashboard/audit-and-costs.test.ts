import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { hashPassword } from '../../shared/auth/passwords.js';
import { addTurnUsage, utcDay } from '../../shared/costs/daily-usage.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The audit and costs pages against the real API on real Redis: what the audit page lists
 * is what a scripted sequence did (and what GET /api/audit answers, page by page); the cost
 * chart's bars are GET /api/costs's days, in proportion.
 */
interface AuditEntry {
  id: string;
  actor: string;
  outcome: string;
  status: number;
  correlationId: string;
}
interface CostReport {
  total: { costUsd: number; turns: number };
  rows: { key: string; costUsd: number; turns: number; inputTokens: number }[];
}

const DAY_MS = 86_400_000;
/** an expression, run in the page: how many body rows a table has */
// polled from the test, not with page.waitForFunction(string): the dashboard's CSP forbids eval
const rowCount = (page: Page, testId: string): Promise<number> => page.locator(`[data-testid="${testId}"] tbody tr`).count();
const until = (check: () => Promise<boolean>): Promise<void> => waitUntil(check, 15_000);

describe('dashboard: the audit trail and cost over time', function () {
  this.timeout(90_000);
  let stack: Stack;
  let writer: RegistryWriter;
  const browser = useBrowser('audit-costs');
  const audit = async (query: string): Promise<{ entries: AuditEntry[]; next: string | null }> => {
    const res = await stack.call('GET', `/api/audit${query}`, { role: 'operator' });
    expect(res.status).to.equal(200);
    return (await res.json()) as { entries: AuditEntry[]; next: string | null };
  };
  const costs = async (query: string): Promise<CostReport> => {
    const res = await stack.call('GET', `/api/costs${query}`, { role: 'viewer' });
    expect(res.status).to.equal(200);
    return (await res.json()) as CostReport;
  };

  before(async () => {
    stack = await startStack({
      withHost: false,
      overrides: {
        'auth.users': [
          { name: 'olga', role: 'admin', password_hash: await hashPassword('olga password') },
          { name: 'vic', role: 'viewer', password_hash: await hashPassword('vic password') },
        ],
      },
    });
    // the registry's one writer, so that creating an agent commits (no worker host is needed)
    writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
    // a scripted sequence: an admin creates an agent, a viewer tries to and is refused
    const made = await stack.call('POST', '/api/agents', { role: 'admin', body: { id: 'aud1' } });
    expect(made.status, await made.clone().text()).to.equal(201);
    expect((await stack.call('POST', '/api/agents', { role: 'viewer', body: { id: 'aud2' } })).status).to.equal(403);
    expect((await stack.call('POST', '/api/agents', { role: 'admin', body: { id: 'aud3' } })).status).to.equal(201);
    // spending in the per-day ledger the hosts keep: today two turns of cost-a, yesterday one of cost-b
    const { redis, keys } = stack.apiCtx;
    const turn = (costUsd: number) => ({ costUsd, inputTokens: 100, outputTokens: 40, cacheReadTokens: 0, cacheCreationTokens: 0 });
    await addTurnUsage(redis, keys, 'cost-a', turn(0.25), 30);
    await addTurnUsage(redis, keys, 'cost-a', turn(0.5), 30);
    await addTurnUsage(redis, keys, 'cost-b', turn(0.3), 30, Date.now() - DAY_MS);
  });
  after(async () => {
    await writer?.close();
    await stack?.cleanup();
  });

  it('lists the audit entries of the scripted sequence, read only, with their actors and outcomes', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    await rows.first().waitFor();
    const api = await audit('?limit=50');
    // the page shows what the API answers, in the same order (newest first)
    await until(async () => (await rowCount(page, 'audit-table')) === api.entries.length);
    const shown = await rows.allInnerTexts();
    api.entries.forEach((e, i) => expect(shown[i], `row ${i}`).to.contain(e.correlationId).and.contain(e.actor));
    const created = shown.find((t) => t.includes('user:test-admin') && t.includes('POST /api/agents'));
    expect(created, 'the admin creating an agent').to.match(/\bok\b/).and.match(/\b201\b/);
    const refused = shown.find((t) => t.includes('user:test-viewer'));
    expect(refused, "the viewer's refused attempt").to.contain('viewer').and.match(/\bdenied\b/).and.match(/\b403\b/);
    // nothing to edit: no input, button or link inside the table
    expect(await page.getByTestId('audit-table').locator('tbody input, tbody button, tbody a').count()).to.equal(0);
    await screenshot(page, 'audit');
    expect(tab.errors).to.deep.equal([]);
  });

  it('filters by outcome denied, and pages back with "older"', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/audit');
    await page.getByTestId('audit-table').locator('tbody tr').first().waitFor();
    await page.locator('.nox-audit-filters .p-dropdown').click();
    await page.getByRole('option', { name: 'denied' }).click();
    await page.getByTestId('audit-apply').click();
    const denied = await audit('?outcome=denied');
    expect(denied.entries.map((e) => e.status)).to.include(403);
    const tags = page.locator('[data-testid="audit-table"] [data-testid="audit-outcome"]');
    await until(async () => {
      const texts = await tags.allTextContents();
      return texts.length === denied.entries.length && texts.every((t) => t === 'denied');
    });
    await screenshot(page, 'audit-denied');

    // two per page: "older" appends the API's next page, until there is none
    await page.goto(`${stack.api.url}/audit?limit=2`);
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    const all = await audit('?limit=1000');
    expect(all.entries.length, 'enough entries for three pages').to.be.greaterThan(4);
    await page.getByTestId('audit-older').waitFor();
    expect(await rows.count()).to.equal(2);
    const first = await audit('?limit=2');
    const second = await audit(`?limit=2&cursor=${first.next}`);
    await page.getByTestId('audit-older').click();
    await until(async () => (await rowCount(page, 'audit-table')) === 4);
    const shown = await rows.allInnerTexts();
    [...first.entries, ...second.entries].forEach((e, i) => expect(shown[i], `row ${i}`).to.contain(e.correlationId));
    // to the end: the button goes away when the API has no next page
    while (await page.getByTestId('audit-older').isVisible()) {
      const before = await rows.count();
      await page.getByTestId('audit-older').click();
      await until(async () => (await rowCount(page, 'audit-table')) > before || !(await page.getByTestId('audit-older').isVisible()));
    }
    expect(await rows.count()).to.be.at.least(all.entries.length);
    expect(await page.getByTestId('audit-count').textContent()).to.contain('no older ones');
    expect(tab.errors).to.deep.equal([]);
  });

  it('tells a viewer the audit trail is for operators and admins, and hides it from the menu', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'vic', 'vic password', '/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Costs' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Audit' }).count()).to.equal(0);
    await page.goto(`${stack.api.url}/audit`);
    await page.getByTestId('audit-forbidden').waitFor();
    expect(await page.getByTestId('audit-forbidden').textContent()).to.match(/operators and admins only/);
    expect(await page.getByTestId('audit-table').count()).to.equal(0);
    await screenshot(page, 'audit-viewer');
  });

  it("draws a bar per day whose heights and titles are GET /api/costs's days, and the table by agent and project", async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/costs');
    await page.getByRole('heading', { level: 1, name: 'Costs' }).waitFor();
    await page.getByTestId('cost-chart').waitFor();
    const from = utcDay(Date.now() - 29 * DAY_MS);
    const byDay = await costs(`?by=day&from=${from}`);
    const today = byDay.rows.find((r) => r.key === utcDay())!;
    const yesterday = byDay.rows.find((r) => r.key === utcDay(Date.now() - DAY_MS))!;
    expect(today.costUsd).to.equal(0.75);
    expect(yesterday.costUsd).to.equal(0.3);
    const bars = page.locator('[data-testid="cost-chart"] rect.nox-chart-bar');
    expect(await bars.count(), 'a bar per day of the 30').to.equal(30);
    const bar = (day: string) => page.locator(`[data-testid="cost-chart"] rect[data-day="${day}"]`);
    const height = async (day: string) => Number(await bar(day).getAttribute('height'));
    expect(await bar(today.key).locator('title').textContent()).to.equal(`${today.key}: $${today.costUsd.toFixed(4)}, 2 turns`);
    expect(await bar(yesterday.key).locator('title').textContent()).to.equal(`${yesterday.key}: $${yesterday.costUsd.toFixed(4)}, 1 turns`);
    // heights in proportion to the costs; days without cost have no height
    expect((await height(today.key)) / (await height(yesterday.key))).to.be.closeTo(today.costUsd / yesterday.costUsd, 1e-6);
    expect(await height(from)).to.equal(0);
    expect(await page.getByTestId('total-cost').textContent()).to.equal(`$${byDay.total.costUsd.toFixed(2)}`);
    expect(await page.getByTestId('total-turns').textContent()).to.equal('3');

    // by agent: the API's rows, most first
    const byAgent = await costs(`?by=agent&from=${from}`);
    const agentRows = page.getByTestId('cost-group-table').locator('tbody tr');
    await until(async () => (await rowCount(page, 'cost-group-table')) === 2);
    const shown = await agentRows.allInnerTexts();
    expect(byAgent.rows.map((r) => r.key)).to.deep.equal(['cost-a', 'cost-b']);
    byAgent.rows.forEach((r, i) => expect(shown[i]).to.contain(r.key).and.contain(`$${r.costUsd.toFixed(4)}`));
    await screenshot(page, 'costs');
    // by project: neither stand-in agent has one
    await page.getByTestId('cost-group').getByText('By project').click();
    await page.getByTestId('cost-group-table').getByText('(none)').waitFor();
    expect(await page.getByTestId('cost-group-table').locator('tbody tr').count()).to.equal(1);

    // seven days include both bars; a range of old days says in words that nothing was spent
    await page.getByText('7 days', { exact: true }).click();
    await until(async () => (await bars.count()) === 7);
    await page.getByText('From – to', { exact: true }).click();
    await page.locator('#cost-from').fill(utcDay(Date.now() - 60 * DAY_MS));
    await page.locator('#cost-to').fill(utcDay(Date.now() - 50 * DAY_MS));
    await page.getByTestId('cost-empty').waitFor();
    expect(await page.getByTestId('cost-empty').textContent()).to.match(/Nothing was spent/);
    await screenshot(page, 'costs-empty');
    expect(tab.errors).to.deep.equal([]);
  });

  it("says today's cost on the overview and links to the costs page", async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/');
    const card = page.getByTestId('card-cost');
    await card.getByText('today').waitFor();
    expect(await card.textContent()).to.contain('$0.7500');
    await card.getByRole('link', { name: 'over time' }).click();
    await page.getByRole('heading', { level: 1, name: 'Costs' }).waitFor();
  });
});
