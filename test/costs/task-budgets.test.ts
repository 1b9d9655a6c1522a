import { expect } from 'chai';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

type TaskView = { id: string; budget_usd?: number; usage: { costUsd: number; turns: number; byAgent: Record<string, number> } };

/**
 * A task's budget (docs/AGENTS.md, "Budgets per task"), on a real worker host running the
 * stand-in agent (test/fixtures/fake-claude.mjs: every turn costs $0.01). The turns that
 * name the task — its own notifications, messages naming it from those who may charge it
 * (the assignee's descendants included), direct turns with `task_id` — are summed; once
 * they reach the budget, no turn is done for the task: its messages are set aside, a
 * direct turn answers 409, and the agents' other turns go on.
 */
describe('budgets per task: the turns done for a task stop when its budget is spent', function () {
  this.timeout(90_000);
  let stack: CollabStack;
  let taskId: string;
  const asAgent = (id: string): { token: string } => ({ token: tokenFor('agent', id, id) });
  const task = (): Promise<TaskView> => stack.json<TaskView>('GET', `/api/tasks/${taskId}`, 200);
  const send = (to: string, content: string, named: boolean, as?: { token: string }): Promise<{ id: string }> =>
    stack.json('POST', '/api/messages', 202, { ...as, body: { to, content, ...(named ? { metadata: { taskId } } : {}) } });
  const waitCost = async (usd: number): Promise<TaskView> => {
    let last: TaskView | undefined;
    await waitUntil(async () => Math.abs((last = await task()).usage.costUsd - usd) < 1e-9, 15_000).catch(() => {
      throw new Error(`task cost ${last?.usage.costUsd}, wanted ${usd}`);
    });
    return last as TaskView;
  };

  before(async () => {
    stack = await startCollabStack({ overrides: { 'budgets.check_cache_ms': 0 } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'tb-lead' } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'tb-child', parent: 'tb-lead' } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'tb-other' } });
    for (const id of ['tb-lead', 'tb-child', 'tb-other']) {
      await stack.json('POST', `/api/agents/${id}/start`, 202);
      await stack.waitStatus(id, 'idle');
    }
  });
  after(async () => {
    await stack.cleanup();
  });

  it('counts the turns that work for the task — the assignee’s and its child’s — and no others', async () => {
    // an agent cannot give itself (or any task) a budget
    const refused = await stack.call('POST', '/api/tasks', { ...asAgent('tb-lead'), body: { agent_id: 'tb-lead', title: 'self-funded', budget_usd: 100 } });
    expect(refused.status).to.equal(403);

    const created = await stack.json<{ id: string }>('POST', '/api/tasks', 201, { body: { agent_id: 'tb-lead', title: 'Write the report', budget_usd: 0.03 } });
    taskId = created.id;
    // the task's own notification is the lead's first turn for it
    const leadTurns = await stack.waitTurns('tb-lead', 1);
    expect(leadTurns[0]).to.include(`for task ${taskId}`);
    await waitCost(0.01);

    // the lead asks its child for help, naming the task: the child's turn counts for it
    await send('tb-child', 'please draft section 2', true, asAgent('tb-lead'));
    await stack.waitTurns('tb-child', 1);
    await waitCost(0.02);

    // an agent with nothing to do with the task names it: that turn counts for no task
    await send('tb-child', 'and charge this to their task', true, asAgent('tb-other'));
    await stack.waitTurns('tb-child', 2);
    await stack.waitStatus('tb-child', 'idle');
    const after = await task();
    expect(after.usage.costUsd).to.be.closeTo(0.02, 1e-9);
    expect(after.usage.turns).to.equal(2);
    expect(after.usage.byAgent).to.deep.equal({ 'tb-lead': 0.01, 'tb-child': 0.01 });
    expect((await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'tb-child'))?.costUsd).to.be.closeTo(0.02, 1e-9);

    // a person's message naming the task: the third turn for it reaches the budget
    await send('tb-lead', 'section 1 now', true);
    await stack.waitTurns('tb-lead', 2);
    await waitCost(0.03);
    await stack.waitStatus('tb-lead', 'idle');
  });

  it('once spent, the task’s messages are set aside with task.budget-reached, a direct turn for it is 409, and the agents’ other work goes on', async () => {
    const held = await send('tb-lead', 'one more section', true);
    const untagged = await send('tb-lead', 'unrelated: what time is it?', false);
    // the message for another purpose is delivered; the task's is not
    const turns = await stack.waitTurns('tb-lead', 3);
    expect(turns[2]).to.include(`[message ${untagged.id}]`);
    expect(turns.join('\n')).not.to.include(`[message ${held.id}]`);
    let reached: Awaited<ReturnType<CollabStack['events']>> = [];
    await waitUntil(async () => (reached = await stack.events('task.budget-reached')).length > 0, 10_000);
    expect(reached).to.have.length(1);
    expect(reached[0]).to.deep.include({ taskId, agentId: 'tb-lead' });
    expect(reached[0]!.data).to.deep.include({ scope: 'task', taskId, budgetUsd: 0.03, messages: [held.id] });
    // the agent is not held: the task is
    expect((await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'tb-lead'))?.status).to.not.equal('over-budget');

    // a direct turn for the task is refused with the shared budgets' code
    const direct = await stack.call('POST', '/api/agents/tb-lead/turn', { body: { text: 'go on', task_id: taskId } });
    expect(direct.status).to.equal(409);
    expect(((await direct.json()) as { code: string }).code).to.equal('nox:budget-reached');
    // ... and without the task it goes through
    await stack.json('POST', '/api/agents/tb-lead/turn', 202, { body: { text: 'not for the task' } });
    await stack.waitTurns('tb-lead', 4);

    // the child's work for it is set aside too (the hold was announced once)
    const childHeld = await send('tb-child', 'section 3 please', true, asAgent('tb-lead'));
    await new Promise((r) => setTimeout(r, 1000)); // several inbox sweeps pass
    expect(await stack.turnsOf('tb-child')).to.have.length(2);
    expect(await stack.events('task.budget-reached')).to.have.length(1);
    expect((await task()).usage.costUsd).to.be.closeTo(0.03, 1e-9);

    // the agent cannot raise its own task's budget
    expect((await stack.call('PATCH', `/api/tasks/${taskId}`, { ...asAgent('tb-lead'), body: { budget_usd: 10 } })).status).to.equal(403);

    // a person raises it: the messages set aside are delivered, each once
    await stack.json('PATCH', `/api/tasks/${taskId}`, 200, { body: { budget_usd: 1 } });
    const seen = async (agentId: string, ...marks: string[]): Promise<string[]> => {
      let turns: string[] = [];
      await waitUntil(async () => {
        turns = await stack.turnsOf(agentId);
        return marks.every((m) => turns.join('\n').includes(m));
      }, 15_000);
      return turns;
    };
    const lead = await seen('tb-lead', `[message ${held.id}]`, 'changed your task');
    const child = await seen('tb-child', `[message ${childHeld.id}]`);
    expect(lead.filter((t) => t.includes(`[message ${held.id}]`))).to.have.length(1);
    expect(child.filter((t) => t.includes(`[message ${childHeld.id}]`))).to.have.length(1);
    await waitUntil(async () => (await stack.events('task.budget-released')).length === 1, 10_000);
    await stack.waitStatus('tb-lead', 'idle');
    // every turn since (the change's notification and the released messages, maybe batched) counted for the task
    await waitCost(0.03 + 0.01 * (lead.length - 4 + (child.length - 2)));
  });
});
