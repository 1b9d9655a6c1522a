import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { agentBranch } from '../../shared/projects/project-model.js';
import { agentWorktree, servedAgentRepo } from '../../shared/projects/project-paths.js';
import { useCluster, type Cluster, type ClusterHost } from '../support/cluster.js';
import { waitUntil } from '../support/harness.js';
import { replies, waitRuntime } from '../hosts/scenarios.js';
import { GIT_AGENT, personGit, personRepo } from './worktree-support.js';

/**
 * Issue 16, item 4 ("Movable") across machines that share nothing but Redis and the API
 * (test/support/cluster.ts with network and mount namespaces): a project whose repository is
 * a local path on machine A — the API's — which no worker host can see. Hosts with a host
 * credential fetch and push through the mirror the API serves (git smart HTTP); an agent that
 * committed on host `a` resumes, after `a` is SIGKILLed, on host `b` with an empty folder, and
 * finds its worktree with its last commits; a merge approved by a person lands in the project's
 * base branch on machine A.
 */
describe('projects: an agent moves between machines that cannot see the project’s repository', function () {
  this.timeout(240_000);
  const cluster = useCluster(
    {
      'agent.command': process.execPath,
      'agent.args': [GIT_AGENT],
      'agent.store': 'registry',
      'agent.stop_grace_ms': 1000,
      'agent.sampling_interval_ms': 60_000,
      'approvals.rules': [{ action: 'approve', types: ['merge'] }],
    },
    { netns: true },
  );
  after(async () => {
    await cluster().stopHosts();
  });

  const credentialFor = async (c: Cluster, hostId: string): Promise<string> => (await c.json<{ credential: string }>('POST', '/api/system/host-tokens', 201, { body: { hostId } })).credential;
  /** the agent's replies on a host's disk, the newest last */
  const sh = async (c: Cluster, host: ClusterHost, agentId: string, session: string, command: string): Promise<string> => {
    const before = replies(host, agentId, session).length;
    await c.json('POST', `/api/agents/${agentId}/turn`, 202, { body: { text: `sh ${command}` } });
    let last = '';
    await waitUntil(() => {
      const all = replies(host, agentId, session);
      last = all[all.length - 1] ?? '';
      return all.length > before;
    }, 30_000);
    return last;
  };

  it('commits on host a, a is killed, host b (empty folder, no sight of the repository) finds the worktree and its last commits; the merge lands in the base', async () => {
    const c = cluster();
    const repo = personRepo(path.join(path.dirname(c.config.registryDir), 'person-repo'));
    await c.json('POST', '/api/projects', 201, { body: { name: 'far', repo } });

    const a = await c.startHost('mv-a', { 'worker.host_token': await credentialFor(c, 'mv-a') });
    expect(existsSync(a.see(repo)), 'the repository, seen from host a').to.equal(false);
    await c.json('POST', '/api/agents', 201, { body: { id: 'trav', project: 'far', start: true } });
    const session = (await waitRuntime(c, 'trav', (r) => r.status === 'idle' && r.hostId === a.id, 60_000)).sessionId!;

    const made = await sh(c, a, 'trav', session, 'echo one > moved.txt && git add -A && git commit -qm "made on host a" && git rev-parse HEAD');
    const sha = made.match(/^exit 0: ([0-9a-f]{40})$/)?.[1];
    expect(sha, made).to.be.a('string');
    // the turn's end pushed it to the mirror the API serves (the repository itself has no nox/ branch)
    const served = servedAgentRepo(c.config, 'far', 'trav');
    await waitUntil(() => {
      try {
        return personGit(served, 'rev-parse', agentBranch('trav')) === sha;
      } catch {
        return false;
      }
    }, 20_000);
    expect(personGit(repo, 'branch', '--list', 'nox/*')).to.equal('');

    const b = await c.startHost('mv-b', { 'worker.host_token': await credentialFor(c, 'mv-b') });
    expect(existsSync(b.see(repo)), 'the repository, seen from host b').to.equal(false);
    expect(existsSync(b.see(agentWorktree({ ...c.config, registryDir: b.machine.registryDir, agent: { ...c.config.agent, workspace_root: b.machine.workspace } }, 'trav'))), 'b has no worktree yet').to.equal(false);
    a.child.kill('SIGKILL');
    await waitRuntime(c, 'trav', (r) => r.status === 'idle' && r.hostId === b.id, 60_000);

    const found = await sh(c, b, 'trav', session, 'git log --format=%s -1 && cat moved.txt && git rev-parse HEAD && pwd');
    expect(found).to.match(new RegExp(`^exit 0: made on host a\\none\\n${sha}\\n${b.machine.workspace}/trav$`));
    expect(readFileSync(b.see(path.join(b.machine.workspace, 'trav', 'moved.txt')), 'utf8')).to.equal('one\n');

    // more work on b, then a merge: it lands in the base of the repository on machine A
    expect(await sh(c, b, 'trav', session, 'echo two >> moved.txt && git commit -qam "made on host b" && echo ok')).to.equal('exit 0: ok');
    await waitUntil(() => personGit(served, 'log', '-1', '--format=%s', agentBranch('trav')) === 'made on host b', 20_000);
    const merged = await c.json<{ status: string; result: { sha: string } }>('POST', '/api/agents/trav/merge', 200, { body: {} });
    expect(merged.status).to.equal('done');
    expect(personGit(repo, 'rev-parse', 'main')).to.equal(merged.result.sha);
    expect(personGit(repo, 'show', 'main:moved.txt')).to.equal('one\ntwo');
    expect(personGit(repo, 'log', '--format=%s', 'main')).to.contain('made on host a');
  });
});
