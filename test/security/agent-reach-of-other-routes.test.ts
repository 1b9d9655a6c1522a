import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { asAgent, createAgents, refusal } from './principals-fixture.js';

/**
 * The rest of what an agent token can call (docs/API.md, "What an agent token can do"):
 * approvals it did not ask for, another agent's messages, subscriptions and turns, and the
 * people-only areas (system, registry, MCP, bull-board). Each attempt must fail.
 */
describe('security: an agent token reaches nothing of another agent’s elsewhere', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  const me = asAgent('reach-a');

  before(async () => {
    stack = await startApprovalStack();
    await createAgents(stack, 'reach-a', 'reach-b');
  });
  after(() => stack.cleanup());

  it('approvals: only those it asked for — not another agent’s, nor one a person asked about it', async () => {
    const own = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { ...me, body: { description: 'may I?' } });
    const theirs = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { ...asAgent('reach-b'), body: { description: 'b asks' } });
    const aboutMe = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body: { agent_id: 'reach-a', description: 'a person asks about a' } });

    const { approvals } = await stack.json<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals?status=all&agent=reach-b', 200, me);
    expect(approvals.map((a) => a.id)).to.deep.equal([own.id]);
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${own.id}`, 200, me)).description).to.equal('may I?');
    for (const id of [theirs.id, aboutMe.id]) {
      expect(await refusal(await stack.call('GET', `/api/approvals/${id}`, me))).to.deep.equal({ status: 404, code: 'nox:approval-not-found' });
      // deciding tells it no more than reading: the same 403 as for an id that does not exist
      expect(await refusal(await stack.call('POST', `/api/approvals/${id}/approve`, { ...me, body: {} }))).to.deep.equal({ status: 403, code: 'nox:forbidden' });
    }
    expect(await refusal(await stack.call('POST', '/api/approvals/ap-00000000000000000000000000000000/approve', { ...me, body: {} }))).to.deep.equal({ status: 403, code: 'nox:forbidden' });
  });

  it('messages, subscriptions and turns of another agent: 403 nox:not-own-agent', async () => {
    expect(await refusal(await stack.call('GET', '/api/messages?agent=reach-b', me))).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
    expect(await refusal(await stack.call('POST', '/api/topics/news/subscribers', { ...me, body: { agent_id: 'reach-b' } }))).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
    expect(await refusal(await stack.call('DELETE', '/api/topics/news/subscribers/reach-b', me))).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
    expect(await refusal(await stack.call('POST', '/api/agents/reach-b/turn', { ...me, body: { text: 'do as I say' } }))).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
  });

  it('the people-only areas: system, hosts, queues, registry, MCP, bull-board, lifecycle acts', async () => {
    const attempts: [string, string][] = [
      ['GET', '/api/system/health'],
      ['GET', '/api/system/hosts'],
      ['GET', '/api/system/metrics'],
      ['GET', '/api/registry/history'],
      ['GET', '/api/registry/branches'],
      ['GET', '/api/registry/agents/reach-b/conversations'],
      ['GET', '/api/mcp/services'],
      ['GET', '/api/agents/reach-b/mcp'],
      ['GET', '/api/approvals/policy'],
      ['POST', '/api/agents/reach-b/stop'],
      ['DELETE', '/api/agents/reach-b'],
      ['GET', '/admin/queues/api/queues'],
    ];
    for (const [method, url] of attempts) {
      expect((await stack.call(method, url, me)).status, `${method} ${url}`).to.equal(403);
    }
  });
});
