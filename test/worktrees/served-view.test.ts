import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { personGit, personRepo, hostCredential } from './worktree-support.js';

/**
 * Issue 16, "Movable": one agent's URL of the served mirror shows the project's base and that
 * agent's branch, and no other agent's (docs/WORKTREES.md, "What a host sees"). A host whose
 * credential may use alpha's URL lists its refs — for a fetch and for a push — and finds no
 * trace of beta's branch, and cannot have beta's commit by asking for its id: with git's own
 * client (protocol v2 asked for) nor with a raw request of either protocol.
 */
describe('projects: an agent’s URL of the served mirror shows only the base and its own branch', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  let work: string;
  let credential: string;

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    repo = personRepo();
    // the person's repository has another branch checked out: the served mirror's HEAD is the base all the same
    personGit(repo, 'checkout', '-q', '-b', 'side');
    personGit(repo, 'commit', '-q', '--allow-empty', '-m', 'side work');
    work = mkdtempSync(path.join(os.tmpdir(), 'nox-served-view-'));
    await stack.json('POST', '/api/projects', 201, { body: { name: 'sv', repo } });
    for (const id of ['alpha', 'beta', 'alphabet', 'gamma']) await stack.createAgent({ id, project: 'sv' });
    // bound to a host id: the agents are placed nowhere yet, so any host may use their URLs
    credential = await hostCredential(stack, 'viewer');
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const urlOf = (agentId: string): string => `${stack.api.url}/api/projects/sv/agents/${agentId}/git`;
  /** git with the host's credential; resolves to what it printed and whether it succeeded */
  const hostGit = (...args: string[]): Promise<{ ok: boolean; out: string }> =>
    new Promise((resolve) => {
      execFile('git', ['-c', `http.extraHeader=Authorization: Bearer ${credential}`, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
        resolve({ ok: !err, out: `${stdout}${stderr}` });
      });
    });
  /** a commit on the base, made in a clone of the project, pushed as the agent's branch through its URL */
  const pushWork = async (agentId: string): Promise<string> => {
    const clone = path.join(work, agentId);
    personGit(work, 'clone', '-q', '-b', 'main', repo, clone);
    writeFileSync(path.join(clone, `${agentId}.txt`), `${agentId}\n`);
    personGit(clone, 'add', '-A');
    personGit(clone, 'commit', '-q', '-m', `${agentId} work`);
    const pushed = await hostGit('-C', clone, 'push', urlOf(agentId), `HEAD:refs/heads/nox/${agentId}`);
    expect(pushed.ok, pushed.out).to.equal(true);
    return personGit(clone, 'rev-parse', 'HEAD');
  };
  const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  const uploadPack = async (body: string, headers: Record<string, string> = {}): Promise<Buffer> => {
    const res = await fetch(`${urlOf('alpha')}/git-upload-pack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-git-upload-pack-request', ...headers },
      body,
    });
    return Buffer.from(await res.arrayBuffer());
  };

  it('lists the base and alpha’s branch to alpha’s URL, never beta’s, and will not send beta’s commit by its id', async () => {
    const betaSha = await pushWork('beta');
    const alphaSha = await pushWork('alpha');
    await pushWork('alphabet'); // a name that begins with alpha's: hidden from alpha too
    const main = personGit(repo, 'rev-parse', 'main');

    const listed = await hostGit('ls-remote', urlOf('alpha'));
    expect(listed.ok, listed.out).to.equal(true);
    const refs = listed.out
      .split('\n')
      .filter((l) => /^[0-9a-f]{40}\t/.test(l))
      .map((l) => l.split('\t')[1])
      .sort();
    expect(refs).to.deep.equal(['HEAD', 'refs/heads/main', 'refs/heads/nox/alpha']);
    expect(listed.out).to.contain(`${main}\tHEAD`).and.not.contain(personGit(repo, 'rev-parse', 'side'));
    expect(listed.out).to.contain(`${alphaSha}\trefs/heads/nox/alpha`).and.contain(`${main}\trefs/heads/main`).and.not.contain(betaSha);

    // a push's advertisement shows no more
    const advert = await (await fetch(`${urlOf('alpha')}/info/refs?service=git-receive-pack`, { headers: { authorization: `Bearer ${credential}` } })).text();
    expect(advert).to.contain('refs/heads/nox/alpha').and.not.contain('nox/beta').and.not.contain('nox/alphabet').and.not.contain(betaSha);

    // beta's own URL still shows beta's branch (to a host that may use it)
    expect((await hostGit('ls-remote', urlOf('beta'), 'refs/heads/nox/beta')).out).to.contain(betaSha);

    // git's client, protocol v2 asked for: alpha's branch comes, beta's commit by id does not
    const fetcher = path.join(work, 'fetcher');
    personGit(work, 'init', '-q', '--bare', fetcher);
    const own = await hostGit('-c', 'protocol.version=2', '--git-dir', fetcher, 'fetch', urlOf('alpha'), 'refs/heads/nox/alpha');
    expect(own.ok, own.out).to.equal(true);
    const byId = await hostGit('-c', 'protocol.version=2', '--git-dir', fetcher, 'fetch', urlOf('alpha'), betaSha);
    expect(byId.ok, byId.out).to.equal(false);
    expect((await hostGit('--git-dir', fetcher, 'cat-file', '-e', betaSha)).ok).to.equal(false);

    // raw requests, as a hostile host would send them: no pack comes back for beta's commit
    const v2 = await uploadPack(`${pkt('command=fetch\n')}0001${pkt(`want ${betaSha}\n`)}${pkt('done\n')}0000`, { 'git-protocol': 'version=2' });
    expect(v2.includes('PACK'), v2.toString('latin1').slice(0, 300)).to.equal(false);
    const v0 = await uploadPack(`${pkt(`want ${betaSha}\n`)}0000${pkt('done\n')}`);
    expect(v0.includes('PACK'), v0.toString('latin1').slice(0, 300)).to.equal(false);
    // the same raw request for alpha's own commit does get its pack (the requests above are well formed)
    const mine = await uploadPack(`${pkt(`want ${alphaSha}\n`)}0000${pkt('done\n')}`);
    expect(mine.includes('PACK'), mine.toString('latin1').slice(0, 300)).to.equal(true);

    // a host that knows the id names beta's commit as the new tip of gamma's branch, sending
    // no objects, to fetch it through gamma's URL after: refused
    const header = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])]);
    const emptyPack = Buffer.concat([header, createHash('sha1').update(header).digest()]);
    const pushRes = await fetch(`${urlOf('gamma')}/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/x-git-receive-pack-request' },
      body: Buffer.concat([Buffer.from(`${pkt(`${'0'.repeat(40)} ${betaSha} refs/heads/nox/gamma\0report-status\n`)}0000`), emptyPack]),
    });
    const report = await pushRes.text();
    expect(report).to.contain('ng refs/heads/nox/gamma').and.not.contain('ok refs/heads/nox/gamma');
    expect((await hostGit('ls-remote', urlOf('gamma'))).out).to.not.contain('nox/gamma').and.not.contain(betaSha);
  });
});
