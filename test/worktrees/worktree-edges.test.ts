import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { files } from '../../shared/registry/layout.js';
import { agentRepo, agentWorktree, projectMirror } from '../../shared/projects/project-paths.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { GIT_AGENT, personGit, personRepo, shTurns } from './worktree-support.js';

/**
 * Projects' bad input (nothing half-created), what a hostile agent can do to the repository
 * through its worktree, and an agent that moves to a host with an empty workspace.
 */
describe('projects: bad input, a hostile agent, a move to another host', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  const scratch: string[] = [];
  let sh: (agentId: string, command: string) => Promise<string>;

  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.args': [GIT_AGENT] } });
    repo = personRepo();
    sh = shTurns(stack);
  });
  after(async () => {
    await stack.cleanup();
    for (const d of [repo, ...scratch]) rmSync(d, { recursive: true, force: true });
  });

  const problem = async (method: string, url: string, body: unknown): Promise<{ status: number; code: string; files?: string[]; agents?: string[] }> => {
    const res = await stack.call(method, url, { body });
    const json = (await res.json().catch(() => ({}))) as { code: string };
    return { status: res.status, ...json };
  };
  const projectsToml = (): string => {
    try {
      return readFileSync(path.join(stack.config.registryDir, 'projects.toml'), 'utf8');
    } catch {
      return '';
    }
  };

  it('refuses a repository that is not one, a missing base, a dirty base, a duplicate — and writes nothing', async () => {
    const plain = mkdtempSync(path.join(os.tmpdir(), 'nox-not-a-repo-'));
    scratch.push(plain);
    expect(await problem('POST', '/api/projects', { name: 'bad1', repo: plain })).to.include({ status: 422, code: 'nox:project-repo-invalid' });
    expect(await problem('POST', '/api/projects', { name: 'bad2', repo: 'relative/path' })).to.include({ status: 422, code: 'nox:project-repo-invalid' });
    expect(await problem('POST', '/api/projects', { name: 'bad3', repo, base: 'nope' })).to.include({ status: 422, code: 'nox:project-base-missing' });
    expect(await problem('POST', '/api/projects', { name: 'bad4', repo: '--upload-pack=touch /tmp/x' })).to.include({ status: 400, code: 'nox:validation-failed' });
    expect(await problem('POST', '/api/projects', { name: 'Bad Name', repo })).to.include({ status: 400, code: 'nox:validation-failed' });
    writeFileSync(path.join(repo, 'README.md'), 'changed and not committed\n');
    const dirty = await problem('POST', '/api/projects', { name: 'bad5', repo });
    expect(dirty).to.include({ status: 409, code: 'nox:project-base-dirty' });
    expect(dirty.files).to.deep.equal(['README.md']);
    personGit(repo, 'checkout', '--', 'README.md');
    expect(projectsToml()).to.equal('');
    const list = await stack.json<{ projects: unknown[] }>('GET', '/api/projects', 200);
    expect(list.projects).to.deep.equal([]);

    await stack.json('POST', '/api/projects', 201, { body: { name: 'p2', repo } });
    expect(await problem('POST', '/api/projects', { name: 'p2', repo })).to.include({ status: 409, code: 'nox:project-exists' });
    // an agent naming an unknown project, or a project and a workdir, is not created
    expect(await problem('POST', '/api/agents', { id: 'orphan', project: 'nope' })).to.include({ status: 404, code: 'nox:project-not-found' });
    expect(await problem('POST', '/api/agents', { id: 'orphan', project: 'p2', workdir: '/tmp/x' })).to.include({ status: 400, code: 'nox:validation-failed' });
    expect((await stack.call('GET', '/api/agents/orphan')).status).to.equal(404);
    // changes and merges of an agent without a project
    await stack.createAgent({ id: 'plain' });
    expect(await problem('GET', '/api/agents/plain/changes', undefined)).to.include({ status: 409, code: 'nox:agent-no-project' });
    expect(await problem('POST', '/api/agents/plain/merge', {})).to.include({ status: 409, code: 'nox:agent-no-project' });
  });

  it('a project in use cannot be removed; an unused one can', async () => {
    await stack.createAgent({ id: 'user-of-p2', project: 'p2' });
    const inUse = await problem('DELETE', '/api/projects/p2', undefined);
    expect(inUse).to.include({ status: 409, code: 'nox:project-in-use' });
    expect(inUse.agents).to.deep.equal(['user-of-p2']);
    expect(projectsToml()).to.contain('[projects.p2]');
    await stack.json('POST', '/api/projects', 201, { body: { name: 'p3', repo } });
    expect((await stack.call('DELETE', '/api/projects/p3')).status).to.equal(204);
    expect(projectsToml()).to.not.contain('p3');
    expect(files.projects()).to.deep.equal({ family: 'projects' });
  });

  it('a hostile agent cannot change the repository’s config, hooks, other branches or its worktree’s links, nor see the person’s repository', async () => {
    await stack.createAgent({ id: 'evil', project: 'p2' });
    await stack.startAgent('evil');
    expect(await sh('evil', 'git config core.hooksPath /tmp >/dev/null 2>&1; echo $?')).to.not.equal('exit 0: 0');
    expect(await sh('evil', 'echo "#!/bin/sh" > "$(git rev-parse --git-common-dir)/hooks/post-merge"; echo $?')).to.match(/^exit 0: 2\n.*Read-only file system$/);
    expect(await sh('evil', 'git update-ref refs/heads/main HEAD >/dev/null 2>&1; echo $?')).to.not.equal('exit 0: 0');
    expect(await sh('evil', 'echo /tmp > "$(git rev-parse --git-dir)/commondir"; echo $?')).to.match(/^exit 0: 2\n.*Read-only file system$/);
    expect(await sh('evil', `ls ${repo} >/dev/null 2>&1; echo $?`)).to.not.equal('exit 0: 0');
    // what it may do: commit on its own branch
    expect(await sh('evil', 'echo mine > mine.txt && git add mine.txt && git commit -qm mine && echo committed')).to.equal('exit 0: committed');
    expect(readFileSync(path.join(projectMirror(stack.config, 'p2'), 'config'), 'utf8')).to.not.contain('hooksPath');
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(personGit(repo, 'rev-list', '--max-parents=0', 'main'));
  });

  it('agents on one host cannot read each other’s work in the host’s mirror, which they all read', async () => {
    for (const id of ['peek', 'hider']) {
      await stack.createAgent({ id, project: 'p2' });
      await stack.startAgent(id);
    }
    const made = await sh('hider', 'echo hidden > hidden.txt && git add -A && git commit -qm "hider work" && git rev-parse HEAD');
    const hiderSha = made.replace(/^exit 0: /, '');
    expect(hiderSha).to.match(/^[0-9a-f]{40}$/);
    // this host has no credential: the turn's end pushed the branch to the project's repository
    await waitUntil(() => {
      try {
        return personGit(repo, 'rev-parse', 'refs/heads/nox/hider') === hiderSha;
      } catch {
        return false;
      }
    }, 20_000);
    // a later start on this host fetches its mirror again (it fetched every branch of the repository, once)
    await stack.createAgent({ id: 'late', project: 'p2' });
    await stack.startAgent('late');
    const mirror = projectMirror(stack.config, 'p2');
    const readable = (sha: string): Promise<string> => sh('peek', `git --git-dir=${mirror} cat-file -e ${sha}^{commit} 2>/dev/null && echo readable || echo hidden`);
    expect(await readable(personGit(repo, 'rev-parse', 'main'))).to.equal('exit 0: readable');
    expect(await readable(hiderSha)).to.equal('exit 0: hidden');
    expect(await sh('peek', `git --git-dir=${mirror} for-each-ref --format='%(refname)'`)).to.equal('exit 0: refs/remotes/origin/main');
  });

  it('a person looking at an agent’s changes writes nothing through a link the agent left in its objects', async () => {
    await stack.createAgent({ id: 'linker', project: 'p2' });
    await stack.startAgent('linker');
    const victim = mkdtempSync(path.join(os.tmpdir(), 'nox-victim-'));
    scratch.push(victim);
    const objects = path.join(agentRepo(stack.config, 'p2', 'linker'), 'objects');
    // a new file whose blob's fan-out folder the agent's repository does not have yet
    let text = '';
    let fanOut = '';
    for (let i = 0; !text; i++) {
      const id = execFileSync('git', ['hash-object', '--stdin'], { input: `planted ${i}\n`, encoding: 'utf8' }).trim();
      if (!existsSync(path.join(objects, id.slice(0, 2)))) [text, fanOut] = [`planted ${i}`, id.slice(0, 2)];
    }
    expect(await sh('linker', `ln -s ${victim} "$(git rev-parse --git-common-dir)/objects/${fanOut}" && echo "${text}" > planted.txt && echo ok`)).to.equal('exit 0: ok');
    const changes = await stack.json<{ uncommitted: string[]; diff: string }>('GET', '/api/agents/linker/changes', 200);
    expect(changes.uncommitted).to.include('planted.txt');
    expect(changes.diff).to.contain(text);
    expect(readdirSync(victim), 'written through the agent’s link').to.deep.equal([]);
  });

  it('a link an agent leaves for its reflog does not let Nox’s WIP commit write into the person’s repository', async () => {
    await stack.createAgent({ id: 'logger', project: 'p2' });
    await stack.startAgent('logger');
    const config = path.join(repo, '.git', 'config');
    const before = readFileSync(config, 'utf8');
    // git appends to an existing logs/HEAD of the worktree, reflogs off or not
    expect(await sh('logger', `mkdir -p "$(git rev-parse --git-dir)/logs" && ln -sf ${config} "$(git rev-parse --git-dir)/logs/HEAD" && echo left > left.txt && echo ok`)).to.equal('exit 0: ok');
    await stack.json('POST', '/api/agents/logger/stop', 202);
    await stack.waitStatus('logger', 'stopped');
    // the WIP commit runs in the agent's view, where the person's repository is read-only: the append through the link
    // fails (the agent's own reflog sabotaged, its WIP commit with it) and the person's config stays as it was
    // (written through the link, it changed within a second of the stop)
    await waitUntil(() => readFileSync(config, 'utf8') !== before, 5_000).catch(() => undefined);
    expect(readFileSync(config, 'utf8')).to.equal(before);
  });

  it('an agent moved to a host with an empty workspace finds its worktree and its last commits', async () => {
    await stack.createAgent({ id: 'mover', project: 'p2' });
    await stack.startAgent('mover');
    expect(await sh('mover', 'echo first > moved.txt && git add -A && git commit -qm "before the move" && echo ok')).to.equal('exit 0: ok');
    expect(await sh('mover', 'echo second >> moved.txt && echo ok')).to.equal('exit 0: ok'); // uncommitted at the stop
    await stack.json('POST', '/api/agents/mover/stop', 202);
    await stack.waitStatus('mover', 'stopped');
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'nox-other-host-'));
    scratch.push(elsewhere);
    const other = await stack.addHost({ 'agent.workspace_root': elsewhere });
    await stack.json('POST', `/api/system/hosts/${stack.hosts[0]!.id}/cordon`, 200);
    const started = await stack.startAgent('mover');
    expect(started.hostId).to.equal(other.id);
    const otherWorktree = agentWorktree(other.ctx.config, 'mover');
    expect(otherWorktree.startsWith(elsewhere)).to.equal(true);
    expect(readFileSync(path.join(otherWorktree, 'moved.txt'), 'utf8')).to.equal('first\nsecond\n');
    const log = await sh('mover', 'git log --format=%s -2');
    expect(log).to.match(/^exit 0: WIP: work of agent mover left uncommitted when it stopped\nbefore the move$/);
  });
});
