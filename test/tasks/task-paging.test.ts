import { expect } from 'chai';
import type { Task } from '../../shared/tasks/task-model.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('GET /api/tasks pages with a cursor (issue 21)', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('tpage');
  });
  after(async () => {
    await stack.cleanup();
  });

  const add = (title: string, priority: string): Promise<Task> => stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'tpage', title, priority } });

  it('walks highest priority first and never skips nor repeats a task while others are added', async () => {
    const priorities = ['low', 'normal', 'high', 'critical'];
    const before: Task[] = [];
    for (let i = 0; i < 16; i++) before.push(await add(`before ${i}`, priorities[i % 4]!));
    const seen: Task[] = [];
    let added = 0;
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page: { tasks: Task[]; next: string | null } = await stack.json('GET', `/api/tasks?agent=tpage&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200);
      seen.push(...page.tasks);
      cursor = page.next;
      // one before the cursor's place in the order, one after it
      await add(`during ${added++}`, 'critical');
      await add(`during ${added++}`, 'low');
    }
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size, 'no repeats').to.equal(ids.length);
    for (const t of before) expect(ids, `${t.title} skipped`).to.include(t.id);
    const rank: Record<string, number> = { critical: 0, high: 1, normal: 2, low: 3 };
    const order = seen.map((t) => rank[t.priority]!);
    expect(order, 'highest priority first').to.deep.equal([...order].sort((a, b) => a - b));
    expect((await stack.call('GET', '/api/tasks?cursor=garbage')).status).to.equal(400);
  });
});
