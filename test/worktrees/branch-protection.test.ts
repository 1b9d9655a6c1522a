import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { agentBranch } from '../../shared/projects/project-model.js';
import { agentRepo, projectMirror, servedAgentRepo, servedMirror } from '../../shared/projects/project-paths.js';
import { startAgentStack, type AgentStack, type AgentTestHost } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { bearerGit, GIT_AGENT, personGit, personRepo, shTurns, hostCredential } from './worktree-support.js';

/**
 * Issue 16: an agent writes its own branch `nox/<id>` and no other (docs/WORKTREES.md, "What
 * an agent can do"). Two sandboxed agents on one host that pushes through the mirror the API
 * serves (a host credential): agent alpha tries to move and delete agent beta's branch in its
 * host's copy — beta's repository, the host's mirror — and in the served mirror, with and
 * without the host's credential, through its own URL and beta's; each attempt fails and
 * beta's commits are intact everywhere.
 */
describe('projects: an agent cannot move or delete another agent’s branch', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let host: AgentTestHost;
  let credential: string;
  let sh: (agentId: string, command: string) => Promise<string>;

  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.args': [GIT_AGENT] } });
    repo = personRepo();
    sh = shTurns(stack);
    credential = await hostCredential(stack, 'guarded');
    host = await stack.addHost({ 'worker.host_id': 'guarded', 'worker.host_token': credential });
    await stack.json('POST', `/api/system/hosts/${stack.hosts[0]!.id}/cordon`, 200);
    await stack.json('POST', '/api/projects', 201, { body: { name: 'pg', repo } });
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  const served = (): string => servedMirror(stack.config, 'pg');
  const servedAt = (agentId: string): string => {
    try {
      return personGit(servedAgentRepo(stack.config, 'pg', agentId), 'rev-parse', agentBranch(agentId));
    } catch {
      return '';
    }
  };
  const urlOf = (agentId: string): string => `${stack.api.url}/api/projects/pg/agents/${agentId}/git`;

  it('in the host’s copy and in the served mirror, with or without the host’s credential', async () => {
    for (const id of ['alpha', 'beta']) {
      await stack.createAgent({ id, project: 'pg' });
      expect((await stack.startAgent(id)).hostId).to.equal(host.id);
    }
    const made = await sh('beta', 'echo b > beta.txt && git add -A && git commit -qm "beta work" && git rev-parse HEAD');
    const betaSha = made.replace(/^exit 0: /, '');
    expect(betaSha).to.match(/^[0-9a-f]{40}$/);
    await waitUntil(() => servedAt('beta') === betaSha, 20_000);
    expect(await sh('alpha', 'echo a > alpha.txt && git add -A && git commit -qm "alpha work" && echo ok')).to.equal('exit 0: ok');
    await waitUntil(() => servedAt('alpha') !== '', 20_000);

    // in its host's copy, from inside alpha's sandbox: beta's repository, the host's mirror
    const betaRepo = agentRepo(host.ctx.config, 'pg', 'beta');
    const mirror = projectMirror(host.ctx.config, 'pg');
    const attempts = [
      `git --git-dir=${betaRepo} update-ref refs/heads/nox/beta HEAD`,
      `git --git-dir=${betaRepo} update-ref -d refs/heads/nox/beta`,
      `echo $(git rev-parse HEAD) > ${betaRepo}/refs/heads/nox/beta`,
      `rm ${betaRepo}/refs/heads/nox/beta`,
      `git --git-dir=${mirror} update-ref refs/heads/nox/beta HEAD`,
      `git --git-dir=${mirror} update-ref refs/remotes/origin/nox/beta HEAD`,
      `git --git-dir=${mirror} update-ref -d refs/remotes/origin/nox/beta`,
      `git push --force ${urlOf('beta')} HEAD:refs/heads/nox/beta`,
      `git push ${urlOf('alpha')} :refs/heads/nox/beta`,
    ];
    for (const attempt of attempts) {
      const out = await sh('alpha', `(${attempt}) >/dev/null 2>&1; echo $?`);
      expect(out, attempt).to.match(/^exit 0: \d+$/);
      expect(out, attempt).to.not.equal('exit 0: 0');
    }
    // what alpha may do in its own repository writes nothing anyone else reads: it makes a nox/beta of its own there
    expect(await sh('alpha', 'git update-ref refs/heads/nox/beta HEAD && echo $?')).to.equal('exit 0: 0');

    // in the served mirror, with the host's own credential (what Nox pushes with): only alpha's branch, forward only
    const alphaSha = servedAt('alpha');
    const hostCopy = agentRepo(host.ctx.config, 'pg', 'alpha');
    const push = (...args: string[]): Promise<string> => bearerGit(credential, '--git-dir', hostCopy, 'push', ...args);
    // every ref but the base and nox/alpha is hidden from alpha's URL (servedView), and git refuses a push to a hidden ref
    // before the update hook (which would refuse it too) is asked
    expect(await push(urlOf('alpha'), 'refs/heads/nox/alpha:refs/heads/nox/gamma')).to.match(/-> nox\/gamma \(deny updating a hidden ref\)/);
    expect(await push('--force', urlOf('alpha'), 'refs/heads/nox/alpha:refs/heads/nox/beta')).to.match(/-> nox\/beta \(deny updating a hidden ref\)/);
    expect(await push(urlOf('alpha'), ':refs/heads/nox/beta')).to.match(/refused|deny|declined/i);
    expect(await push(urlOf('alpha'), 'refs/heads/nox/alpha:refs/heads/feature')).to.match(/-> feature \(deny updating a hidden ref\)/);
    // rewinding its own branch to the base, forced
    expect(await push('--force', urlOf('alpha'), `${personGit(repo, 'rev-parse', 'main')}:refs/heads/nox/alpha`)).to.match(/non-fast-forward|refused|declined/i);
    expect(await push(urlOf('alpha'), `:refs/heads/nox/alpha`)).to.match(/refused|deny/i);
    // beta's URL with a credential of a host beta is not placed on: 403
    const other = await hostCredential(stack, 'elsewhere');
    const res = await fetch(`${urlOf('beta')}/info/refs?service=git-receive-pack`, { headers: { authorization: `Bearer ${other}` } });
    expect(res.status).to.equal(403);
    expect(((await res.json()) as { code: string }).code).to.equal('nox:agent-not-on-host');
    // and no credential at all: 401
    expect((await fetch(`${urlOf('beta')}/info/refs?service=git-upload-pack`)).status).to.equal(401);

    // beta's commits are intact: in the served mirror, its repository, its worktree; alpha's too
    expect(servedAt('beta')).to.equal(betaSha);
    expect(servedAt('alpha')).to.equal(alphaSha);
    expect(personGit(betaRepo, 'rev-parse', 'refs/heads/nox/beta')).to.equal(betaSha);
    expect(await sh('beta', 'git log --format=%s -1')).to.equal('exit 0: beta work');
    expect(personGit(served(), 'rev-parse', 'refs/remotes/origin/main')).to.equal(personGit(repo, 'rev-parse', 'main'));
  });

  it('links an agent plants in its own objects reach nothing of another agent’s when Nox pushes, and its alternates cannot be moved away', async () => {
    // beta's work, as loose objects in beta's repository on this host
    const made = await sh('beta', 'echo more > beta2.txt && git add -A && git commit -qm "beta again" && git rev-parse HEAD');
    const betaSha = made.replace(/^exit 0: /, '');
    await waitUntil(() => servedAt('beta') === betaSha, 20_000);
    const betaRepo = agentRepo(host.ctx.config, 'pg', 'beta');
    const betaObjects = personGit(betaRepo, 'rev-list', '--objects', betaSha, '--not', personGit(repo, 'rev-parse', 'main'))
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean);
    expect(betaObjects.length).to.be.greaterThan(1);

    // alpha cannot move its objects/info away (it is bound as a folder, a mount point)
    expect(await sh('alpha', 'd=$(git rev-parse --git-common-dir)/objects; mv $d/info $d/info.old 2>/dev/null; echo $?')).to.not.equal('exit 0: 0');

    // alpha links each of beta's objects into its own objects/ (the links point outside its sandbox) and makes its
    // branch a merge naming beta's commit, written as a raw object (git inside cannot read through the links)
    const links = betaObjects.map((id) => `mkdir -p "$o/${id.slice(0, 2)}" && ln -sf ${betaRepo}/objects/${id.slice(0, 2)}/${id.slice(2)} "$o/${id.slice(0, 2)}/${id.slice(2)}"`).join(' && ');
    const forged = await sh(
      'alpha',
      `o=$(git rev-parse --git-common-dir)/objects && ${links} && ` +
        `c=$(printf 'tree %s\\nparent %s\\nparent ${betaSha}\\nauthor a <a@a> 1700000000 +0000\\ncommitter a <a@a> 1700000000 +0000\\n\\ntaking beta\\n' $(git rev-parse HEAD^{tree}) $(git rev-parse HEAD) | git hash-object -t commit --literally -w --stdin) && ` +
        'git update-ref refs/heads/nox/alpha $c && echo $c',
    );
    const forgedSha = forged.replace(/^exit 0: /, '');
    expect(forgedSha, forged).to.match(/^[0-9a-f]{40}$/);
    // the turn ended: Nox pushed alpha's branch, in alpha's view, where the links lead nowhere, so the push fails and
    // sends nothing of beta's (followed outside the view, the links made it succeed within a second)
    await waitUntil(() => servedAt('alpha') === forgedSha, 5_000).catch(() => undefined);
    const alphaServed = servedAgentRepo(stack.config, 'pg', 'alpha');
    expect(servedAt('alpha')).to.not.equal(forgedSha);
    expect(() => personGit(alphaServed, 'cat-file', '-e', `${betaSha}^{commit}`)).to.throw();
    for (const id of betaObjects) expect(() => personGit(alphaServed, 'cat-file', '-e', id), id).to.throw();
  });
});
