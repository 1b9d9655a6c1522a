import { expect } from 'chai';
import { addTurnUsage, utcDay } from '../../shared/costs/daily-usage.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

interface Row {
  key: string;
  costUsd: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
}
interface Report {
  from: string;
  to: string;
  by: string;
  total: Row;
  rows: Row[];
}

const DAY_MS = 86_400_000;

describe('costs: per day and per agent, kept as turns end', function () {
  this.timeout(60_000);
  let stack: CollabStack;
  const report = (query: string, role: 'viewer' | 'admin' = 'viewer'): Promise<Report> => stack.json<Report>('GET', `/api/costs${query}`, 200, { role });

  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('ca');
    await stack.createAgent('cb');
    for (const [to, n] of [['ca', 1], ['cb', 3]] as const) {
      for (let i = 0; i < n; i++) {
        await stack.json('POST', '/api/messages', 202, { body: { to, content: `task ${i}` } });
        await stack.waitTurns(to, i + 1);
        await stack.waitStatus(to, 'idle');
      }
    }
  });
  after(async () => {
    await stack.cleanup();
  });

  it("today's cost by agent is what the stand-in reported per turn ($0.01), most expensive first", async () => {
    const turnsA = (await stack.turnsOf('ca')).length;
    const turnsB = (await stack.turnsOf('cb')).length;
    await waitUntil(async () => (await report('?by=agent')).total.turns === turnsA + turnsB, 5000);
    const r = await report('?by=agent');
    expect(r.rows.map((x) => [x.key, x.turns, x.inputTokens, x.outputTokens])).to.deep.equal([
      ['cb', turnsB, 100 * turnsB, 20 * turnsB],
      ['ca', turnsA, 100 * turnsA, 20 * turnsA],
    ]);
    expect(r.rows[0]!.costUsd).to.be.closeTo(0.01 * turnsB, 1e-9);
    expect(r.total.costUsd).to.be.closeTo(0.01 * (turnsA + turnsB), 1e-9);
    expect(r.to).to.equal(utcDay());
    // the overview's cost card: today, across the fleet
    const metrics = await stack.json<{ cost_today_usd: number }>('GET', '/api/system/metrics', 200, { role: 'viewer' });
    expect(metrics.cost_today_usd).to.be.closeTo(r.total.costUsd, 1e-9);
  });

  it('by day: one row per day of the range, oldest first, earlier days included', async () => {
    const yesterday = utcDay(Date.now() - DAY_MS);
    const threeAgo = utcDay(Date.now() - 3 * DAY_MS);
    await addTurnUsage(stack.apiCtx.redis, stack.apiCtx.keys, 'ca', { costUsd: 0.5, inputTokens: 7, outputTokens: 3, cacheReadTokens: 0, cacheCreationTokens: 0 }, 30, Date.now() - DAY_MS);
    const r = await report(`?by=day&from=${threeAgo}`);
    expect(r.rows.map((x) => x.key)).to.deep.equal([threeAgo, utcDay(Date.now() - 2 * DAY_MS), yesterday, utcDay()]);
    expect(r.rows[2]).to.deep.include({ costUsd: 0.5, turns: 1, inputTokens: 7 });
    expect(r.rows[0]).to.deep.include({ costUsd: 0, turns: 0 });
    const today = await report(`?by=day&from=${utcDay()}`);
    expect(r.rows[3]!.costUsd).to.equal(today.total.costUsd);
    // a day's ledger expires after the retention
    const ttl = await stack.apiCtx.redis.pttl(stack.apiCtx.keys.usageDay(yesterday));
    expect(ttl).to.be.greaterThan(29 * DAY_MS).and.at.most(31 * DAY_MS);
  });

  it('by project groups agents without one under (none)', async () => {
    const r = await report('?by=project');
    expect(r.rows.map((x) => x.key)).to.deep.equal(['(none)']);
    expect(r.rows[0]!.costUsd).to.equal(r.total.costUsd);
  });

  it('bad ranges are 400s that say why; people read it, agents do not', async () => {
    for (const q of ['?from=2026-13-01', '?by=week', `?from=${utcDay()}&to=${utcDay(Date.now() - DAY_MS)}`, '?from=2020-01-01&to=2026-01-01']) {
      const res = await stack.call('GET', `/api/costs${q}`, { role: 'viewer' });
      expect(res.status, q).to.equal(400);
      expect(((await res.json()) as { code: string }).code).to.equal('nox:validation-failed');
    }
    expect((await stack.call('GET', '/api/costs', { token: tokenFor('agent', 'ca', 'ca') })).status).to.equal(403);
  });
});
