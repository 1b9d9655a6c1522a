import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { hashPassword } from '../../shared/auth/passwords.js';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

interface Line {
  scope: string;
  id: string;
  usedUsd: number;
  limitUsd: number;
  state: string;
}

/**
 * Use against each budget on the dashboard (docs/OBSERVABILITY.md, "Budgets"), live: a real
 * API and worker host running the stand-in agent ($0.01 a turn). The Costs page, the agent
 * page and the tasks board show what GET /api/budgets answers, and follow as turns end,
 * without a reload.
 */
describe('dashboard: budgets, their use against each limit, live', function () {
  this.timeout(120_000);
  let stack: CollabStack;
  let taskId: string;
  const browser = useBrowser('budgets');
  const budgets = async (query = ''): Promise<Line[]> => (await stack.json<{ budgets: Line[] }>('GET', `/api/budgets${query}`, 200, { role: 'viewer' })).budgets;
  /** the row's figures as the page shows them (data attributes and the text) */
  const shown = async (page: Page, testId: string): Promise<{ used: number; limit: number; state: string; text: string }> => {
    const row = page.getByTestId(testId);
    return { used: Number(await row.getAttribute('data-used')), limit: Number(await row.getAttribute('data-limit')), state: (await row.getAttribute('data-state')) ?? '', text: (await row.textContent()) ?? '' };
  };
  const until = (check: () => Promise<boolean>): Promise<void> => waitUntil(check, 15_000);
  const oneTurn = async (agentId: string, body: Record<string, unknown>, turns: number): Promise<void> => {
    await stack.json('POST', '/api/messages', 202, { body: { to: agentId, ...body } });
    await stack.waitTurns(agentId, turns);
    await stack.waitStatus(agentId, 'idle');
  };

  before(async () => {
    stack = await startCollabStack({
      overrides: {
        'budgets.fleet_daily_usd': 2,
        'budgets.check_cache_ms': 0,
        'auth.users': [{ name: 'bea', role: 'operator', password_hash: await hashPassword('bea password') }],
      },
    });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'bl-a', max_budget_usd: 0.05 } });
    await stack.json('POST', '/api/agents/bl-a/start', 202);
    await stack.waitStatus('bl-a', 'idle');
    taskId = (await stack.json<{ id: string }>('POST', '/api/tasks', 201, { body: { agent_id: 'bl-a', title: 'Tally the invoices', budget_usd: 0.02 } })).id;
    await stack.waitTurns('bl-a', 1);
    await stack.waitStatus('bl-a', 'idle');
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('the Costs page lists every budget with its use against its limit, and follows the turns as they end', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'bea', 'bea password', '/costs');
    await page.getByTestId('budget-table').waitFor();
    const day = new Date().toISOString().slice(0, 10);
    const api = await budgets();
    expect(api.map((b) => `${b.scope}:${b.id}`).sort()).to.deep.equal(['agent:bl-a', `fleet-daily:${day}`, `task:${taskId}`]);
    await until(async () => (await page.getByTestId('budget-table').locator('tbody tr').count()) === 3);
    for (const b of api) {
      const row = await shown(page, `budget-${b.scope}-${b.id}`);
      expect(row, `${b.scope} ${b.id}`).to.deep.include({ used: b.usedUsd, limit: b.limitUsd, state: b.state });
      expect(row.text).to.contain(`$${b.usedUsd.toFixed(4)} of $${b.limitUsd.toFixed(b.limitUsd < 1 ? 4 : 2)}`);
    }
    expect((await shown(page, 'budget-agent-bl-a')).used).to.equal(0.01);
    await screenshot(page, 'budgets-costs');

    // two more turns, one of them for the task: the page moves without a reload
    await oneTurn('bl-a', { content: 'work on the invoices', metadata: { taskId } }, 2);
    await oneTurn('bl-a', { content: 'and something else' }, 3);
    await until(async () => (await shown(page, 'budget-agent-bl-a')).used === 0.03);
    await until(async () => (await shown(page, `budget-task-${taskId}`)).state === 'reached');
    expect(await shown(page, `budget-task-${taskId}`)).to.deep.include({ used: 0.02, limit: 0.02 });
    expect(await shown(page, `budget-fleet-daily-${day}`)).to.deep.include({ used: 0.03, limit: 2, state: 'ok' });
    expect(await page.getByTestId('budget-counts').textContent()).to.equal('1 reached · 0 near · 2 ok');
    // reached first
    expect(await page.getByTestId('budget-table').locator('tbody tr').first().getAttribute('data-testid')).to.equal(`budget-task-${taskId}`);
    await screenshot(page, 'budgets-costs-live');
    expect(tab.errors).to.deep.equal([]);
  });

  it('the agent page shows the budgets its turns fall under; the tasks board shows the task’s, live', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'bea', 'bea password', '/agents/bl-a');
    await page.getByTestId('agent-budget-table').waitFor();
    const mine = await budgets('?agent=bl-a');
    await until(async () => (await page.getByTestId('agent-budget-table').locator('tbody tr').count()) === mine.length);
    for (const b of mine) expect(await shown(page, `budget-${b.scope}-${b.id}`)).to.deep.include({ used: b.usedUsd, limit: b.limitUsd, state: b.state });
    // the agent's own budget nears its end (0.04 of 0.05: 80 %)
    await oneTurn('bl-a', { content: 'one more' }, 4);
    await until(async () => (await shown(page, 'budget-agent-bl-a')).state === 'near');
    await screenshot(page, 'budgets-agent');

    // the tasks board: the task's meter; a person raises its budget, the meter follows
    await page.goto(`${stack.api.url}/tasks`);
    const card = `task-budget-${taskId}`;
    await page.getByTestId(card).waitFor();
    expect(await shown(page, card)).to.deep.include({ used: 0.02, limit: 0.02, state: 'reached' });
    await stack.json('PATCH', `/api/tasks/${taskId}`, 200, { body: { budget_usd: 1 } });
    await until(async () => (await shown(page, card)).limit === 1);
    expect((await shown(page, card)).state).to.not.equal('reached');
    await screenshot(page, 'budgets-tasks');
    expect(tab.errors).to.deep.equal([]);
  });
});
