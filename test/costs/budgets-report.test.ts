import { expect } from 'chai';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

interface Line {
  scope: string;
  id: string;
  name?: string;
  agentId?: string;
  limitUsd: number;
  usedUsd: number;
  state: string;
}
interface Report {
  budgets: Line[];
  counts: Record<string, number>;
}

/**
 * GET /api/budgets (docs/OBSERVABILITY.md, "Budgets"): every budget in force with what the
 * turns spent against it, from real turns of stand-in agents ($0.01 each).
 */
describe('GET /api/budgets: each budget’s limit, use and state', function () {
  this.timeout(60_000);
  let stack: CollabStack;
  let taskId: string;
  const report = (query = ''): Promise<Report> => stack.json<Report>('GET', `/api/budgets${query}`, 200, { role: 'viewer' });
  const find = (r: Report, scope: string, id: string): Line | undefined => r.budgets.find((b) => b.scope === scope && b.id === id);

  before(async () => {
    stack = await startCollabStack({ overrides: { 'budgets.fleet_daily_usd': 1, 'budgets.check_cache_ms': 0 } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'br-root', subtree_budget_usd: 0.05 } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'br-kid', parent: 'br-root', max_budget_usd: 0.02 } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'br-free' } });
    for (const id of ['br-root', 'br-kid']) {
      await stack.json('POST', `/api/agents/${id}/start`, 202);
      await stack.waitStatus(id, 'idle');
    }
    for (let i = 1; i <= 2; i++) {
      await stack.json('POST', '/api/messages', 202, { body: { to: 'br-kid', content: `work ${i}` } });
      await stack.waitTurns('br-kid', i);
    }
    await stack.waitStatus('br-kid', 'over-budget');
    taskId = (await stack.json<{ id: string }>('POST', '/api/tasks', 201, { body: { agent_id: 'br-root', title: 'Audit the books', budget_usd: 0.01 } })).id;
    await stack.waitTurns('br-root', 1);
  });
  after(async () => {
    await stack.cleanup();
  });

  it('answers the agent’s own, the subtree’s, the fleet’s day and the task’s, with the figures the turns left', async () => {
    let r: Report = { budgets: [], counts: {} };
    await waitUntil(async () => (r = await report()).counts.reached === 2, 10_000).catch(() => {
      throw new Error(JSON.stringify(r));
    });
    expect(r.budgets).to.have.length(4);
    expect(find(r, 'agent', 'br-kid')).to.deep.equal({ scope: 'agent', id: 'br-kid', name: 'br-kid', limitUsd: 0.02, usedUsd: 0.02, state: 'reached' });
    // the root's turn for the task and the kid's two: $0.03 of $0.05
    expect(find(r, 'subtree', 'br-root')).to.deep.include({ limitUsd: 0.05, usedUsd: 0.03, state: 'ok' });
    const day = r.budgets.find((b) => b.scope === 'fleet-daily');
    expect(day).to.deep.include({ id: new Date().toISOString().slice(0, 10), limitUsd: 1, usedUsd: 0.03, state: 'ok' });
    expect(find(r, 'task', taskId)).to.deep.equal({ scope: 'task', id: taskId, name: 'Audit the books', agentId: 'br-root', limitUsd: 0.01, usedUsd: 0.01, state: 'reached' });
    expect(r.counts).to.deep.equal({ ok: 2, near: 0, reached: 2 });
    // an agent without a budget has no line
    expect(r.budgets.some((b) => b.id === 'br-free')).to.equal(false);
  });

  it('filters: the budgets a turn of one agent falls under, one task, one scope; a raised budget changes the state', async () => {
    const kid = await report('?agent=br-kid');
    expect(kid.budgets.map((b) => `${b.scope}:${b.id}`).sort()).to.deep.equal(['agent:br-kid', `fleet-daily:${new Date().toISOString().slice(0, 10)}`, 'subtree:br-root']);
    const root = await report('?agent=br-root');
    expect(root.budgets.map((b) => b.scope).sort()).to.deep.equal(['fleet-daily', 'subtree', 'task']);
    expect((await report(`?task=${taskId}`)).budgets.map((b) => b.id)).to.deep.equal([taskId]);
    expect((await report('?scope=subtree')).budgets.map((b) => b.id)).to.deep.equal(['br-root']);

    // $0.02 of $0.024 is 83 %: near
    await stack.json('PATCH', '/api/agents/br-kid', 200, { body: { max_budget_usd: 0.024 } });
    await waitUntil(async () => find(await report('?scope=agent'), 'agent', 'br-kid')?.limitUsd === 0.024, 10_000);
    expect(find(await report('?scope=agent'), 'agent', 'br-kid')).to.deep.include({ usedUsd: 0.02, state: 'near' });
  });

  it('is for people: an agent token is refused, a bad filter is a 400', async () => {
    const res = await stack.call('GET', '/api/budgets', { token: tokenFor('agent', 'br-kid', 'br-kid') });
    expect(res.status).to.equal(403);
    const bad = await stack.call('GET', '/api/budgets?scope=galaxy', { role: 'viewer' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { code: string }).code).to.equal('nox:validation-failed');
  });
});
