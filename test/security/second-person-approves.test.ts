import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { startApprovalStack, until, type ApprovalStack } from '../approvals/approval-stack.js';
import { asUser, createAgents, refusal } from './principals-fixture.js';

/**
 * Four eyes: with `approvals.require_second_person = true` a person cannot approve an
 * approval they asked for themselves — a deletion they requested, or a request on behalf of
 * an agent — 403 `nox:approval-same-person`; another person approves it. Off (the default),
 * the asker may approve their own.
 */
describe('security: with require_second_person, nobody approves their own request', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  const alice = asUser('operator', 'alice');
  const bob = asUser('admin', 'bob');
  const asked = (id: string): Promise<void> => until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === id));

  before(async () => {
    stack = await startApprovalStack({ overrides: { 'approvals.require_second_person': true } });
    await createAgents(stack, 'four-a', 'four-b');
  });
  after(() => stack.cleanup());

  it('a deletion alice asked for: alice’s approval is 403 nox:approval-same-person; bob’s approves it and the agent is gone', async () => {
    const waiting = await stack.json<{ approval_id: string }>('DELETE', '/api/agents/four-a', 202, alice);
    const approval = await stack.json<ApprovalRequest>('GET', `/api/approvals/${waiting.approval_id}`, 200, bob);
    expect(approval.requested_by, 'who asked is recorded').to.equal('user:alice');
    await asked(waiting.approval_id);

    expect(await refusal(await stack.call('POST', `/api/approvals/${waiting.approval_id}/approve`, { ...alice, body: { reason: 'mine anyway' } }))).to.deep.equal({ status: 403, code: 'nox:approval-same-person' });
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${waiting.approval_id}`, 200)).status, 'still pending').to.equal('pending');

    const decided = await stack.json<ApprovalRequest>('POST', `/api/approvals/${waiting.approval_id}/approve`, 200, { ...bob, body: { reason: 'second pair of eyes' } });
    expect(decided).to.include({ status: 'approved', decided_by: 'user:bob' });
    await until(async () => (await stack.call('GET', '/api/agents/four-a')).status === 404);
  });

  it('a request alice made on behalf of an agent: she may not approve it, she may deny it', async () => {
    const mine = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { ...alice, body: { agent_id: 'four-b', description: 'let four-b deploy', risk_level: 'high' } });
    await asked(mine.id);
    expect(await refusal(await stack.call('POST', `/api/approvals/${mine.id}/approve`, { ...alice, body: {} }))).to.deep.equal({ status: 403, code: 'nox:approval-same-person' });
    const denied = await stack.json<ApprovalRequest>('POST', `/api/approvals/${mine.id}/deny`, 200, { ...alice, body: { reason: 'changed my mind' } });
    expect(denied).to.include({ status: 'denied', decided_by: 'user:alice' });
  });
});

describe('security: without require_second_person (the default), the asker may approve', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;

  before(async () => {
    stack = await startApprovalStack();
  });
  after(() => stack.cleanup());

  it('alice approves her own request', async () => {
    const alice = asUser('operator', 'alice');
    const mine = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { ...alice, body: { agent_id: 'solo', description: 'let solo deploy', risk_level: 'high' } });
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === mine.id));
    expect(await stack.json<ApprovalRequest>('POST', `/api/approvals/${mine.id}/approve`, 200, { ...alice, body: {} })).to.include({ status: 'approved', decided_by: 'user:alice' });
  });
});
