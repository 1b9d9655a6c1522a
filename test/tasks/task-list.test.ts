import { expect } from 'chai';
import { addTaskTurnUsage } from '../../shared/costs/task-usage.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { apiCaller, type ApiCaller } from '../support/api-caller.js';
import { tokenFor } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

interface TaskPage {
  tasks: Task[];
  next: string | null;
  total: number;
  counts: Record<string, number>;
}

const RANK: Record<string, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const PRIORITIES = ['low', 'normal', 'high', 'critical'];

/**
 * GET /api/tasks at fleet size (issue 21, as GET /api/agents): pages that never skip nor
 * repeat a task while others are created at the same time, filters, counts by status in
 * the same answer, and an ETag that answers 304 until a task or its usage changes.
 */
describe('GET /api/tasks: paging under concurrent creates, filters, counts, ETag', function () {
  this.timeout(120_000);
  let stack: CollabStack;
  let api: ApiCaller;
  before(async () => {
    stack = await startCollabStack();
    api = apiCaller(stack.api.url);
    await stack.createAgent('tl-a', false);
    await stack.createAgent('tl-b', false);
  });
  after(async () => {
    await stack.cleanup();
  });

  const add = (agent: string, title: string, priority: string, role: 'operator' | 'admin' = 'operator'): Promise<Task> =>
    api.json<Task>('POST', '/api/tasks', 201, { role, body: { agent_id: agent, title, priority } });
  const page = (query: string, headers?: Record<string, string>): Promise<TaskPage> => api.json<TaskPage>('GET', `/api/tasks?${query}`, 200, { role: 'viewer', ...(headers ? { headers } : {}) });

  it('walks every task once, highest priority first, while tasks are created concurrently', async () => {
    const before: Task[] = [];
    for (let i = 0; i < 30; i++) before.push(await add(i % 3 ? 'tl-a' : 'tl-b', `walk ${i}`, PRIORITIES[i % 4]!));
    // four clients create tasks of every priority for as long as the walk lasts
    let walking = true;
    const created: string[] = [];
    const creator = async (c: number): Promise<void> => {
      for (let i = 0; walking; i++) created.push((await add(c % 2 ? 'tl-a' : 'tl-b', `meanwhile ${c}.${i}`, PRIORITIES[(c + i) % 4]!)).id);
    };
    const creators = [0, 1, 2, 3].map(creator);
    const seen: Task[] = [];
    try {
      for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
        const p = await page(`limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...p.tasks);
        cursor = p.next;
        // let some creates land between pages
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      walking = false;
      await Promise.all(creators);
    }
    expect(created.length, 'tasks were created during the walk').to.be.greaterThan(0);
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size, 'no task twice').to.equal(ids.length);
    expect(before.filter((t) => !ids.includes(t.id)).map((t) => t.title), 'none there before the walk skipped').to.deep.equal([]);
    const order = seen.map((t) => RANK[t.priority]!);
    expect(order, 'highest priority first').to.deep.equal([...order].sort((a, b) => a - b));
    // a cursor this server did not give is a 400
    expect((await api.call('GET', '/api/tasks?cursor=garbage')).status).to.equal(400);
  });

  it('filters by agent, status, priority, requester and text; counts by status ignore only the status filter', async () => {
    await stack.createAgent('tl-f', false);
    const made: Task[] = [];
    for (let i = 0; i < 8; i++) made.push(await add('tl-f', `${i % 2 ? 'Alpha' : 'Beta'} filter ${i}`, i < 4 ? 'high' : 'low', i === 7 ? 'admin' : 'operator'));
    for (const t of made.slice(0, 3)) await api.json('PATCH', `/api/tasks/${t.id}`, 200, { role: 'operator', body: { status: 'done' } });
    await api.json('PATCH', `/api/tasks/${made[3]!.id}`, 200, { role: 'operator', body: { status: 'in-progress' } });

    const all = await page('agent=tl-f');
    expect(all.total).to.equal(8);
    expect(all.counts).to.deep.equal({ pending: 4, in_progress: 1, blocked: 0, done: 3, cancelled: 0 });

    const open = await page('agent=tl-f&status=pending,in-progress');
    expect(open.total).to.equal(5);
    expect(open.tasks.every((t) => ['pending', 'in_progress'].includes(t.status))).to.equal(true);
    expect(open.counts, 'counts ignore the status filter').to.deep.equal(all.counts);

    const highDone = await page('agent=tl-f&priority=high&status=done');
    expect(highDone.tasks.map((t) => t.id).sort()).to.deep.equal(made.slice(0, 3).map((t) => t.id).sort());
    expect(highDone.counts).to.deep.equal({ pending: 0, in_progress: 1, blocked: 0, done: 3, cancelled: 0 });

    const alpha = await page('agent=tl-f&q=ALPHA');
    expect(alpha.tasks.map((t) => t.title).sort()).to.deep.equal(['Alpha filter 1', 'Alpha filter 3', 'Alpha filter 5', 'Alpha filter 7']);
    expect((await page(`q=${made[2]!.id}`)).tasks.map((t) => t.id)).to.deep.equal([made[2]!.id]);

    const byAdmin = await page(`agent=tl-f&requested_by=${encodeURIComponent(made[7]!.requested_by)}`);
    expect(byAdmin.tasks.map((t) => t.id)).to.deep.equal([made[7]!.id]);

    // an agent sees only its own tasks, counted as such
    const asAgent = await api.json<TaskPage>('GET', '/api/tasks?limit=2', 200, { token: tokenFor('agent', 'tl-f', 'tl-f') });
    expect(asAgent.total).to.equal(8);
    expect(asAgent.tasks.every((t) => t.agent_id === 'tl-f')).to.equal(true);
    expect(asAgent.next).to.be.a('string');

    expect((await api.call('GET', '/api/tasks?status=finished')).status).to.equal(400);
    expect((await api.call('GET', '/api/tasks?priority=urgent')).status).to.equal(400);
  });

  it('answers 304 to an unchanged list, and a new tag once a task, its status or its usage changes', async () => {
    await stack.createAgent('tl-e', false);
    const t = await add('tl-e', 'tagged', 'normal');
    const first = await api.call('GET', '/api/tasks?agent=tl-e', { role: 'viewer' });
    expect(first.status).to.equal(200);
    const tag = first.headers.get('etag');
    expect(tag).to.be.a('string');
    const again = async (etag: string, query = 'agent=tl-e'): Promise<Response> => api.call('GET', `/api/tasks?${query}`, { role: 'viewer', headers: { 'if-none-match': etag } });

    const unchanged = await again(tag!);
    expect(unchanged.status).to.equal(304);
    expect(await unchanged.text()).to.equal('');
    // another query (or reader) has its own tag
    expect((await again(tag!, 'agent=tl-e&limit=5')).status).to.equal(200);
    expect((await api.call('GET', '/api/tasks?agent=tl-e', { role: 'admin', headers: { 'if-none-match': tag! } })).status).to.equal(200);

    const tagAfter = async (change: () => Promise<unknown>, before: string): Promise<string> => {
      await change();
      const res = await again(before);
      expect(res.status, 'the list changed: a 200').to.equal(200);
      const body = (await res.json()) as TaskPage;
      const next = res.headers.get('etag')!;
      expect(next).to.not.equal(before);
      expect((await again(next)).status).to.equal(304);
      return JSON.stringify(body.tasks.map((x) => [x.id, x.status, (x as Task & { usage: { costUsd: number } }).usage.costUsd]));
    };
    let current = tag!;
    const shown: string[] = [];
    const step = async (change: () => Promise<unknown>): Promise<void> => {
      shown.push(await tagAfter(change, current));
      current = (await api.call('GET', '/api/tasks?agent=tl-e', { role: 'viewer' })).headers.get('etag')!;
    };
    await step(() => add('tl-e', 'a second', 'low'));
    await step(() => api.json('PATCH', `/api/tasks/${t.id}`, 200, { role: 'operator', body: { status: 'done' } }));
    await step(() => addTaskTurnUsage(stack.apiCtx.redis, stack.apiCtx.keys, t.id, 'tl-e', { costUsd: 0.25, inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheCreationTokens: 0 }));
    expect(shown[0]).to.include('"pending"');
    expect(shown[1]).to.include(`["${t.id}","done",0]`);
    expect(shown[2]).to.include(`["${t.id}","done",0.25]`);
  });
});
