import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servedAgentRepo, servedMirror } from '../../shared/projects/project-paths.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { personGit, personRepo, hostCredential } from './worktree-support.js';

/**
 * The served mirror's upkeep (docs/WORKTREES.md, "Upkeep of the served mirror"), after a
 * host's pushes and after an agent's deletion: packs pile up with pushes and `git gc --auto`
 * folds them (the mirror set to keep every push as a pack and to gc past one pack, so that
 * a few pushes are enough), and the repository is whole and fetchable after; the branch of a
 * deleted agent with nothing unmerged goes, that of a deleted agent with unmerged work stays.
 */
describe('projects: the served mirror is kept up after pushes and deletions', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let work: string;
  let credential: string;

  before(async () => {
    stack = await startAgentStack({
      hosts: 0,
      overrides: { 'projects.served_upkeep_minutes': 0, 'approvals.rules': [{ action: 'approve', types: ['delete_agent'] }] },
    });
    repo = personRepo();
    work = mkdtempSync(path.join(os.tmpdir(), 'nox-served-upkeep-'));
    await stack.json('POST', '/api/projects', 201, { body: { name: 'up', repo } });
    for (const id of ['alpha', 'merged', 'unmerged']) await stack.createAgent({ id, project: 'up' });
    credential = await hostCredential(stack, 'keeper');
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const served = (): string => servedMirror(stack.config, 'up');
  const servedOf = (agentId: string): string => servedAgentRepo(stack.config, 'up', agentId);
  const urlOf = (agentId: string): string => `${stack.api.url}/api/projects/up/agents/${agentId}/git`;
  const hostGit = (...args: string[]): Promise<{ ok: boolean; out: string }> =>
    new Promise((resolve) => {
      execFile('git', ['-c', `http.extraHeader=Authorization: Bearer ${credential}`, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
        resolve({ ok: !err, out: `${stdout}${stderr}` });
      });
    });
  /** the agent's clone of the project; `commit` adds a commit before the push, else the base itself is pushed */
  const push = async (agentId: string, commit: boolean): Promise<string> => {
    const clone = path.join(work, agentId);
    try {
      personGit(clone, 'rev-parse', 'HEAD');
    } catch {
      personGit(work, 'clone', '-q', repo, clone);
    }
    if (commit) {
      writeFileSync(path.join(clone, `${agentId}.txt`), `${Date.now()}-${Math.random()}\n`);
      personGit(clone, 'add', '-A');
      personGit(clone, 'commit', '-q', '-m', `${agentId} work`);
    }
    const pushed = await hostGit('-C', clone, 'push', urlOf(agentId), `HEAD:refs/heads/nox/${agentId}`);
    expect(pushed.ok, pushed.out).to.equal(true);
    return personGit(clone, 'rev-parse', 'HEAD');
  };
  const packs = (agentId: string): number => readdirSync(path.join(servedOf(agentId), 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
  /** the agent's branch in its served repository ('' when it has none, or no repository) */
  const servedAt = (agentId: string): string => {
    try {
      return personGit(servedOf(agentId), 'rev-parse', '--verify', '--quiet', `refs/heads/nox/${agentId}`);
    } catch {
      return '';
    }
  };

  it('folds the packs pushes left (the mirror whole and fetchable after), and drops a deleted agent’s merged branch only', async () => {
    const unmergedSha = await push('unmerged', true);
    await push('merged', false); // its branch is the base: nothing of its own
    // every push kept as a pack of its own, and gc due past one pack
    await push('alpha', true);
    personGit(servedOf('alpha'), 'config', 'receive.unpackLimit', '1');
    personGit(servedOf('alpha'), 'config', 'gc.autoPackLimit', '1');
    await push('alpha', true);
    const alphaSha = await push('alpha', true);
    await waitUntil(() => packs('alpha') === 1, 60_000);
    personGit(servedOf('alpha'), 'fsck', '--no-progress', '--connectivity-only');
    const fetcher = path.join(work, 'fetcher');
    personGit(work, 'init', '-q', '--bare', fetcher);
    const fetched = await hostGit('--git-dir', fetcher, 'fetch', urlOf('alpha'), 'refs/heads/nox/alpha:refs/heads/got');
    expect(fetched.ok, fetched.out).to.equal(true);
    expect(personGit(fetcher, 'rev-parse', 'refs/heads/got')).to.equal(alphaSha);
    expect(personGit(fetcher, 'log', '--format=%s', 'refs/heads/got')).to.equal('alpha work\nalpha work\nalpha work\nfirst');

    // deletions: the one with unmerged work first, so the upkeep after the second has seen both
    expect(servedAt('merged')).to.equal(personGit(repo, 'rev-parse', 'main'));
    for (const id of ['unmerged', 'merged']) {
      await stack.call('DELETE', `/api/agents/${id}`);
      await waitUntil(async () => (await stack.call('GET', `/api/agents/${id}`)).status === 404, 10_000);
    }
    await waitUntil(() => !existsSync(servedOf('merged')), 30_000);
    expect(servedAt('unmerged')).to.equal(unmergedSha);
    expect(servedAt('alpha')).to.equal(alphaSha);
    expect(personGit(served(), 'rev-parse', 'refs/remotes/origin/main')).to.equal(personGit(repo, 'rev-parse', 'main'));
    // the base repository holds the base only: no agent's branch, none of their commits
    expect(personGit(served(), 'for-each-ref', '--format=%(refname)')).to.equal('refs/remotes/origin/main');
    expect(() => personGit(served(), 'cat-file', '-e', `${alphaSha}^{commit}`)).to.throw();
  });
});
