import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Task } from '../../shared/tasks/task-model.js';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('tasks: a person’s edit of tasks/<agent>.md flows back', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('md-a');
  });
  after(async () => {
    await stack.cleanup();
  });

  it('ticking a task done in the markdown updates the index, tells the agent and unblocks its dependent', async () => {
    const first = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'md-a', title: 'Draft the plan' } });
    const second = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'md-a', title: 'Review the plan', dependencies: [first.id] } });
    expect(second.status).to.equal('blocked');
    const file = path.join(stack.config.registryDir, 'tasks/md-a.md');
    await waitUntil(() => existsSync(file) && readFileSync(file, 'utf8').includes(second.id), 10_000);

    // a person ticks the first task (it stays in its section: a ticked box means done)
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(`- [ ] Draft the plan {${first.id}}`, `- [x] Draft the plan !high {${first.id}}`));

    await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${first.id}`, 200)).status === 'done', 10_000);
    const updated = await stack.json<Task>('GET', `/api/tasks/${first.id}`, 200);
    expect(updated.priority).to.equal('high');
    expect(updated.description).to.equal('');
    await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200)).status === 'pending', 10_000);
    await waitUntil(async () => (await stack.turnsOf('md-a')).some((t) => t.includes('A person edited your task') && t.includes(first.id)), 10_000);
    const turns = await stack.turnsOf('md-a');
    expect(turns.join('\n')).to.include('status: pending → done');
  });
});
