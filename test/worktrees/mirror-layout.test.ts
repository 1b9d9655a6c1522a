import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import { narrowLegacyMirror, releaseAdoptedBranch } from '../../shared/projects/mirror-layout.js';
import type { Project } from '../../shared/projects/project-model.js';
import { servedAgentRepo, servedMirror } from '../../shared/projects/project-paths.js';
import { servedAgent } from '../../shared/projects/served-mirror.js';
import { adoptLegacyWorktree, ensureAgentRepo, seedBranch } from '../../workers/worktrees/agent-repo.js';
import { personGit, personRepo } from './worktree-support.js';

/**
 * Mirrors made before they held the base only (docs/WORKTREES.md, "Layout"): a host's mirror
 * that fetched every agent branch it was shown, and a served mirror that held every agent's
 * branch. Once narrowed, no other agent's objects are left in what an agent reads (a host's
 * mirror) or what an agent's URL borrows from (the served base repository), and no agent
 * repository that borrowed from them lost an object. Real git, no API.
 */
describe('projects: mirrors of the older layout are narrowed to the base, losing nothing', () => {
  const logger = createLogger({ level: 'silent' });
  const scratch: string[] = [];
  after(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  /** a commit of `agentId`'s on the base, pushed to `dest` as nox/<agentId>; returns its sha */
  const workOf = (repo: string, root: string, agentId: string, dest: string): string => {
    const clone = path.join(root, `clone-${agentId}`);
    personGit(root, 'clone', '-q', repo, clone);
    writeFileSync(path.join(clone, `${agentId}.txt`), `${agentId}'s work\n`);
    personGit(clone, 'add', '-A');
    personGit(clone, 'commit', '-q', '-m', `${agentId} work`);
    personGit(clone, 'push', '-q', dest, `HEAD:refs/heads/nox/${agentId}`);
    return personGit(clone, 'rev-parse', 'HEAD');
  };
  /** a host's mirror of the older layout: a whole clone, fetching every branch */
  const legacyHostMirror = (repo: string, root: string): string => {
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, mirror);
    personGit(mirror, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*');
    personGit(mirror, 'fetch', '-q', 'origin');
    return mirror;
  };
  const has = (repo: string, sha: string): boolean => {
    try {
      personGit(repo, 'cat-file', '-e', `${sha}^{commit}`);
      return true;
    } catch {
      return false;
    }
  };

  it('a host’s mirror: its agents’ repositories get their own objects, then the others’ branches and objects leave it', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-narrow-host-'));
    scratch.push(repo, root);
    const mineSha = workOf(repo, root, 'mine', repo);
    const otherSha = workOf(repo, root, 'other', repo);
    const mirror = legacyHostMirror(repo, root);
    // this host's agent "mine": its repository's branch was set from the mirror's copy, so its objects are only there
    const mineRepo = path.join(root, '.projects', 'p.agents', 'mine.git');
    await ensureAgentRepo(mineRepo, mirror);
    personGit(mineRepo, 'update-ref', 'refs/heads/nox/mine', mineSha);
    expect(has(mirror, otherSha)).to.equal(true);

    expect(await narrowLegacyMirror(mirror, 'main', path.dirname(mineRepo), logger)).to.equal(true);
    expect(personGit(mirror, 'for-each-ref', '--format=%(refname)').split('\n').sort()).to.deep.equal(['refs/heads/main', 'refs/remotes/origin/main']);
    expect(has(mirror, otherSha), 'another agent’s commit left in the mirror').to.equal(false);
    expect(has(mirror, mineSha), 'this agent’s commit is in its own repository now').to.equal(false);
    expect(has(mineRepo, mineSha)).to.equal(true);
    personGit(mineRepo, 'fsck', '--no-progress', '--connectivity-only');
    expect(personGit(mirror, 'config', '--get-all', 'remote.origin.fetch')).to.equal('+refs/heads/main:refs/remotes/origin/main');
    // once only
    expect(await narrowLegacyMirror(mirror, 'main', path.dirname(mineRepo), logger)).to.equal(false);
  });

  it('an agent repository that cannot be packed (a ref naming nothing) puts narrowing off: nothing leaves the mirror, nothing throws', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-narrow-junk-'));
    scratch.push(repo, root);
    const otherSha = workOf(repo, root, 'other', repo);
    const mirror = legacyHostMirror(repo, root);
    const junkRepo = path.join(root, '.projects', 'p.agents', 'junk.git');
    await ensureAgentRepo(junkRepo, mirror);
    // what a sandboxed agent can write in its refs/heads/nox/
    writeFileSync(path.join(junkRepo, 'refs', 'heads', 'nox', 'junk'), `${'1'.repeat(40)}\n`);
    const before = personGit(mirror, 'for-each-ref', '--format=%(refname)');

    expect(await narrowLegacyMirror(mirror, 'main', path.dirname(junkRepo), logger)).to.equal(false);
    expect(personGit(mirror, 'for-each-ref', '--format=%(refname)')).to.equal(before);
    expect(has(mirror, otherSha)).to.equal(true);
  });

  it('the served mirror: each agent’s branch moves into its served repository with its objects; the base repository keeps the base only', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-narrow-served-'));
    scratch.push(repo, root);
    const config = { registryDir: path.join(root, '.nox-registry'), agent: { workspace_root: path.join(root, 'work') } } as unknown as NoxConfig;
    const project = { name: 'p', repo, base: 'main' } as Project;
    // the older layout: a whole clone into which hosts pushed every agent's branch
    const legacy = servedMirror(config, 'p');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, legacy);
    const alphaSha = workOf(repo, root, 'alpha', legacy);
    const betaSha = workOf(repo, root, 'beta', legacy);
    expect(has(repo, alphaSha)).to.equal(false);

    const gamma = await servedAgent(config, project, 'gamma', logger, { refresh: true });
    expect(gamma).to.equal(servedAgentRepo(config, 'p', 'gamma'));
    for (const [id, sha] of [['alpha', alphaSha], ['beta', betaSha]] as const) {
      const own = servedAgentRepo(config, 'p', id);
      expect(personGit(own, 'rev-parse', `refs/heads/nox/${id}`)).to.equal(sha);
      personGit(own, 'fsck', '--no-progress', '--connectivity-only');
      expect(has(legacy, sha), `${id}'s commit left in the base repository`).to.equal(false);
    }
    expect(has(gamma, alphaSha)).to.equal(false);
    expect(personGit(legacy, 'for-each-ref', '--format=%(refname)').split('\n').sort()).to.deep.equal(['refs/heads/main', 'refs/remotes/origin/main']);
    expect(personGit(gamma, 'rev-parse', 'refs/heads/main')).to.equal(personGit(repo, 'rev-parse', 'main'));
  });
  /** a mirror of the oldest layout: a whole bare clone of `repo`, fetching every branch */
  const legacyMirror = (repo: string, root: string): string => {
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, mirror);
    personGit(mirror, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*');
    personGit(mirror, 'config', 'core.logAllRefUpdates', 'false'); // as Nox set it: a worktree's reflog keeps nothing
    personGit(mirror, 'fetch', '-q', 'origin');
    return mirror;
  };
  const commitIn = (workdir: string, file: string): string => {
    writeFileSync(path.join(workdir, file), `${file}\n`);
    personGit(workdir, 'add', '-A');
    personGit(workdir, 'commit', '-q', '-m', file);
    return personGit(workdir, 'rev-parse', 'HEAD');
  };

  it('a host’s mirror of the oldest layout: an unmerged branch agents wrote in it is kept (its worktree’s) or moved into a repository of its own, never pruned', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-narrow-unmerged-'));
    scratch.push(repo, root);
    const mirror = legacyMirror(repo, root);
    const agentsDir = path.join(root, '.projects', 'p.agents');
    // agent b's worktree, its git folder in the mirror; b went on on a side branch
    const workdir = path.join(root, 'b');
    personGit(root, '--git-dir', mirror, 'worktree', 'add', '-q', '-b', 'nox/b', workdir, 'main');
    personGit(workdir, 'checkout', '-q', '-b', 'nox/gone');
    const goneSha = commitIn(workdir, 'gone.txt'); // the work of an agent deleted since: no worktree is on it
    personGit(workdir, 'checkout', '-q', '-b', 'nox/twice', 'main');
    const twiceSha = commitIn(workdir, 'twice.txt'); // its repository (made since) has another nox/twice
    personGit(workdir, 'checkout', '-q', '-b', 'nox/b-v2', 'main');
    const v2Sha = commitIn(workdir, 'v2.txt');
    personGit(mirror, 'branch', 'nox/old', 'main'); // merged: nothing of its own
    const twiceRepo = path.join(agentsDir, 'twice.git');
    await ensureAgentRepo(twiceRepo, mirror);
    personGit(twiceRepo, 'update-ref', 'refs/heads/nox/twice', personGit(mirror, 'rev-parse', 'main'));

    expect(await narrowLegacyMirror(mirror, 'main', agentsDir, logger)).to.equal(true);
    expect(personGit(mirror, 'for-each-ref', '--format=%(refname)').split('\n').sort()).to.deep.equal(['refs/heads/main', 'refs/heads/nox/b-v2', 'refs/remotes/origin/main']);
    expect(has(mirror, v2Sha), 'the worktree’s branch kept').to.equal(true);
    expect(personGit(workdir, 'status', '--porcelain')).to.equal('');
    expect(personGit(workdir, 'log', '--format=%s', '-1')).to.equal('v2.txt');
    const goneRepo = path.join(agentsDir, 'gone.git');
    expect(personGit(goneRepo, 'rev-parse', 'refs/heads/nox/gone')).to.equal(goneSha);
    expect(has(mirror, goneSha), 'the deleted agent’s work left the mirror').to.equal(false);
    personGit(goneRepo, 'fsck', '--no-progress');
    expect(personGit(twiceRepo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/nox/legacy/')).to.equal(`refs/nox/legacy/twice-${twiceSha.slice(0, 12)} ${twiceSha}`);
    personGit(twiceRepo, 'fsck', '--no-progress');
    expect(existsSync(path.join(agentsDir, 'old.git')), 'a merged branch needs no repository').to.equal(false);
    expect(existsSync(path.join(agentsDir, 'b.git')), 'a merged branch needs no repository').to.equal(false);
  });

  it('a legacy worktree adopted by its agent’s repository: its branch and the objects only it reached leave the host’s mirror', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-release-'));
    scratch.push(repo, root);
    const mirror = legacyMirror(repo, root);
    const agentsDir = path.join(root, '.projects', 'p.agents');
    const workdir = path.join(root, 'b');
    personGit(root, '--git-dir', mirror, 'worktree', 'add', '-q', '-b', 'nox/b', workdir, 'main');
    const bSha = commitIn(workdir, 'b.txt');
    writeFileSync(path.join(workdir, 'staged.txt'), 'staged, not committed\n');
    personGit(workdir, 'add', 'staged.txt');
    const stagedBlob = personGit(workdir, 'rev-parse', ':staged.txt');
    expect(await narrowLegacyMirror(mirror, 'main', agentsDir, logger)).to.equal(true);
    expect(has(mirror, bSha), 'kept for its worktree').to.equal(true);

    // the agent's next start (workers/worktrees/agent-worktree.ts prepareWorktree)
    const bRepo = path.join(agentsDir, 'b.git');
    const gitDir = path.join(bRepo, 'worktrees', 'b');
    await ensureAgentRepo(bRepo, mirror);
    // before it holds the branch, nothing is released
    expect(await releaseAdoptedBranch(mirror, 'main', bRepo, 'b', logger)).to.equal(false);
    expect(await adoptLegacyWorktree(path.join(mirror, 'worktrees', 'b'), bRepo, gitDir, workdir)).to.equal(true);
    personGit(mirror, 'worktree', 'prune');
    expect(await seedBranch(bRepo, mirror, 'nox/b', 'refs/remotes/origin/main', true, logger)).to.equal('the host mirror');

    expect(await releaseAdoptedBranch(mirror, 'main', bRepo, 'b', logger)).to.equal(true);
    expect(personGit(mirror, 'for-each-ref', '--format=%(refname)').split('\n').sort()).to.deep.equal(['refs/heads/main', 'refs/remotes/origin/main']);
    expect(has(mirror, bSha), 'b’s commit left in the mirror').to.equal(false);
    expect(() => personGit(mirror, 'cat-file', '-e', stagedBlob), 'b’s staged file left in the mirror').to.throw();
    expect(personGit(bRepo, 'rev-parse', 'refs/heads/nox/b')).to.equal(bSha);
    personGit(bRepo, 'fsck', '--no-progress');
    expect(personGit(workdir, 'status', '--porcelain')).to.equal('A  staged.txt');
    expect(personGit(workdir, 'show', ':staged.txt')).to.equal('staged, not committed');
    expect(personGit(workdir, 'log', '--format=%s', '-1')).to.equal('b.txt');
    // once only
    expect(await releaseAdoptedBranch(mirror, 'main', bRepo, 'b', logger)).to.equal(false);
  });
});
