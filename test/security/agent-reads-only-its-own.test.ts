import { expect } from 'chai';
import { appendConversation } from '../../shared/agents/conversation-log.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { asAgent, createAgents, refusal } from './principals-fixture.js';

/**
 * An agent token reads and changes only what is its own (DESIGN.md "Containment"; docs/API.md
 * "What an agent token can do"): its conversation, metrics, memory, and the tasks it owns or
 * asked for. Each attempt on another agent's must fail — 403 `nox:not-own-agent` where the
 * path names the agent, 404 `nox:task-not-found` for a task (addressed by its own id: the
 * answer must not say it exists) — while the same request for its own succeeds.
 */
describe('security: an agent reads only its own conversation, metrics, memory and tasks', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  const me = asAgent('own-a');

  before(async () => {
    stack = await startApprovalStack();
    await createAgents(stack, 'own-a', 'own-b');
    for (const id of ['own-a', 'own-b']) {
      await appendConversation(stack.apiCtx.redis, stack.apiCtx.keys, id, [{ at: new Date().toISOString(), kind: 'assistant-text', text: `private words of ${id}` }], 100);
    }
  });
  after(() => stack.cleanup());

  it('conversation: its own is readable; another agent’s is 403 nox:not-own-agent', async () => {
    const own = await stack.json<{ entries: { text: string }[] }>('GET', '/api/agents/own-a/conversation', 200, me);
    expect(own.entries.map((e) => e.text)).to.deep.equal(['private words of own-a']);
    const other = await stack.call('GET', '/api/agents/own-b/conversation', me);
    expect(await refusal(other)).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
  });

  it('metrics: its own are readable; another agent’s are 403 nox:not-own-agent', async () => {
    expect(await stack.json('GET', '/api/agents/own-a/metrics', 200, me)).to.include({ id: 'own-a' });
    expect(await refusal(await stack.call('GET', '/api/agents/own-b/metrics', me))).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
  });

  it('memory: its own is read and written; another agent’s is neither read, written nor forgotten', async () => {
    await stack.json('PUT', '/api/agents/own-b/memory/plan', 200, { ...asAgent('own-b'), body: { value: 'b’s secret plan' } });
    await stack.json('PUT', '/api/agents/own-a/memory/plan', 200, { ...me, body: { value: 'a’s plan' } });
    expect(await stack.json('GET', '/api/agents/own-a/memory', 200, me)).to.have.nested.property('memory.plan.value', 'a’s plan');
    for (const [method, url, body] of [
      ['GET', '/api/agents/own-b/memory', undefined],
      ['GET', '/api/agents/own-b/memory?key=plan', undefined],
      ['PUT', '/api/agents/own-b/memory/plan', { value: 'overwritten' }],
      ['DELETE', '/api/agents/own-b/memory/plan', undefined],
    ] as const) {
      expect(await refusal(await stack.call(method, url, { ...me, body })), `${method} ${url}`).to.deep.equal({ status: 403, code: 'nox:not-own-agent' });
    }
    expect(await stack.json('GET', '/api/agents/own-b/memory', 200, { role: 'viewer' })).to.have.nested.property('memory.plan.value', 'b’s secret plan');
  });

  it('tasks: those it owns or asked for are listed and readable; another’s is 404 everywhere, and cannot be reached through a dependency or a taken id', async () => {
    const mine = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'own-a', title: 'for a' } });
    const theirs = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'own-b', title: 'b’s private task' } });
    const asked = await stack.json<Task>('POST', '/api/tasks', 201, { ...me, body: { agent_id: 'own-b', title: 'a asks b' } });
    expect(asked.requested_by).to.equal('agent:own-a');

    const listed = await stack.json<{ tasks: Task[] }>('GET', '/api/tasks', 200, me);
    expect(listed.tasks.map((t) => t.id).sort()).to.deep.equal([mine.id, asked.id].sort());
    const ofB = await stack.json<{ tasks: Task[] }>('GET', '/api/tasks?agent=own-b', 200, me);
    expect(ofB.tasks.map((t) => t.id), 'of b: only what a asked for').to.deep.equal([asked.id]);
    expect((await stack.json<Task>('GET', `/api/tasks/${asked.id}`, 200, me)).title).to.equal('a asks b');
    expect((await stack.json<Task>('GET', `/api/tasks/${mine.id}`, 200, me)).title).to.equal('for a');

    for (const [method, url, body] of [
      ['GET', `/api/tasks/${theirs.id}`, undefined],
      ['PATCH', `/api/tasks/${theirs.id}`, { status: 'cancelled' }],
      ['POST', `/api/tasks/${theirs.id}/delegate`, { to: 'own-a' }],
    ] as const) {
      expect(await refusal(await stack.call(method, url, { ...me, body })), `${method} ${url}`).to.deep.equal({ status: 404, code: 'nox:task-not-found' });
    }
    const viaDependency = await stack.call('POST', '/api/tasks', { ...me, body: { agent_id: 'own-a', title: 'after b', dependencies: [theirs.id] } });
    expect(viaDependency.status, 'a dependency on a task it may not read is an unknown one').to.equal(400);
    const viaId = await stack.call('POST', '/api/tasks', { ...me, body: { id: theirs.id, agent_id: 'own-a', title: 'same id' } });
    expect(await refusal(viaId)).to.deep.equal({ status: 409, code: 'nox:task-exists' });
    expect((await stack.json<Task>('GET', `/api/tasks/${theirs.id}`, 200, { role: 'viewer' })).status, 'untouched').to.equal('pending');
  });
});
