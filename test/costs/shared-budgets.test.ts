import { expect } from 'chai';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

/** test/fixtures/fake-claude.mjs: every turn costs $0.01 */
describe('budgets beyond one agent: a spawn subtree and the fleet’s day, enforced at turn boundaries', function () {
  this.timeout(60_000);

  describe('a spawn subtree', () => {
    let stack: CollabStack;
    before(async () => {
      stack = await startCollabStack({ overrides: { 'budgets.check_cache_ms': 0 } });
      await stack.json('POST', '/api/agents', 201, { body: { id: 'sb-p', subtree_budget_usd: 0.025 } });
      await stack.json('POST', '/api/agents', 201, { body: { id: 'sb-c', parent: 'sb-p' } });
      await stack.json('POST', '/api/agents', 201, { body: { id: 'sb-g', parent: 'sb-c' } });
      for (const id of ['sb-p', 'sb-c', 'sb-g']) {
        await stack.json('POST', `/api/agents/${id}/start`, 202);
        await stack.waitStatus(id, 'idle');
      }
    });
    after(async () => {
      await stack.cleanup();
    });

    const send = (to: string, content: string): Promise<{ id: string }> => stack.json('POST', '/api/messages', 202, { body: { to, content } });

    it("stops a grandchild when the grandparent's subtree budget is spent; the message waits, the agent says why", async () => {
      for (let i = 1; i <= 3; i++) {
        await send('sb-g', `work ${i}`);
        await stack.waitTurns('sb-g', i);
        await stack.waitStatus('sb-g', 'idle');
      }
      // $0.03 spent in the subtree of sb-p (budget $0.025): the next turn is refused at the boundary
      const held = await send('sb-g', 'one more');
      const runtime = await stack.waitStatus('sb-g', 'over-budget');
      expect(runtime.reason).to.match(/spawn subtree of sb-p has spent its budget of \$0\.025/);
      const events = await stack.events('agent.budget-exceeded');
      const mine = events.find((e) => e.agentId === 'sb-g');
      expect(mine?.data).to.deep.include({ scope: 'subtree', of: 'sb-p', budgetUsd: 0.025 });
      await new Promise((r) => setTimeout(r, 800)); // sweeps pass: still not delivered
      expect(await stack.turnsOf('sb-g')).to.have.length(3);
      expect((await stack.events('message.delivered')).some((e) => (e.data as { messageId: string }).messageId === held.id)).to.equal(false);
      // the parent and the child are in the same subtree: held too, at their next turn
      await send('sb-c', 'and you?');
      await stack.waitStatus('sb-c', 'over-budget');
      expect(await stack.turnsOf('sb-c')).to.have.length(0);
    });

    it('a raised budget releases the hold: the waiting messages are delivered, the agents are idle again', async () => {
      await stack.json('PATCH', '/api/agents/sb-p', 200, { body: { subtree_budget_usd: 1 } });
      await stack.waitTurns('sb-g', 4, 15_000);
      await stack.waitTurns('sb-c', 1, 15_000);
      await stack.waitStatus('sb-g', 'idle');
      const r = await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'sb-g');
      expect(r?.costUsd).to.be.closeTo(0.04, 1e-9);
    });
  });

  describe("the fleet's day", () => {
    let stack: CollabStack;
    before(async () => {
      stack = await startCollabStack({ overrides: { 'budgets.check_cache_ms': 0, 'budgets.fleet_daily_usd': 0.015 } });
      await stack.createAgent('fd-a');
      await stack.createAgent('fd-b');
    });
    after(async () => {
      await stack.cleanup();
    });

    it("holds every agent once the day's spending reaches the fleet budget", async () => {
      for (let i = 1; i <= 2; i++) {
        await stack.json('POST', '/api/messages', 202, { body: { to: 'fd-a', content: `work ${i}` } });
        await stack.waitTurns('fd-a', i);
        await stack.waitStatus('fd-a', 'idle');
      }
      // $0.02 today ≥ $0.015: another agent that never spent a cent is held too
      await stack.json('POST', '/api/messages', 202, { body: { to: 'fd-b', content: 'hello' } });
      const b = await stack.waitStatus('fd-b', 'over-budget');
      expect(b.reason).to.match(/fleet's daily budget of \$0\.015 is spent/);
      expect(await stack.turnsOf('fd-b')).to.have.length(0);
      // a direct turn through the API: refused with the code that says why
      const res = await stack.call('POST', '/api/agents/fd-b/turn', { body: { text: 'x' } });
      expect(res.status).to.equal(409);
      expect(((await res.json()) as { code: string }).code).to.equal('nox:budget-reached');
      // fd-a, idle after its last turn, is held at its next boundary (a direct turn's job)
      await stack.call('POST', '/api/agents/fd-a/turn', { body: { text: 'x' } });
      await stack.waitStatus('fd-a', 'over-budget');
      expect(await stack.turnsOf('fd-a')).to.have.length(2);
      const ev = (await stack.events('agent.budget-exceeded')).find((e) => e.agentId === 'fd-b');
      expect(ev?.data).to.deep.include({ scope: 'fleet-daily', budgetUsd: 0.015 });
    });
  });
});
