import { expect } from 'chai';
import { spawnNox } from '../support/processes.js';
import { tokenFor } from '../support/harness.js';
import { addAgentRequestHost, type AgentRequestHost } from '../approvals/agent-request-host.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('nox agent (CLI against a real API)', function () {
  // every `nox` run is a fresh node + tsx process (~2 s each from sources)
  this.timeout(120_000);
  let stack: AgentStack;
  let env: NodeJS.ProcessEnv;
  let approvalsHost: AgentRequestHost;
  before(async () => {
    stack = await startAgentStack();
    // acts on delete_agent decisions, as `nox worker` does (no capacity: agents run on the stack's host)
    approvalsHost = await addAgentRequestHost(stack, { 'worker.capacity': 0 });
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await approvalsHost.close();
    await stack.cleanup();
  });

  const run = async (...args: string[]): Promise<string> => {
    const p = spawnNox(['agent', ...args], env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(0);
    return p.output();
  };

  it('create --start, list, show, send, logs, logs -f, stop', async () => {
    expect(await run('create', 'cli-1', '--name', 'From the CLI', '--allow', 'Read,Bash(git:*)', '--budget', '5', '--start')).to.match(/created cli-1 \(starting\)/);
    await stack.waitStatus('cli-1', 'idle');
    const list = await run('list');
    expect(list).to.match(/^cli-1\tidle\t/m);
    const shown = JSON.parse(await run('show', 'cli-1')) as { allowed_tools: string[]; max_budget_usd: number };
    expect(shown.allowed_tools).to.deep.equal(['Read', 'Bash(git:*)']);
    expect(shown.max_budget_usd).to.equal(5);

    const follow = spawnNox(['agent', 'logs', 'cli-1', '-f', '--interval', '100'], env);
    try {
      expect(await run('send', 'cli-1', 'hello', 'cli')).to.match(/sent to cli-1/);
      await follow.waitFor(/#\d+ result echo: hello cli/, 15_000);
    } finally {
      follow.kill();
    }
    const logs = await run('logs', 'cli-1');
    expect(logs).to.match(/#1 turn hello cli/);
    expect(logs).to.match(/assistant-text echo: hello cli/);

    expect(await run('stop', 'cli-1')).to.match(/stop cli-1: accepted \(host /);
    await stack.waitStatus('cli-1', 'stopped');
  });

  it('list pages and filters; create --template --count; bulk stop says each agent’s result and fails when one failed', async () => {
    await run('create', 'clitpl', '--labels', 'squad=cli');
    const made = await run('create', '--template', 'clitpl', '--count', '5');
    expect(made).to.match(/create from clitpl: 5 of 5 done, 0 failed/);
    expect(made).to.match(/^clitpl-005\tok$/m);
    // pages of 2 are followed to the end
    const all = await run('list', '--label', 'squad=cli', '--page-size', '2');
    expect(all.match(/^clitpl\S*\tnever-started\t/gm)).to.have.length(6);
    const some = await run('list', '--label', 'squad=cli', '--limit', '3', '--desc');
    expect(some.match(/^clitpl-00[345]\tnever-started\t/gm)).to.have.length(3);
    expect(await run('list', '--status', 'idle', '-q', 'clitpl')).to.not.match(/^clitpl/m);

    const p = spawnNox(['agent', 'bulk', 'stop', '--ids', 'clitpl-001,clitpl-missing'], env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(1);
    expect(p.output()).to.match(/^clitpl-missing\tfailed\tnox:agent-not-found/m);
    // one that never ran has nothing to stop: said per agent too
    expect(p.output()).to.match(/^clitpl-001\tfailed\tnox:agent-not-running/m);
    expect(p.output()).to.match(/stop: 0 of 2 done, 2 failed/);
  });

  it('fails with the API’s problem code for an unknown agent', async () => {
    const p = spawnNox(['agent', 'start', 'nobody-here'], env);
    const { code } = await p.exited();
    expect(code).to.equal(1);
    expect(p.output()).to.match(/404 nox:agent-not-found/);
  });

  it('delete waits for a person: says which approval; --wait follows it to done, or to denied (exit 1)', async () => {
    await stack.createAgent({ id: 'cli-gone' });
    await stack.createAgent({ id: 'cli-kept' });
    const gone = spawnNox(['agent', 'delete', 'cli-gone', '--wait'], env);
    const goneId = (await gone.waitFor(/delete cli-gone: waiting for approval (ap-[0-9a-f]+)/, 30_000))[1]!;
    await stack.json('POST', `/api/approvals/${goneId}/approve`, 200, { role: 'operator' });
    expect((await gone.exited()).code, gone.output()).to.equal(0);
    expect(gone.output()).to.include(`delete cli-gone: done (approval ${goneId})`);
    expect((await stack.call('GET', '/api/agents/cli-gone')).status).to.equal(404);

    const kept = spawnNox(['agent', 'delete', 'cli-kept', '--wait'], env);
    const keptId = (await kept.waitFor(/waiting for approval (ap-[0-9a-f]+)/, 30_000))[1]!;
    await stack.json('POST', `/api/approvals/${keptId}/deny`, 200, { role: 'operator', body: { reason: 'keep it' } });
    expect((await kept.exited()).code, kept.output()).to.equal(1);
    expect(kept.output()).to.match(/delete cli-kept: denied — denied by user:test-operator: keep it/);
    expect((await stack.call('GET', '/api/agents/cli-kept')).status).to.equal(200);
  });
});
