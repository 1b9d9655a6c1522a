import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { tokenFor } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { GIT_AGENT, personGit, personRepo, shTurns } from './worktree-support.js';

describe('nox project and nox agent changes|merge (CLI against a real API)', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.args': [GIT_AGENT], 'approvals.rules': [{ action: 'approve', types: ['merge'] }] } });
    repo = personRepo();
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  const run = async (expectCode: number, ...args: string[]): Promise<string> => {
    const p = spawnNox(args, env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(expectCode);
    return p.output();
  };

  it('adds, lists and removes a project; an agent created with --project works on its branch and is merged', async () => {
    expect(await run(0, 'project', 'add', 'cli-p', '--repo', repo)).to.match(/added cli-p: .* @ main \([0-9a-f]{12}\)/);
    expect(await run(1, 'project', 'add', 'cli-q', '--repo', repo, '--base', 'nope')).to.contain('nox:project-base-missing');
    expect(await run(0, 'project', 'list')).to.match(/^cli-p\s+main\s+\//m);
    expect(await run(0, 'agent', 'create', 'cli-w', '--project', 'cli-p', '--start')).to.contain('created cli-w');
    await stack.waitStatus('cli-w', 'idle');
    expect(await shTurns(stack)('cli-w', 'echo new > new.txt && git add new.txt && git commit -qm "add new.txt" && echo ok')).to.equal('exit 0: ok');
    const changes = await run(0, 'agent', 'changes', 'cli-w', '--diff');
    expect(changes).to.match(/nox\/cli-w: 1 ahead, 0 behind main; merges cleanly/);
    expect(changes).to.contain('A new.txt +1 -0').and.contain('+new');
    expect(await run(0, 'agent', 'merge', 'cli-w')).to.match(/merged cli-w: [0-9a-f]{12}/);
    expect(personGit(repo, 'show', 'main:new.txt')).to.equal('new');
    expect(await run(1, 'project', 'remove', 'cli-p')).to.contain('nox:project-in-use');
  });
});
