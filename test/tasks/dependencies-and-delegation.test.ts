import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Task } from '../../shared/tasks/task-model.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

const readIfThere = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describe('tasks: create, dependencies, delegation (tasks queue, registry, stand-in agents)', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('ta');
    await stack.createAgent('tb');
  });
  after(async () => {
    await stack.cleanup();
  });

  const task = (id: string): Promise<Task> => stack.json<Task>('GET', `/api/tasks/${id}`, 200);

  it('blocks a task on its dependency, delegates, and unblocks it when the dependency is done', async () => {
    const first = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'ta', title: 'Collect the figures', priority: 'high', description: 'from the bench' } });
    expect(first.status).to.equal('pending');
    expect(first.requested_by).to.equal('user:test-admin');
    const second = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'tb', title: 'Write the report', dependencies: [first.id] } });
    expect(second.status).to.equal('blocked');
    expect(second.blocked_by_dependencies).to.equal(true);

    // the assignee was told about its new task, as a turn
    const taTurns = await stack.waitTurns('ta', 1);
    expect(taTurns[0]).to.include(first.id).and.include('task message from system');

    // delegation moves it to tb (index, tasks.toml of both agents) and tells tb
    const moved = await stack.json<Task>('POST', `/api/tasks/${first.id}/delegate`, 200, { body: { to: 'tb', note: 'you have the data' } });
    expect(moved.agent_id).to.equal('tb');
    expect(moved.delegated_from).to.equal('ta');
    const tbTurns = await stack.waitTurns('tb', 2);
    expect(tbTurns.join('\n')).to.include('delegated a task to you').and.include('you have the data');
    await waitUntil(() => {
      const tomlB = readIfThere(path.join(stack.config.registryDir, 'agents/tb/tasks.toml'));
      const tomlA = readIfThere(path.join(stack.config.registryDir, 'agents/ta/tasks.toml'));
      return tomlB.includes(first.id) && !tomlA.includes(first.id);
    }, 10_000);
    const md = readFileSync(path.join(stack.config.registryDir, 'tasks/tb.md'), 'utf8');
    expect(md).to.include(`Collect the figures !high {${first.id}}`);

    // the old assignee may no longer change it (nor learn it exists: 404); the new one marks it done
    const denied = await stack.call('PATCH', `/api/tasks/${first.id}`, { token: tokenFor('agent', 'ta', 'ta'), body: { status: 'done' } });
    expect(denied.status).to.equal(404);
    const done = await stack.json<Task>('PATCH', `/api/tasks/${first.id}`, 200, { token: tokenFor('agent', 'tb', 'tb'), body: { status: 'done' } });
    expect(done.status).to.equal('done');

    // the dependent moves on by itself, and its assignee hears of it
    await waitUntil(async () => (await task(second.id)).status === 'pending', 10_000);
    expect((await task(second.id)).blocked_by_dependencies).to.equal(undefined);
    await waitUntil(async () => (await stack.turnsOf('tb')).some((t) => t.includes(`Task ${second.id}`) && t.includes('is unblocked')), 10_000);
    const kinds = (await stack.events()).filter((e) => e.taskId === second.id).map((e) => e.type);
    expect(kinds).to.include.members(['task.created', 'task.unblocked']);

    const listed = await stack.json<{ tasks: Task[] }>('GET', '/api/tasks?agent=tb', 200);
    expect(listed.tasks.map((t) => t.id)).to.have.members([first.id, second.id]);
  });

  it('refuses unknown dependencies and agents with 4xx, and an idempotent create answers the same task', async () => {
    const bad = await stack.call('POST', '/api/tasks', { body: { agent_id: 'ta', title: 'x', dependencies: ['t-nope'] } });
    expect(bad.status).to.equal(400);
    const nobody = await stack.call('POST', '/api/tasks', { body: { agent_id: 'nobody-here', title: 'x' } });
    expect(nobody.status).to.equal(404);
    const once = await stack.json<Task>('POST', '/api/tasks', 201, { body: { id: 't-fixed-1', agent_id: 'ta', title: 'Once' } });
    const twice = await stack.json<Task>('POST', '/api/tasks', 201, { body: { id: 't-fixed-1', agent_id: 'ta', title: 'Once again' } });
    expect(twice.title).to.equal('Once');
    expect(twice.created_at).to.equal(once.created_at);
  });

  it('reports a passed deadline once, with an event and a message to the assignee', async () => {
    const soon = new Date(Date.now() + 300).toISOString();
    const t = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'ta', title: 'Hurry', deadline: soon } });
    expect(t.deadline_at).to.equal(soon);
    await waitUntil(async () => (await stack.events('task.deadline-passed')).some((e) => e.taskId === t.id), 10_000);
    await waitUntil(async () => (await stack.turnsOf('ta')).some((x) => x.includes(`deadline of your task ${t.id}`)), 10_000);
    await new Promise((r) => setTimeout(r, 600));
    expect((await stack.events('task.deadline-passed')).filter((e) => e.taskId === t.id)).to.have.length(1);
    expect((await task(t.id)).deadline_passed_at).to.be.a('string');
  });
});
