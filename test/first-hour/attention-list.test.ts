import { expect } from 'chai';
import type { AttentionItem } from '../../shared/attention/attention-item.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../approvals/approval-stack.js';
import { waitUntil } from '../support/harness.js';

/**
 * Issue 18, item 6: one "needs you" list — approvals waiting for a person and agents that
 * need one (here: failed by its circuit breaker, over its budget), most urgent first, each
 * with its reason and a link — and the webhook told of each new one. Real API, worker host
 * (with the approvals queue), stand-in agents and a real local HTTP receiver.
 */
interface AttentionAnswer {
  items: AttentionItem[];
  total: number;
  counts: { approvals: number; agents: number };
}

describe('"needs you": GET /api/attention and the webhook', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  let hook: WebhookReceiver;

  before(async () => {
    hook = await startWebhookReceiver(200);
    stack = await startAgentStack({
      overrides: { 'agent.circuit_max_crashes': 2, 'agent.restart_backoff_ms': 20, 'approvals.webhook_url': hook.url, 'approvals.dashboard_url': 'http://nox.example:3000/' },
      worker: { approvals: true },
    });
  });
  after(async () => {
    await stack?.cleanup();
    await hook?.close();
  });

  const attention = (role: 'admin' | 'viewer' = 'viewer'): Promise<AttentionAnswer> => stack.json<AttentionAnswer>('GET', '/api/attention', 200, { role });

  it('lists a pending approval, a failed agent and one over budget, with reasons and links; each reaches the webhook once; they leave when resolved', async () => {
    expect(await attention()).to.deep.equal({ items: [], total: 0, counts: { approvals: 0, agents: 0 } });

    // an agent whose circuit breaker opens: two crashes
    await stack.createAgent({ id: 'crashy' });
    await stack.startAgent('crashy');
    await stack.turn('crashy', 'crash 4');
    await stack.waitStatus('crashy', 'idle');
    await stack.turn('crashy', 'crash 4');
    const failed = await stack.waitStatus('crashy', 'failed');
    // an agent over its own budget (the stand-in costs $0.01 a turn)
    await stack.createAgent({ id: 'spender', max_budget_usd: 0.01 });
    await stack.startAgent('spender');
    await stack.turn('spender', 'hello');
    const spent = await stack.waitStatus('spender', 'over-budget');
    // a question for a person
    const asked = await stack.json<{ id: string }>('POST', '/api/approvals', 202, { body: { request_type: 'custom', description: 'Rotate the deploy key', agent_id: 'spender', risk_level: 'critical' } });
    await waitUntil(async () => (await attention()).total === 3, 10_000);

    const list = await attention();
    expect(list.counts).to.deep.equal({ approvals: 1, agents: 2 });
    // most severe first: the critical question, then the failed agent (high), then the budget (medium)
    expect(list.items.map((i) => [i.kind, i.agent_id, i.severity, i.link])).to.deep.equal([
      ['approval', 'spender', 'critical', '/attention'],
      ['agent-failed', 'crashy', 'high', '/agents/crashy'],
      ['agent-over-budget', 'spender', 'medium', '/agents/spender'],
    ]);
    const [question, broken, broke] = list.items as [AttentionItem, AttentionItem, AttentionItem];
    expect(question).to.include({ id: `approval:${asked.id}`, approval_id: asked.id, reason: 'Rotate the deploy key', title: 'spender asks for approval (critical risk)' });
    expect(question.approval?.status).to.equal('pending');
    expect(broken).to.include({ id: 'agent:crashy:failed', status: 'failed', title: 'crashy failed', reason: failed.reason });
    expect(broken.reason).to.match(/circuit breaker/);
    expect(broke).to.include({ title: 'spender is over budget', reason: spent.reason ?? 'it takes no new turn until its budget has room' });
    for (const item of list.items) expect(Date.parse(item.since)).to.be.a('number').and.not.NaN;

    // the webhook: the approval's own POST, and one per agent that began to need a person
    await waitUntil(() => hook.bodies.filter((b) => b.attention).length === 2 && hook.bodies.some((b) => b.approval), 10_000);
    const agentPosts = hook.bodies.filter((b) => b.attention).map((b) => b as { text: string; attention: { id: string; kind: string; link: string } });
    expect(agentPosts.map((b) => b.attention.id).sort()).to.deep.equal(['agent:crashy:failed', 'agent:spender:over-budget']);
    const crashPost = agentPosts.find((b) => b.attention.id === 'agent:crashy:failed')!;
    expect(crashPost.text).to.match(/^Nox needs you: crashy failed: .*circuit breaker.*<http:\/\/nox\.example:3000\/agents\/crashy\|Open crashy>$/);

    // people read it; an agent does not
    expect((await stack.call('GET', '/api/attention', { role: 'agent' })).status).to.equal(403);

    // resolved: the breaker reset, the question decided — each leaves the list
    await stack.json('POST', '/api/agents/crashy/reset', 202);
    await stack.json('POST', `/api/approvals/${asked.id}/deny`, 200, { body: { reason: 'not now' } });
    await waitUntil(async () => (await attention()).total === 1, 10_000);
    expect((await attention()).items.map((i) => i.id)).to.deep.equal(['agent:spender:over-budget']);
    // nothing new was posted about the agents
    expect(hook.bodies.filter((b) => b.attention)).to.have.length(2);
  });
});
