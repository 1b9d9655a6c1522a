import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentRepo, agentWorktree, servedAgentRepo } from '../../shared/projects/project-paths.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { GIT_AGENT, personGit, personRepo, shTurns } from './worktree-support.js';

/**
 * Agents' work in git worktrees with real git, the real API and worker host, the stand-in
 * agent in its bubblewrap sandbox (issue 16): two agents on one project, the changes view,
 * a merge through an approval, a conflict, a WIP commit on stop, a deletion that keeps the
 * branch.
 */
describe('agents in git worktrees (real git, sandboxed stand-in agents)', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let sh: (agentId: string, command: string) => Promise<string>;

  before(async () => {
    stack = await startAgentStack({
      overrides: { 'agent.args': [GIT_AGENT], 'approvals.rules': [{ action: 'approve', types: ['merge', 'delete_agent'] }] },
    });
    repo = personRepo();
    sh = shTurns(stack);
    await stack.json('POST', '/api/projects', 201, { body: { name: 'p1', repo, base: 'main' } });
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  it('two agents change the same file in their own worktrees without interfering', async () => {
    await stack.createAgent({ id: 'wa', project: 'p1' });
    await stack.createAgent({ id: 'wb', project: 'p1' });
    await stack.startAgent('wa');
    await stack.startAgent('wb');
    expect(await sh('wa', `sed -i 's/line two/line two by wa/' shared.txt && git commit -qam 'wa edits shared' && git rev-parse --abbrev-ref HEAD`)).to.equal('exit 0: nox/wa');
    expect(await sh('wb', `sed -i 's/line two/line two by wb/' shared.txt && git commit -qam 'wb edits shared' && git rev-parse --abbrev-ref HEAD`)).to.equal('exit 0: nox/wb');
    const cfg = stack.config;
    expect(readFileSync(path.join(agentWorktree(cfg, 'wa'), 'shared.txt'), 'utf8')).to.contain('line two by wa');
    expect(readFileSync(path.join(agentWorktree(cfg, 'wb'), 'shared.txt'), 'utf8')).to.contain('line two by wb');
    // the person's checkout is untouched; each branch was pushed to the repository at the turn's end
    expect(readFileSync(path.join(repo, 'shared.txt'), 'utf8')).to.not.contain(' by ');
    await waitUntil(() => personGit(repo, 'branch', '--list', 'nox/*').includes('nox/wb'), 10_000);
    expect(personGit(repo, 'log', '-1', '--format=%s', 'nox/wa')).to.equal('wa edits shared');
  });

  it('the changes view shows commits, files and a person’s uncommitted edit of the worktree', async () => {
    writeFileSync(path.join(agentWorktree(stack.config, 'wa'), 'notes-by-person.txt'), 'a person wrote this\n');
    const changes = await stack.json<{ ahead: number; behind: number; commits: { subject: string }[]; files: { path: string; additions: number }[]; uncommitted: string[]; mergeable: boolean; diff: string; worktree: string }>(
      'GET',
      '/api/agents/wa/changes',
      200,
    );
    expect(changes.ahead).to.equal(1);
    expect(changes.behind).to.equal(0);
    expect(changes.commits.map((c) => c.subject)).to.deep.equal(['wa edits shared']);
    expect(changes.files.map((f) => f.path).sort()).to.deep.equal(['notes-by-person.txt', 'shared.txt']);
    expect(changes.uncommitted).to.deep.equal(['notes-by-person.txt']);
    expect(changes.worktree).to.equal('here');
    expect(changes.mergeable).to.equal(true);
    expect(changes.diff).to.contain('+line two by wa').and.contain('+a person wrote this');
    // the agent's own index was not touched by the view
    expect(await sh('wa', 'git status --porcelain')).to.equal('exit 0: ?? notes-by-person.txt');
    rmSync(path.join(agentWorktree(stack.config, 'wa'), 'notes-by-person.txt'));
  });

  it('one agent merges through an approval; the other’s merge reports the conflict and changes nothing', async () => {
    const merged = await stack.json<{ status: string; result: { sha: string; base: string } }>('POST', '/api/agents/wa/merge', 200, { body: {} });
    expect(merged.status).to.equal('done');
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(merged.result.sha);
    // main is checked out: the person's working tree moved with it (a fast-forward)
    expect(readFileSync(path.join(repo, 'shared.txt'), 'utf8')).to.contain('line two by wa');
    expect(personGit(repo, 'status', '--porcelain')).to.equal('');
    const approvals = await stack.json<{ approvals: { request_type: string; risk_level: string; description: string }[] }>('GET', '/api/approvals?status=all&type=merge', 200);
    expect(approvals.approvals[0]?.request_type).to.equal('merge');
    expect(approvals.approvals[0]?.description).to.contain('merge nox/wa into main');
    expect(approvals.approvals[0]?.risk_level, 'one file, two lines: below the size and outside the risky paths').to.equal('medium');

    const before = personGit(repo, 'rev-parse', 'main');
    const res = await stack.call('POST', '/api/agents/wb/merge', { body: {} });
    expect(res.status).to.equal(409);
    const problem = (await res.json()) as { code: string; files: string[] };
    expect(problem.code).to.equal('nox:merge-conflict');
    expect(problem.files).to.deep.equal(['shared.txt']);
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(before);
    expect(personGit(repo, 'status', '--porcelain')).to.equal('');
    expect(existsSync(path.join(repo, '.git', 'MERGE_HEAD'))).to.equal(false);
  });

  it('a stop with uncommitted work makes a WIP commit; a deletion keeps the unmerged branch and says so', async () => {
    expect(await sh('wb', 'echo unfinished > wip.txt && echo ok')).to.equal('exit 0: ok');
    await stack.json('POST', '/api/agents/wb/stop', 202);
    await stack.waitStatus('wb', 'stopped');
    await waitUntil(() => personGit(repo, 'log', '-1', '--format=%s', 'nox/wb').startsWith('WIP'), 15_000);
    expect(personGit(repo, 'show', 'nox/wb:wip.txt')).to.equal('unfinished');

    await stack.call('DELETE', '/api/agents/wb');
    const approvals = await stack.json<{ approvals: { description: string }[] }>('GET', '/api/approvals?status=all&type=delete_agent', 200);
    expect(approvals.approvals[0]?.description).to.match(/nox\/wb has 2 commit\(s\) not in main and is KEPT/);
    await waitUntil(async () => (await stack.call('GET', '/api/agents/wb')).status === 404, 10_000);
    expect(personGit(repo, 'log', '-1', '--format=%s', 'nox/wb')).to.match(/^WIP/);
    expect(personGit(repo, 'rev-parse', '--verify', '--quiet', 'nox/wb^')).to.have.length(40);
    // the agent's repository on its host keeps it too, and so does the mirror Nox serves
    expect(personGit(agentRepo(stack.config, 'p1', 'wb'), 'rev-parse', 'refs/heads/nox/wb')).to.equal(personGit(repo, 'rev-parse', 'nox/wb'));
    expect(personGit(servedAgentRepo(stack.config, 'p1', 'wb'), 'rev-parse', 'refs/heads/nox/wb')).to.equal(personGit(repo, 'rev-parse', 'nox/wb'));
  });
});
