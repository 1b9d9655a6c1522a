import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../shared/logger.js';
import { adoptLegacyWorktree, ensureAgentRepo, seedBranch } from '../../workers/worktrees/agent-repo.js';
import { personGit, personRepo } from './worktree-support.js';

/**
 * A worktree made before agents had repositories of their own — its git folder inside the
 * host's mirror, its branch a ref of the mirror — is moved into the agent's own repository at
 * its next start (workers/worktrees/agent-repo.ts): same files, the uncommitted edit kept,
 * the branch and its commits in the agent's repository, and git works in the worktree.
 */
describe('projects: a worktree of the older layout is adopted into the agent’s own repository', () => {
  const scratch: string[] = [];
  after(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the files, the uncommitted edit and the commits', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-legacy-'));
    scratch.push(repo, root);
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, mirror);
    const workdir = path.join(root, 'old');
    personGit(root, '--git-dir', mirror, 'worktree', 'add', '-q', '-b', 'nox/old', workdir, 'main');
    writeFileSync(path.join(workdir, 'kept.txt'), 'committed\n');
    personGit(workdir, 'add', '-A');
    personGit(workdir, 'commit', '-qm', 'before the new layout');
    const sha = personGit(workdir, 'rev-parse', 'HEAD');
    writeFileSync(path.join(workdir, 'kept.txt'), 'committed\nand not yet\n');

    const agentRepo = path.join(root, '.projects', 'p.agents', 'old.git');
    const gitDir = path.join(agentRepo, 'worktrees', 'old');
    await ensureAgentRepo(agentRepo, mirror);
    expect(await adoptLegacyWorktree(path.join(mirror, 'worktrees', 'old'), agentRepo, gitDir, workdir)).to.equal(true);
    expect(await seedBranch(agentRepo, mirror, 'nox/old', 'main', true, createLogger({ level: 'silent' }))).to.equal('the host mirror');

    expect(existsSync(path.join(mirror, 'worktrees', 'old'))).to.equal(false);
    expect(readFileSync(path.join(workdir, '.git'), 'utf8').trim()).to.equal(`gitdir: ${gitDir}`);
    expect(personGit(agentRepo, 'rev-parse', 'refs/heads/nox/old')).to.equal(sha);
    expect(personGit(workdir, 'rev-parse', 'HEAD')).to.equal(sha);
    expect(personGit(workdir, 'status', '--porcelain')).to.equal('M kept.txt');
    expect(personGit(workdir, 'log', '--format=%s')).to.equal('before the new layout\nfirst');
    // run again (the next start): nothing more to adopt, the branch stays
    expect(await adoptLegacyWorktree(path.join(mirror, 'worktrees', 'old'), agentRepo, gitDir, workdir)).to.equal(false);
    expect(await seedBranch(agentRepo, mirror, 'nox/old', 'main', true, createLogger({ level: 'silent' }))).to.equal('its repository');
  });
});
