import { expect } from 'chai';
import type { Task } from '../../shared/tasks/task-model.js';
import { spawnNox } from '../support/processes.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('nox task / nox send (CLI against a real API)', function () {
  this.timeout(120_000); // a dozen CLI processes, each a Node start; slow on a loaded machine
  let stack: CollabStack;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('cli-t1');
    await stack.createAgent('cli-t2');
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await stack.cleanup();
  });

  const run = async (...args: string[]): Promise<string> => {
    const p = spawnNox(args, env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(0);
    return p.output();
  };

  it('task add (with a dependency), list, delegate, done; send', async () => {
    const first = JSON.parse(await run('task', 'add', 'cli-t1', 'Measure', 'the', 'queue', '-p', 'high', '--json')) as Task;
    expect(first.title).to.equal('Measure the queue');
    const second = JSON.parse(await run('task', 'add', 'cli-t1', 'Write it up', '--after', first.id, '--json')) as Task;
    expect(second.status).to.equal('blocked');
    const listed = await run('task', 'list', '--agent', 'cli-t1');
    expect(listed.split('\n')[0]).to.match(new RegExp(`^${first.id}\tcli-t1\tpending\thigh\t`));
    expect(listed).to.include(`${second.id}\tcli-t1\tblocked`);
    // pages: one task a request, the two of them followed by cursor; --limit stops early and says so
    const paged = await run('task', 'list', '--agent', 'cli-t1', '--page-size', '1', '--status', 'pending,blocked');
    expect(paged.split('\n').filter((l) => l.startsWith('t-'))).to.have.length(2);
    const one = await run('task', 'list', '--agent', 'cli-t1', '--limit', '1');
    expect(one).to.match(new RegExp(`^${first.id}\t`, 'm')).and.not.include(second.id);
    expect(one).to.include('1 of 2 (more: --limit, --all)');
    expect(await run('task', 'delegate', first.id, 'cli-t2', '--note', 'please')).to.include(`${first.id}\tcli-t2\t`);
    expect(await run('task', 'done', first.id)).to.include(`${first.id}\tcli-t2\tdone`);
    await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200)).status === 'pending', 10_000);

    const id = (await run('send', 'cli-t2', 'ping', 'from', 'the', 'CLI', '--type', 'request', '-p', 'high')).trim();
    const turns = await stack.waitTurns('cli-t2', 3);
    expect(turns.some((t) => t.startsWith(`[message ${id}] request message from user:test-operator`) && t.endsWith('ping from the CLI'))).to.equal(true);

    const bad = spawnNox(['task', 'done', 't-nope'], env);
    expect((await bad.exited()).code).to.equal(1);
    expect(bad.output()).to.include('404');
  });
});
