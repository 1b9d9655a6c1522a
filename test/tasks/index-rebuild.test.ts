import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Task } from '../../shared/tasks/task-model.js';
import { createTaskHost } from '../../workers/tasks/task-host.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import { testConfig, testContext, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('tasks: the live index comes back from tasks.toml when Redis lost it', () => {
  let stack: CollabStack;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('rb-a', false);
    await stack.createAgent('rb-b', false);
  });
  after(async () => {
    await stack.cleanup();
  });

  it('a host starting on an empty index puts every task back; a blocked one still unblocks when its dependency is done', async () => {
    const first = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'rb-a', title: 'Gather', priority: 'high', deadline: '2099-01-31' } });
    const second = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'rb-b', title: 'Report', dependencies: [first.id], description: 'after gather' } });
    expect(second.status).to.equal('blocked');
    const registryDir = stack.config.registryDir;
    const tasksToml = path.join(registryDir, 'agents/rb-b/tasks.toml');
    await waitUntil(() => existsSync(tasksToml) && readFileSync(tasksToml, 'utf8').includes(second.id), 10_000);

    // Redis loses the index (every task key of this stack)
    const { redis, keys } = stack.apiCtx;
    await redis.del(keys.task(first.id), keys.task(second.id), keys.taskIndex(), keys.agentTaskIds('rb-a'), keys.agentTaskIds('rb-b'), keys.taskDependents(first.id), keys.taskDeadlines());
    expect((await stack.call('GET', `/api/tasks/${second.id}`)).status).to.equal(404);

    // a host starts: the tasks area rebuilds the index from the registry
    const host = stack.hosts[0]!;
    const again = createTaskHost(host.ctx);
    await again.start();
    try {
      const back = await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200);
      expect(back).to.include({ agent_id: 'rb-b', title: 'Report', status: 'blocked', description: 'after gather' });
      expect(back.dependencies).to.deep.equal([first.id]);
      expect(back.created_at).to.equal(second.created_at);
      const gather = await stack.json<Task>('GET', `/api/tasks/${first.id}`, 200);
      expect(gather).to.include({ status: 'pending', priority: 'high', deadline_at: first.deadline_at });
      expect(await redis.zscore(keys.taskDeadlines(), first.id)).to.equal(String(Date.parse(first.deadline_at!)));
      const listed = await stack.json<{ tasks: Task[] }>('GET', '/api/tasks?agent=rb-b', 200);
      expect(listed.tasks.map((t) => t.id)).to.deep.equal([second.id]);

      // the dependents index came back too: done → the blocked one moves on
      await stack.json('PATCH', `/api/tasks/${first.id}`, 200, { body: { status: 'done' } });
      await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200)).status === 'pending', 10_000);

      // starting again on a full index changes nothing
      const third = createTaskHost(host.ctx);
      await third.start();
      await third.stop();
      expect((await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200)).status).to.equal('pending');
    } finally {
      await again.stop();
    }
  });

  it('a host whose machine has no registry folder rebuilds it from what the writer published to Redis', async () => {
    const task = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'rb-a', title: 'Elsewhere' } });
    const tasksToml = path.join(stack.config.registryDir, 'agents/rb-a/tasks.toml');
    await waitUntil(() => existsSync(tasksToml) && readFileSync(tasksToml, 'utf8').includes(task.id), 10_000);
    const { redis, keys } = stack.apiCtx;
    // the writer publishes a commit's files right after it: the host below reads those
    await waitUntil(async () => ((await redis.hget(keys.registryFiles(), 'agents/rb-a/tasks.toml')) ?? '').includes(task.id), 10_000);
    const ids = await redis.zrange(keys.taskIndex(), 0, -1);
    await redis.del(...ids.map((id) => keys.task(id)), keys.taskIndex(), keys.agentTaskIds('rb-a'), keys.agentTaskIds('rb-b'), keys.taskDeadlines());

    const machine = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    const ctx = testContext(testConfig({ prefix: stack.config.redis.prefix, registryDir: path.join(machine, '.nox-registry'), overrides: { 'registry.reads': 'auto' } }), 'worker');
    const elsewhere = createTaskHost(ctx);
    try {
      expect(registryClientFor(ctx).source).to.equal('redis');
      await registryClientFor(ctx).ready();
      await elsewhere.start();
      expect(await stack.json<Task>('GET', `/api/tasks/${task.id}`, 200)).to.include({ agent_id: 'rb-a', title: 'Elsewhere' });
      expect(existsSync(path.join(machine, '.nox-registry'))).to.equal(false);
    } finally {
      await elsewhere.stop();
      await ctx.close();
      rmSync(machine, { recursive: true, force: true });
    }
  });
});
