import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import { narrowLegacyMirror } from '../../shared/projects/mirror-layout.js';
import type { Project } from '../../shared/projects/project-model.js';
import { servedAgentRepo, servedMirror } from '../../shared/projects/project-paths.js';
import { servedAgent } from '../../shared/projects/served-mirror.js';
import { ensureAgentRepo } from '../../workers/worktrees/agent-repo.js';
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
    // the older layout: a whole clone, fetching every branch
    const mirror = path.join(root, '.projects', 'p.git');
    personGit(root, 'clone', '-q', '--bare', '--no-local', repo, mirror);
    personGit(mirror, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*');
    personGit(mirror, 'fetch', '-q', 'origin');
    // this host's agent "mine": its repository's branch was set from the mirror's copy, so its objects are only there
    const mineRepo = path.join(root, '.projects', 'p.agents', 'mine.git');
    await ensureAgentRepo(mineRepo, mirror);
    personGit(mineRepo, 'update-ref', 'refs/heads/nox/mine', mineSha);
    expect(has(mirror, otherSha)).to.equal(true);

    expect(await narrowLegacyMirror(mirror, 'main', [mineRepo], logger)).to.equal(true);
    expect(personGit(mirror, 'for-each-ref', '--format=%(refname)').split('\n').sort()).to.deep.equal(['refs/heads/main', 'refs/remotes/origin/main']);
    expect(has(mirror, otherSha), 'another agent’s commit left in the mirror').to.equal(false);
    expect(has(mirror, mineSha), 'this agent’s commit is in its own repository now').to.equal(false);
    expect(has(mineRepo, mineSha)).to.equal(true);
    personGit(mineRepo, 'fsck', '--no-progress', '--connectivity-only');
    expect(personGit(mirror, 'config', '--get-all', 'remote.origin.fetch')).to.equal('+refs/heads/main:refs/remotes/origin/main');
    // once only
    expect(await narrowLegacyMirror(mirror, 'main', [mineRepo], logger)).to.equal(false);
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
});
