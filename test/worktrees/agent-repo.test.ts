import { expect } from 'chai';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../shared/logger.js';
import { adoptLegacyWorktree, catchUpWorktree, ensureAgentRepo, fetchAgentBranch, seedBranch } from '../../workers/worktrees/agent-repo.js';
import { personGit, personRepo } from './worktree-support.js';

/**
 * An agent's own repository on a host (workers/worktrees/agent-repo.ts), with real git.
 *
 * A worktree made before agents had repositories of their own — its git folder inside the
 * host's mirror, its branch a ref of the mirror — is moved into the agent's own repository at
 * its next start (workers/worktrees/agent-repo.ts): same files, the uncommitted edit kept,
 * the branch and its commits in the agent's repository, and git works in the worktree.
 */
describe('projects: an agent’s own repository on a host', () => {
  const scratch: string[] = [];
  after(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('adopts a worktree of the older layout: keeps the files, the uncommitted edit and the commits', async () => {
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

  it('an agent back on a host whose worktree it left finds it brought up to what it committed elsewhere, its uncommitted file kept', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-catchup-'));
    scratch.push(repo, root);
    const origin = path.join(root, 'served.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, origin);
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', origin, mirror);
    personGit(root, '--git-dir', mirror, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*');
    personGit(root, '--git-dir', mirror, 'fetch', '-q', 'origin');
    const agentRepo = path.join(root, '.projects', 'p.agents', 'back.git');
    const workdir = path.join(root, 'back');
    const logger = createLogger({ level: 'silent' });
    await ensureAgentRepo(agentRepo, mirror);
    expect(await seedBranch(agentRepo, mirror, 'nox/back', 'refs/remotes/origin/main', false, logger)).to.equal('refs/remotes/origin/main');
    personGit(root, '--git-dir', agentRepo, 'worktree', 'add', '-q', workdir, 'nox/back');
    const gitDir = path.join(agentRepo, 'worktrees', 'back');
    personGit(workdir, 'push', '-q', origin, 'nox/back');
    writeFileSync(path.join(workdir, 'notes.txt'), 'left uncommitted here\n');

    // elsewhere: the agent committed on another host, which pushed it
    const other = path.join(root, 'other');
    personGit(root, 'clone', '-q', '-b', 'nox/back', origin, other);
    writeFileSync(path.join(other, 'far.txt'), 'made elsewhere\n');
    personGit(other, 'add', '-A');
    personGit(other, 'commit', '-qm', 'made elsewhere');
    personGit(other, 'push', '-q', 'origin', 'nox/back');
    const far = personGit(other, 'rev-parse', 'HEAD');

    // back here: the mirror fetched, the worktree is brought forward
    await fetchAgentBranch(agentRepo, { url: origin }, 'nox/back', logger);
    expect(await catchUpWorktree(agentRepo, gitDir, workdir, 'nox/back', logger)).to.equal(true);
    expect(personGit(workdir, 'rev-parse', 'HEAD')).to.equal(far);
    expect(personGit(agentRepo, 'rev-parse', 'refs/heads/nox/back')).to.equal(far);
    expect(readFileSync(path.join(workdir, 'far.txt'), 'utf8')).to.equal('made elsewhere\n');
    expect(readFileSync(path.join(workdir, 'notes.txt'), 'utf8')).to.equal('left uncommitted here\n');
    // nothing further ahead: nothing moves
    expect(await catchUpWorktree(agentRepo, gitDir, workdir, 'nox/back', logger)).to.equal(false);
  });

  it('writes its alternates without following a link an agent left there (to a file of the worker’s)', async () => {
    const repo = personRepo();
    const root = mkdtempSync(path.join(os.tmpdir(), 'nox-alternates-'));
    scratch.push(repo, root);
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, mirror);
    const agentRepo = path.join(root, '.projects', 'p.agents', 'x.git');
    await ensureAgentRepo(agentRepo, mirror);
    const victim = path.join(root, 'worker-secret.txt');
    writeFileSync(victim, 'the worker’s own file\n');
    const info = path.join(agentRepo, 'objects', 'info');
    // the file replaced by a link
    rmSync(path.join(info, 'alternates'));
    symlinkSync(victim, path.join(info, 'alternates'));
    await ensureAgentRepo(agentRepo, mirror);
    expect(readFileSync(victim, 'utf8')).to.equal('the worker’s own file\n');
    expect(lstatSync(path.join(info, 'alternates')).isFile()).to.equal(true);
    // the folder replaced by a link to a folder holding such a file
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'alternates'), 'kept\n');
    rmSync(info, { recursive: true });
    symlinkSync(elsewhere, info);
    await ensureAgentRepo(agentRepo, mirror);
    expect(readFileSync(path.join(elsewhere, 'alternates'), 'utf8')).to.equal('kept\n');
    expect(lstatSync(info).isDirectory()).to.equal(true);
    expect(readFileSync(path.join(info, 'alternates'), 'utf8')).to.equal(`${path.join(mirror, 'objects')}\n`);
  });
});
